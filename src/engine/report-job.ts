// The scheduled report run over one ledger (the Action on `schedule` / `workflow_dispatch`):
// read the policy, verify the ledger, apply the policy's retention (only to a ledger that
// verified, and only with the signing key: retention signs `retention` entries), then build the
// report of one ISO week and render it as markdown with Mermaid charts. Delivery (job summary,
// weekly issue) is the adapter's. No I/O of its own: the store, policy source, clock and
// randomness come in.
import type { Clock, Random } from '../core/ports.js';
import { verifierOf } from '../ledger/log.js';
import { parseSignerKey, type NoteSigner, type NoteVerifier } from '../ledger/note.js';
import type { LedgerStore } from '../ledger/store.js';
import type { ReportModel } from '../report/model.js';
import { lastCompleteWeek, weekRange } from '../report/week.js';
import { renderReportMarkdown } from '../report/weekly-markdown.js';
import { isEmptyLedger, verifyLedger } from './ledger.js';
import { buildReport } from './report.js';
import { applyRetention, type RetentionResult } from './retention.js';
import { calibrate, currentModel, type CalibrationReport } from './calibration.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy.js';
import type { OperatingPointRow } from '../report/model.js';

export type { ReportModel, RetentionResult };

/** The report run's policy: read as the review reads it (engine/policy.ts). */
export { loadPolicy as loadReportPolicy } from './policy.js';

export interface ReportJobRequest {
  readonly policy: Policy;
  /** The ledger (the Action: its ledger branch). */
  readonly store: LedgerStore;
  /** `owner/repo`: the report covers this repository. */
  readonly repository: string;
  /** ISO week (`2026-W49`); default: the last complete week at `clock.now()`. */
  readonly week?: string;
  /** Signs retention entries (or its `PRIVATE+KEY+…` text); without it retention is not applied (and the ledger is verified with `keys` only). */
  readonly signer?: NoteSigner | string;
  /** Why this run must not write the ledger (the Action's `ledger: none`): retention is skipped with it. */
  readonly readOnly?: string;
  /** Further trusted keys (rotated ones); the signer's public key is always trusted. */
  readonly keys?: readonly NoteVerifier[];
  /** Forgets what the store has read (after losing a race for the ledger, before retention runs again); without it a lost race fails. */
  readonly refresh?: () => void;
  /** Retention attempts when another writer keeps winning the race for the ledger (LedgerError LOCKED). Default 4. */
  readonly retentionAttempts?: number;
  /**
   * Why a retention failure is not fatal (the adapter knows its platform's errors: a token that
   * cannot write the ledger), or undefined to let it fail the job. The report is built either way.
   */
  readonly retentionRefused?: (err: unknown) => string | undefined;
  readonly dashboardUrl?: string;
  /**
   * Where the repository's calibration is kept next to the ledger (the Action: `calibration.json`
   * on the ledger branch). With it and the policy's `calibration: auto` (the default), the run
   * calibrates the repository from the ledger and writes the document when it changed; review
   * runs read that one file. Absent: no calibration.
   */
  readonly calibration?: CalibrationSink;
  readonly clock: Clock;
  readonly random: Random;
}

/** The calibration document next to the ledger. */
export interface CalibrationSink {
  /** Its text, or null when there is none. */
  read(): Promise<string | null>;
  /** Replaces it; LedgerError LOCKED when another writer changed the ledger first (written again after `refresh`). */
  write(text: string): Promise<void>;
}

export interface ReportJobOutcome {
  readonly week: string;
  readonly model: ReportModel;
  /** The report as markdown (Mermaid charts), within GitHub's issue body limit. */
  readonly markdown: string;
  /** What retention did, or why it did not run. */
  readonly retention: { readonly applied: RetentionResult } | { readonly skipped: string; readonly refused?: true } | null;
  /** Log lines: what was verified, skipped, repaired. */
  readonly notes: readonly string[];
  /** The calibration made from the ledger and whether its document was written, or why none was; null without a sink. */
  readonly calibration: { readonly report: CalibrationReport; readonly written: boolean } | { readonly skipped: string } | null;
}

function isLocked(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'LOCKED';
}

