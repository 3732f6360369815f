// Per-repository calibration (issue #11): a repository's own history in the ledger sets its
// operating point. The scoring model's shipped thresholds were chosen on the development set; a
// repository whose people write code the model scores high (thorough comments, long names) would
// have its authors flagged again and again. Its ledger already holds what the model scored there,
// hunk by hunk, and which hunks someone attested as AI.
//
// The rule, bounded and stated in the output:
// - Only hunks scored by the model in force count (scores of another model version do not
//   calibrate this one), each distinct hunk once (the same content re-analysed at a later head
//   counts once, its latest analysis kept). Skipped hunks do not count, nor do hunks of text the
//   detectors do not read (Markdown, JSON, YAML…: not scored, judged by their path).
// - Attested hunks (stated AI evidence: recorded, declared or stamped) are the positives; the
//   rest are hunks with no stated evidence or with stated evidence that says human. The rest are mostly human but may hold undeclared AI,
//   so their flag rate is an upper bound on the human flag rate.
// - With at least `minUnattested` of the rest and `minAttested` positives, `high` becomes the
//   lowest score at which at most `targetFlagRate` of the rest is flagged, clipped to the shipped
//   `high` ± `maxShift` (so a repository full of undeclared AI cannot switch detection off, and
//   one with very plain human code cannot make it trigger-happy); `low` moves by the same amount,
//   never above `high`. Fewer hunks: the shipped thresholds stay, and the output says how many
//   more it needs.
// - The recall on the repository's attested hunks at both operating points is shown, so a reader
//   sees what the calibration costs.
import { isParsable, languageOfPath } from '../../detectors/language.js';
import { UsageError } from '../core/errors.js';
import type { LedgerStore } from '../ledger/store.js';
import type { ChangeAnalyzedBody, ChangeAnalyzedHunk } from '../ledger/kinds/change-analyzed.js';
import { DEFAULT_MODEL } from '../../detectors/model.js';
import { DEFAULT_MESSAGE_MODEL } from '../../detectors/commit-message.js';

export const CALIBRATION_SCHEMA = 'trailmark.calibration/v1';

export interface Thresholds {
  readonly low: number;
  readonly high: number;
}

export interface CalibrationOptions {
  /** Only this repository (`owner/name`); absent: every repository in the ledgers. */
  readonly repository?: string;
  /** The scoring model in force (`id@version`, as `change.analyzed` records it). */
  readonly model: string;
  /**
   * The commit-message model in force (`id@version`, `change.analyzed` `messageModel`); default
   * the shipped one. Scores count only when both models match.
   */
  readonly messageModel?: string;
  /** The shipped (or policy) thresholds the calibration starts from. */
  readonly thresholds: Thresholds;
  /** Largest share of unattested hunks the calibrated `high` flags (default 0.01). */
  readonly targetFlagRate?: number;
  /** Unattested hunks needed before calibrating (default 200). */
  readonly minUnattested?: number;
  /** Attested hunks needed before calibrating (default 20). */
  readonly minAttested?: number;
  /** Largest move of `high` from the shipped value, either way (default 0.15). */
  readonly maxShift?: number;
}

export const CALIBRATION_DEFAULTS = { targetFlagRate: 0.01, minUnattested: 200, minAttested: 20, maxShift: 0.15 } as const;

export interface OperatingPoint {
  readonly thresholds: Thresholds;
  /** Share of the repository's unattested hunks scoring at or above `high`. */
  readonly unattestedFlagRate: number;
  /** Share of the repository's attested hunks scoring at or above `high` (null: none attested). */
  readonly attestedRecall: number | null;
}

export interface RepositoryCalibration {
  readonly repository: string;
  readonly status: 'calibrated' | 'insufficient';
  /** One sentence a security lead can read: what was done and why. */
  readonly reason: string;
  readonly hunks: { readonly attested: number; readonly unattested: number; readonly otherModel: number; readonly skipped: number };
  readonly shipped: OperatingPoint;
  /** The calibrated point; equal to `shipped` when `status` is `insufficient`. */
  readonly calibrated: OperatingPoint;
  /** Whether the bound (`maxShift`) clipped the calibrated `high`. */
  readonly clipped: boolean;
}