/** Runs the report job; retention failures other than a lost race propagate (the adapter decides). */
export async function runReportJob(req: ReportJobRequest, notes: string[] = []): Promise<ReportJobOutcome> {
  const week = req.week ?? lastCompleteWeek(req.clock.now());
  const range = weekRange(week); // validates the label (W53 exists only in some years)
  const signer = typeof req.signer === 'string' ? parseSignerKey(req.signer) : req.signer;
  const keys = [...(signer === undefined ? [] : [verifierOf(signer)]), ...(req.keys ?? [])];
  if (keys.length === 0) notes.push('no signing key: the report cannot verify the ledger signatures and says so in its provenance');

  let retention: ReportJobOutcome['retention'] = null;
  const rules = req.policy.retention;
  if (rules !== undefined && Object.keys(rules).length > 0) {
    if (req.readOnly !== undefined) retention = { skipped: req.readOnly };
    else if (signer === undefined) retention = { skipped: 'the policy sets retention, but without the signing key no retention entry can be signed: nothing erased' };
    else if (await isEmptyLedger(req.store)) retention = { skipped: 'the ledger is empty' };
    else {
      const { report } = await verifyLedger(req.store, keys);
      if (!report.ok) {
        retention = { skipped: `the ledger does not verify (${report.problems[0]?.message ?? 'unknown problem'}): nothing erased, nothing appended` };
      } else {
        const attempts = req.retentionAttempts ?? 4;
        for (let attempt = 1; ; attempt++) {
          try {
            const applied = await applyRetention({
              store: req.store, policy: rules, clock: req.clock, random: req.random, signer,
              ...(req.policy.ledger.origin === undefined ? {} : { origin: req.policy.ledger.origin }), policyVersion: req.policy.version,
              onRepair: (m) => notes.push(`ledger repaired on open: ${m}`),
            });
            retention = { applied };
            break;
          } catch (err) {
            // Another writer published first: retention is idempotent, so run it again on the new head.
            if (isLocked(err) && attempt < attempts && req.refresh !== undefined) {
              req.refresh();
              notes.push(`retention: another writer changed the ledger first; applying again (attempt ${attempt + 1} of ${attempts})`);
              continue;
            }
            const refused = req.retentionRefused?.(err);
            if (refused === undefined) throw err;
            retention = { skipped: refused, refused: true };
            req.refresh?.();
            break;
          }
        }
      }
    }
  }

  const built = await buildReport([{ store: req.store, keys }], {
    since: range.since, until: range.until, clock: req.clock, repositories: [req.repository], sensitivePaths: req.policy.sensitivePaths,
  });
  const calibration = await calibrateJob(req, built.provenance.ledgers[0]?.verified === true, notes);
  const model = calibration !== null && 'report' in calibration ? { ...built, operatingPoints: operatingPointsOf(calibration.report, req.policy) } : built;
  const markdown = renderReportMarkdown(model, req.dashboardUrl === undefined ? {} : { dashboardUrl: req.dashboardUrl });
  return { week, model, markdown, retention, notes, calibration };
}

/**
 * Calibrates the repository from the ledger and writes the document when its text changed (no
 * request when it did not). Only from a ledger that verified: a calibration moves thresholds.
 */
async function calibrateJob(req: ReportJobRequest, verified: boolean, notes: string[]): Promise<ReportJobOutcome['calibration']> {
  const sink = req.calibration;
  if (sink === undefined) return null;
  if (req.policy.calibration === 'off') return { skipped: 'the policy says `calibration: off`' };
  if (!verified) return { skipped: 'the ledger did not verify with the signing key: no calibration is made from it' };
  const report = await calibrate([req.store], { repository: req.repository, model: currentModel(), thresholds: req.policy.thresholds });
  const r = report.repositories[0];
  notes.push(`calibration of ${req.repository}: ${r === undefined ? 'no analysis in the ledger yet' : `${r.status}, ${r.reason}`}`);
  if (req.readOnly !== undefined) return { report, written: false };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if ((await sink.read()) === text) return { report, written: false };
  const attempts = req.retentionAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.write(text);
      notes.push('calibration.json written next to the ledger');
      return { report, written: true };
    } catch (err) {
      if (!isLocked(err) || attempt >= attempts || req.refresh === undefined) {
        const refused = req.retentionRefused?.(err);
        if (refused === undefined) throw err;
        notes.push(`calibration not written: ${refused}`);
        return { report, written: false };
      }
      req.refresh();
      notes.push(`calibration: another writer changed the ledger first; writing again (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}


/** The report's operating-point rows of a calibration: the thresholds a review now uses, and what they cost. */
export function operatingPointsOf(report: CalibrationReport, policy: Policy): OperatingPointRow[] {
  const fromPolicy = policy.thresholds.low !== DEFAULT_POLICY.thresholds.low || policy.thresholds.high !== DEFAULT_POLICY.thresholds.high;
  return report.repositories.map((r) => {
    const calibrated = r.status === 'calibrated' && policy.calibration !== 'off';
    const point = calibrated ? r.calibrated : r.shipped;
    return {
      repository: r.repository,
      source: calibrated ? 'calibrated' : fromPolicy ? 'policy' : 'shipped',
      status: r.status,
      thresholds: point.thresholds,
      unattestedFlagRate: point.unattestedFlagRate,
      attestedRecall: point.attestedRecall,
      hunks: r.hunks,
      reason: r.reason,
    };
  });
}

/**
 * The report's operating points over `stores` (ledgers that verified): each repository's
 * calibration from the policy's thresholds, as `trailmark report` and the App's weekly issue show
 * them. `repositories` non-empty: only those.
 */
export async function operatingPointsFor(stores: readonly LedgerStore[], policy: Policy, repositories: readonly string[] = [], o: OperatingPointsOptions = {}): Promise<OperatingPointRow[]> {
  if (stores.length === 0) return [];
  const only = repositories.length === 1 ? { repository: repositories[0] as string } : {};
  const report = await calibrate(stores, { ...only, model: currentModel(), thresholds: policy.thresholds });
  const own = policy.thresholds.low !== DEFAULT_POLICY.thresholds.low || policy.thresholds.high !== DEFAULT_POLICY.thresholds.high;
  // Where reviews calibrate only from the shipped thresholds (the App), a policy with its own
  // thresholds keeps them: the row says so rather than show a point no review uses.
  const rows = o.shippedOnly === true && own
    ? operatingPointsOf(report, { ...policy, calibration: 'off' }).map((row) => ({ ...row, reason: `reviews use the policy's own thresholds as they are (the App calibrates from the shipped ones only); ${row.reason}` }))
    : operatingPointsOf(report, policy);
  return repositories.length === 0 ? rows : rows.filter((r) => repositories.includes(r.repository));
}

export interface OperatingPointsOptions {
  /** Reviews apply a calibration only when it started from the shipped thresholds (the App). */
  readonly shippedOnly?: boolean;
}