export interface CalibrationReport {
  readonly schema: typeof CALIBRATION_SCHEMA;
  readonly model: string;
  /** The commit-message model the scores were made with (absent in documents written before 0.3: stale). */
  readonly messageModel?: string;
  readonly rule: { readonly targetFlagRate: number; readonly minUnattested: number; readonly minAttested: number; readonly maxShift: number };
  readonly repositories: readonly RepositoryCalibration[];
}

interface Scored {
  readonly score: number;
  readonly attested: boolean;
}

interface RepositoryHunks {
  /** Distinct hunk (path + content digest) → its latest scoring. */
  readonly hunks: Map<string, Scored>;
  otherModel: number;
  skipped: number;
}

const STATED = new Set(['recorded', 'declared', 'stamped']);

/**
 * Whether stated evidence says AI wrote the hunk: its attribution names some (entries from 0.2 on
 * carry it; an empty one means the stated evidence said human), else an `attested` verdict.
 */
function saysAi(h: ChangeAnalyzedHunk): boolean {
  if (h.attribution !== undefined) return h.attribution.some((a) => STATED.has(a.class));
  return h.verdict === 'attested';
}

/** Reads the ledgers and calibrates each repository (or the one asked for). */
export async function calibrate(stores: readonly LedgerStore[], options: CalibrationOptions): Promise<CalibrationReport> {
  if (stores.length === 0) throw new UsageError('USAGE', 'no ledger given', { hint: 'pass --ledger DIR (repeatable) pointing at a ledger directory' });
  const rule = {
    targetFlagRate: options.targetFlagRate ?? CALIBRATION_DEFAULTS.targetFlagRate,
    minUnattested: options.minUnattested ?? CALIBRATION_DEFAULTS.minUnattested,
    minAttested: options.minAttested ?? CALIBRATION_DEFAULTS.minAttested,
    maxShift: options.maxShift ?? CALIBRATION_DEFAULTS.maxShift,
  };
  if (!(rule.targetFlagRate > 0 && rule.targetFlagRate < 1)) throw new UsageError('USAGE', `target flag rate ${rule.targetFlagRate} must be between 0 and 1`);
  if (!(rule.maxShift >= 0 && rule.maxShift <= 1)) throw new UsageError('USAGE', `maximum shift ${rule.maxShift} must be between 0 and 1`);
  const byRepository = new Map<string, RepositoryHunks>();
  for (const store of stores) await collect(store, options, byRepository);
  const repositories = [...byRepository.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([repository, r]) => calibrateRepository(repository, r, options.thresholds, rule));
  return { schema: CALIBRATION_SCHEMA, model: options.model, messageModel: options.messageModel ?? currentMessageModel(), rule, repositories };
}

async function collect(store: LedgerStore, options: CalibrationOptions, into: Map<string, RepositoryHunks>): Promise<void> {
  const messageModel = options.messageModel ?? currentMessageModel();
  const wanted = (body: ChangeAnalyzedBody) => body.repository !== null && (options.repository === undefined || body.repository.toLowerCase() === options.repository.toLowerCase());
  // The ledger reader (entries, their schemas and validator) loads only to calibrate: the scan
  // and the review import this module for decideCalibration and never read a ledger here.
  const { readAnalyses } = await import('./analyses.js');
  for await (const { analysis, hunks } of readAnalyses(store, { wanted })) {
    const repository = analysis.body.repository!;
    // Scores count only under the code AND message models in force; an entry written before
    // entries named their message model (no `messageModel`) counts as another model.
    const current = analysis.body.model === options.model && analysis.body.messageModel === messageModel;
    let r = into.get(repository);
    if (r === undefined) {
      r = { hunks: new Map(), otherModel: 0, skipped: 0 };
      into.set(repository, r);
    }
    for (const h of hunks) {
      if (!current) {
        r.otherModel++;
        continue;
      }
      // Text the detectors do not read was never scored by the model (since scans stopped
      // scoring it; before, its scores were not the model's kind of input either).
      if (h.verdict === 'skipped' || !isParsable(languageOfPath(h.path))) {
        r.skipped++;
        continue;
      }
      const key = `${h.path}\u0000${h.contentDigest}`;
      // Later entries win: re-analyses of the same content keep their newest score.
      r.hunks.delete(key);
      r.hunks.set(key, { score: h.score, attested: saysAi(h) });
    }
  }
}

function calibrateRepository(repository: string, r: RepositoryHunks, shipped: Thresholds, rule: CalibrationReport['rule']): RepositoryCalibration {
  const scored = [...r.hunks.values()];
  const attested = scored.filter((s) => s.attested).map((s) => s.score);
  const unattested = scored.filter((s) => !s.attested).map((s) => s.score).sort((a, b) => a - b);
  const counts = { attested: attested.length, unattested: unattested.length, otherModel: r.otherModel, skipped: r.skipped };
  const point = (t: Thresholds): OperatingPoint => ({
    thresholds: t,
    unattestedFlagRate: rate(unattested, t.high),
    attestedRecall: attested.length === 0 ? null : rate(attested, t.high),
  });
  const shippedPoint = point(shipped);
  const missing: string[] = [];
  if (unattested.length < rule.minUnattested) missing.push(`${rule.minUnattested - unattested.length} more unattested`);
  if (attested.length < rule.minAttested) missing.push(`${rule.minAttested - attested.length} more attested`);
  if (missing.length > 0) {
    return {
      repository, status: 'insufficient', hunks: counts, shipped: shippedPoint, calibrated: shippedPoint, clipped: false,
      reason: `the shipped thresholds stay: ${attested.length} attested and ${unattested.length} unattested hunks scored by this model; calibration needs ${missing.join(' and ')}`,
    };
  }
  const wanted = lowestHighFor(unattested, rule.targetFlagRate);
  const lo = shipped.high - rule.maxShift;
  const hi = Math.min(1, shipped.high + rule.maxShift);
  const high = round(Math.min(hi, Math.max(lo, wanted)));
  const clipped = high !== round(wanted);
  const low = round(Math.min(high, Math.max(0, shipped.low + (high - shipped.high))));
  const calibrated = point({ low, high });
  const direction = high > shipped.high ? 'raised' : high < shipped.high ? 'lowered' : 'kept';
  return {
    repository, status: 'calibrated', hunks: counts, shipped: shippedPoint, calibrated, clipped,
    reason: `high ${direction} from ${shipped.high} to ${high} so that at most ${percent(rule.targetFlagRate)} of this repository's ${unattested.length} unattested hunks are flagged`
      + (clipped ? ` (the bound of ±${rule.maxShift} stopped it at ${high}; unclipped it would be ${round(wanted)})` : '')
      + `; recall on its ${attested.length} attested hunks ${percent(shippedPoint.attestedRecall ?? 0)} → ${percent(calibrated.attestedRecall ?? 0)}`,
  };
}

/** Share of `scores` at or above `threshold`. */
function rate(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return 0;
  return scores.filter((s) => s >= threshold).length / scores.length;
}

/**
 * The lowest threshold at which at most `target` of the ascending `sorted` scores are at or above
 * it: just above the score that would be one flag too many (ties move together).
 */
export function lowestHighFor(sorted: readonly number[], target: number): number {
  const allowed = Math.floor(sorted.length * target);
  if (allowed >= sorted.length) return 0;
  // The (allowed+1)-th highest score must not be flagged: the threshold goes just above it.
  const blocker = sorted[sorted.length - allowed - 1]!;
  return nextAbove(blocker);
}

/** The smallest 4-decimal value strictly above `x` (thresholds are shown and stored to 4 decimals). */
function nextAbove(x: number): number {
  let t = Math.ceil(x * 10_000) / 10_000;
  while (t <= x) t = (Math.round(t * 10_000) + 1) / 10_000;
  return t;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;
const percent = (x: number): string => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;

/** The calibrated thresholds for `repository` in a report, when it was calibrated. */
export function calibratedThresholds(report: CalibrationReport, repository: string): RepositoryCalibration | undefined {
  return report.repositories.find((r) => r.repository.toLowerCase() === repository.toLowerCase());
}

/** The scoring model in force, as `change.analyzed` entries name it (`id@version`). */
export function currentModel(): string {
  return `${DEFAULT_MODEL.id}@${DEFAULT_MODEL.version}`;
}

/** The commit-message model in force, as `change.analyzed` entries name it (`id@version`). */
export function currentMessageModel(): string {
  return `${DEFAULT_MESSAGE_MODEL.id}@${DEFAULT_MESSAGE_MODEL.version}`;
}

/**
 * Why a calibration no longer applies: it was made for other models than the ones in force (its
 * scores would set the thresholds of a different score). Undefined when it applies.
 */
export function calibrationStale(report: CalibrationReport): string | undefined {
  const model = currentModel();
  const messageModel = currentMessageModel();
  if (report.model !== model) return `it was made for model ${report.model}, this is ${model}`;
  if (report.messageModel !== messageModel) return `it was made ${report.messageModel === undefined ? 'before calibrations named their commit-message model' : `for commit-message model ${report.messageModel}`}, this is ${messageModel}`;
  return undefined;
}

/** Parses a `trailmark.calibration/v1` document (from `trailmark calibrate --json`), checking what `scan` relies on. */
export function parseCalibration(text: string, source: string): CalibrationReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError('BAD_INPUT', `${source} is not JSON: ${(err as Error).message}`, { hint: 'write it with trailmark calibrate --json' });
  }
  const d = doc as Partial<CalibrationReport> | null;
  if (d === null || typeof d !== 'object' || d.schema !== CALIBRATION_SCHEMA || !Array.isArray(d.repositories) || typeof d.model !== 'string' || (d.messageModel !== undefined && typeof d.messageModel !== 'string')) {
    throw new UsageError('BAD_INPUT', `${source} is not a ${CALIBRATION_SCHEMA} document`, { hint: 'write it with trailmark calibrate --json' });
  }
  for (const r of d.repositories as unknown[]) {
    const rc = r as Partial<RepositoryCalibration> | null;
    const t = rc?.calibrated?.thresholds;
    if (rc === null || typeof rc.repository !== 'string' || (rc.status !== 'calibrated' && rc.status !== 'insufficient') || typeof rc.reason !== 'string'
      || t === undefined || !(typeof t.low === 'number' && typeof t.high === 'number' && t.low >= 0 && t.low <= t.high && t.high <= 1)) {
      throw new UsageError('BAD_INPUT', `${source}: a repository entry is malformed`, { hint: 'write it again with trailmark calibrate --json' });
    }
  }
  return d as CalibrationReport;
}

/** Where a review finds the repository's calibration (the Action: the ledger branch's `calibration.json`; the App: its state). */
export interface CalibrationSource {
  /** The calibration document, or undefined when none was made yet. */
  load(): Promise<CalibrationReport | undefined>;
}

/** What a review does with a calibration: apply it, or say in one sentence why not. */
export type CalibrationDecision =
  | { readonly applied: { readonly thresholds: Thresholds; readonly reason: string }; readonly note: string }
  | { readonly applied?: undefined; readonly note: string; /** Whether the check run says it (not when there is simply no calibration yet). */ readonly shown: boolean };

/**
 * The operating point a review of `repository` uses from `report`, starting from the policy's
 * `thresholds`: applied only when the calibration is for the models in force, the repository
 * was calibrated, and it started from these thresholds (a policy that changed its thresholds
 * since is not overridden by a calibration of the old ones).
 */
export function decideCalibration(report: CalibrationReport | undefined, repository: string, thresholds: Thresholds): CalibrationDecision {
  if (report === undefined) return { note: 'no calibration of this repository yet: the policy\'s thresholds apply', shown: false };
  const stale = calibrationStale(report);
  if (stale !== undefined) return { note: `the calibration is stale and ignored (${stale}); the policy's thresholds apply until it is made again`, shown: true };
  const r = calibratedThresholds(report, repository);
  if (r === undefined) return { note: 'the calibration has no entry for this repository yet: the policy\'s thresholds apply', shown: false };
  if (r.status !== 'calibrated') return { note: `not calibrated: ${r.reason}`, shown: true };
  const from = r.shipped.thresholds;
  if (from.low !== thresholds.low || from.high !== thresholds.high) {
    return { note: `the calibration started from thresholds ${from.low}/${from.high}, the policy sets ${thresholds.low}/${thresholds.high}: ignored until it is made again`, shown: true };
  }
  return { applied: { thresholds: r.calibrated.thresholds, reason: r.reason }, note: `thresholds calibrated for this repository: ${r.reason}` };
}
