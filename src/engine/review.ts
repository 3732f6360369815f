// The review use case: one change set -> policy -> records -> analysis -> ledger -> check run.
// Every product decision of a review lives here, once, for the CLI, the Action and the App:
// the policy and its fallback, fail-on, the conclusion, the title, the summary, the
// annotations, the "ledger off" notes, and the idempotent append per analysis key. Effects come
// in as ports (core/ports.ts); no I/O, no clock, no platform SDK.
import { ConfigError, TrailmarkError, describeError } from '../core/errors.js';
import type { Policy } from '../core/policy.js';
import type {
  ChangeSource, CheckConclusion, CheckDelivery, CheckOutput, CheckSink, LedgerSink, PolicySource, RawRecord, RecordSource,
} from '../core/ports.js';
import type { ChangeSet, LedgerRef, Remediation, ScanResult, ScanSummary } from '../core/types.js';
import { TOOL_VERSION } from '../core/version.js';
import type { AppendResult, EntryDraft } from '../ledger/log.js';
import { toAnnotations } from '../report/annotations.js';
import { markdownCode, markdownFence, markdownText } from '../report/escape.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSarif } from '../report/sarif.js';
import { analyzeChange, digestLines, type AnalyzeOptions } from './analyze.js';
import { loadPolicy } from './policy.js';
import { decideCalibration, type CalibrationSource } from './calibration.js';

/** The check run's name (DESIGN.md §4), the same for the Action and the App. */
export const CHECK_NAME = 'trailmark';
/** The repository policy file, read at the base revision. */
export const CONFIG_PATH = '.github/trailmark.yml';
/** Agent Trace records committed with the change, read at the head revision. */
export const AGENT_TRACE_PATH = '.agent-trace/traces.jsonl';

/** SARIF 2.1.0 of a review, for code scanning. */
export function sarifOf(result: ScanResult): string {
  return renderSarif(result, { toolVersion: TOOL_VERSION });
}

/** A failed run's summary paragraph (the message fenced: it may quote attacker-controlled text). */
export function failureMarkdown(title: string, message: string): string {
  return `## ${title}\n\n${markdownFence(message)}\n`;
}

export type FailOn = Policy['blocking']['failOn'];

/** GitHub accepts at most 65,535 characters in a check-run summary (checks API `output.summary`). */
const CHECK_SUMMARY_MAX = 65_535;
/** Room kept in the summary for the notes appended after the report. */
const NOTES_ROOM = 2_500;

export interface Blocking {
  /** The fail-on in force: the workflow's override, else the repository policy. */
  readonly failOn: FailOn;
  /** Hunks that match it: `unattested` counts unattested and contradicted hunks. */
  readonly failing: number;
  /** Set when the run fails by policy: why, for the log and the step. */
  readonly failure?: string;
}

/** fail-on, decided once: `unattested` fails on unattested or contradicted hunks, `contradicted` on contradicted ones. */
export function blockingOf(summary: ScanSummary, failOn: FailOn): Blocking {
  const { unattested, contradicted } = summary.findings;
  if (failOn === 'contradicted' && contradicted > 0) return { failOn, failing: contradicted, failure: `${contradicted} contradicted hunks (fail-on: contradicted)` };
  if (failOn === 'unattested' && unattested + contradicted > 0) {
    return { failOn, failing: unattested + contradicted, failure: `${unattested} unattested and ${contradicted} contradicted hunks (fail-on: unattested)` };
  }
  return { failOn, failing: 0 };
}

/** Never blocking unless opted in: `failure` by fail-on, `neutral` with findings, else `success`. */
export function conclusionOf(result: ScanResult, blocking: Blocking): CheckConclusion {
  if (blocking.failure !== undefined) return 'failure';
  return result.findings.length > 0 ? 'neutral' : 'success';
}

export function titleOf(result: ScanResult): string {
  const { unattested, contradicted } = result.summary.findings;
  return result.findings.length === 0 ? 'No undeclared AI-generated changes found' : `${unattested} unattested, ${contradicted} contradicted`;
}

/** The workflow's fail-on overrides the policy's only when it is set (not `none`). */
export function effectiveFailOn(policy: Policy, override: FailOn | undefined): FailOn {
  return override !== undefined && override !== 'none' ? override : policy.blocking.failOn;
}

/**
 * The idempotency key of an analysis: the same change (base..head) under the same policy
 * version is the same analysis, whichever run or attempt repeats it. `scope` names the writer
 * and the subject, e.g. `action:acme/widgets#12`.
 */
export function analysisKey(scope: string, base: string | null, head: string | null, policy: Policy): string {
  const key = `analysis:${scope}:${base ?? '-'}..${head ?? '-'}:${policy.version}`;
  // The entry's `job` holds at most ANALYSIS_KEY_MAX characters: a longer key (a long repository
  // name or policy version) is replaced by its digest, never cut (a cut could merge two keys).
  return key.length <= ANALYSIS_KEY_MAX ? key : `analysis:${digestLines([key])}`;
}

/** Longest `job` a change.analyzed entry carries (ledger/kinds/change-analyzed.ts). */
export const ANALYSIS_KEY_MAX = 200;

/** Why no ledger is written; the adapter says how to switch it on (`help`). */
export interface LedgerOff {
  readonly off: 'no-signing-key' | 'switched-off' | 'read-only-token';
  /** Markdown: what to do about it on this platform. */
  readonly help?: string;
}

export type ReviewLedger = LedgerSink<EntryDraft, AppendResult>;

/** The analysis itself; the default is the engine's `analyzeChange`. */
export type Analyze = (changeSet: ChangeSet, options: AnalyzeOptions) => Promise<ScanResult>;

export interface ReviewPorts {
  readonly changes: ChangeSource;
  readonly policy: PolicySource;
  readonly records?: RecordSource;
  /** The sink, or why there is none; a function when it depends on the policy (its ledger origin). */
  readonly ledger: ReviewLedger | LedgerOff | ((policy: Policy) => ReviewLedger | LedgerOff);
  readonly analyze?: Analyze;
  /** Absent: nothing is published (the CLI renders the outcome itself). */
  readonly checks?: CheckSink;
  /**
   * The repository's calibration made from its own ledger (the Action: `calibration.json` on the
   * ledger branch; the App: its state), read once when the policy says `calibration: auto` (the
   * default) and no `request.calibration` is given. A failed read is a note, never a failure.
   */
  readonly calibration?: CalibrationSource;
}

export interface ReviewRequest {
  /** Idempotency key of this analysis once the policy is known (usually `analysisKey`). */
  readonly key: (policy: Policy, changes: { readonly base: string | null; readonly head: string | null }) => string;
  /** The workflow's or the command line's fail-on; `none` or absent: the policy decides. */
  readonly failOn?: FailOn;
  readonly remediations?: readonly Remediation[];
  readonly repository?: string;
  readonly pullRequest?: number;
  /** Personal values by role (`pr.author`), written only as salted commitments. */
  readonly subjects?: Readonly<Record<string, string>>;
  /** The commit the check run goes on: the change's head, never a test-merge commit (default: the analyzed head). */
  readonly headSha?: string;
  /** Markdown appended to the summary (platform help, e.g. how to declare on this platform). */
  readonly footer?: string;
  /**
   * The repository's calibrated operating point (engine/calibration.ts): replaces the policy's
   * thresholds, and the summary says so with the reason.
   */
  readonly calibration?: { readonly thresholds: { readonly low: number; readonly high: number }; readonly reason: string };
}

export interface LedgerOutcome {
  /** The append, or the ledger head when this analysis was already recorded. */
  readonly ref?: LedgerRef;
  /** true: appended now; false: already recorded under the same key; undefined: not written. */
  readonly appended?: boolean;
  /** Markdown paragraph for the summary. */
  readonly note: string;
  /** Set when writing failed: the run must fail after publishing (findings are never hidden). */
  readonly failure?: string;
}

export type ReviewOutcome =
  | {
    readonly status: 'reviewed';
    readonly result: ScanResult;
    readonly policy: Policy;
    readonly policySource: string;
    readonly blocking: Blocking;
    readonly check: CheckOutput;
    readonly ledger: LedgerOutcome;
    /** Set when the run must fail: fail-on matched, or the ledger could not be written. */
    readonly failure?: string;
    readonly delivery?: CheckDelivery;
    /** Log lines: where the policy and records came from, what the ledger did. */
    readonly notes: readonly string[];
  }
  | {
    readonly status: 'invalid-policy';
    readonly error: ConfigError;
    readonly check: Omit<CheckOutput, 'headSha'>;
    readonly failure: string;
    readonly delivery?: CheckDelivery;
    readonly notes: readonly string[];
  };

function explain(err: unknown): string {
  const hint = err instanceof TrailmarkError ? err.hint : undefined;
  return `${describeError(err)}${hint === undefined ? '' : ` (hint: ${hint})`}`;
}

function ledgerOffNote(off: LedgerOff, policy: Policy): string {
  if (!policy.ledger.enabled) return 'The ledger is switched off by the repository policy.';
  const why = {
    'no-signing-key': 'The ledger was not written: no signing key was given.',
    'switched-off': 'The ledger is switched off.',
    'read-only-token': 'The ledger was not written: this run has a read-only token (a pull request from a fork). The entry is written when the change is pushed to a branch of this repository.',
  }[off.off];
  return off.help === undefined ? why : `${why} ${off.help}`;
}

async function writeLedger(ports: ReviewPorts, request: ReviewRequest, policy: Policy, result: ScanResult, notes: string[]): Promise<LedgerOutcome> {
  if (!policy.ledger.enabled) return { note: ledgerOffNote({ off: 'switched-off' }, policy) };
  const key = request.key(policy, { base: result.base, head: result.head });
  try {
    const sink = typeof ports.ledger === 'function' ? ports.ledger(policy) : ports.ledger;
    if ('off' in sink) return { note: ledgerOffNote(sink, policy) };
    // The entry builders (and through them the ledger's schemas and validator) load only when
    // there is a ledger to write: a local scan without one never needs them.
    const { ledgerRefOf, scanDrafts } = await import('./record.js');
    const drafts = scanDrafts(result, {
      policy: policy.version,
      job: key,
      ...(request.repository === undefined ? {} : { repository: request.repository }),
      ...(request.pullRequest === undefined ? {} : { pullRequest: request.pullRequest }),
      ...(request.subjects === undefined ? {} : { subjects: request.subjects }),
    });
    const appended = await sink.appendOnce(key, drafts);
    if (appended === null) {
      notes.push(`ledger ${sink.location}: analysis ${key} is already recorded; not appended again`);
      return { appended: false, note: `Ledger ${markdownCode(sink.location)}: this analysis is already recorded (key ${markdownCode(key)}); nothing appended again.` };
    }
    const ref = ledgerRefOf(appended, sink.location, sink.origin);
    notes.push(`ledger ${sink.location}: ${ref.entries.length} entries appended, tree size ${ref.size}`);
    return {
      ref,
      appended: true,
      note: `Ledger ${markdownCode(sink.location)}: ${ref.entries.length} entries appended, tree size ${ref.size}. Signed checkpoint (an anchor the ledger's writers cannot rewrite):\n\n${markdownFence(ref.checkpoint.trimEnd())}`,
    };
  } catch (err) {
    const failure = `the ledger was not written: ${explain(err)}`;
    notes.push(failure);
    return { failure, note: `**The ledger was not written**; the run fails:\n\n${markdownFence(failure)}` };
  }
}

/**
 * Reviews one change. A ledger failure never hides the findings: the check run is published
 * first and the outcome carries the failure. An invalid policy publishes a neutral check that
 * says so, and analyzes nothing.
 */
export async function review(ports: ReviewPorts, request: ReviewRequest): Promise<ReviewOutcome> {
  const notes: string[] = [];
  let loaded;
  try {
    loaded = await loadPolicy(ports.policy, notes);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const summary = `## trailmark: the configuration is invalid\n\nNothing was analyzed until it is fixed:\n\n${markdownFence(explain(err))}\n\nThe configuration is read from the base revision (${markdownCode(CONFIG_PATH)}), or from the organization's \`.github\` repository when the repository has none. See docs/config.md.\n`;
    const check = { name: CHECK_NAME, conclusion: 'neutral' as const, title: 'Invalid trailmark configuration', summary, annotations: [], findings: [] };
    const delivery = ports.checks !== undefined && request.headSha !== undefined ? await ports.checks.publish({ ...check, headSha: request.headSha }) : undefined;
    return { status: 'invalid-policy', error: err, check, failure: `invalid configuration: ${explain(err)}`, notes, ...(delivery === undefined ? {} : { delivery }) };
  }
  let calibration = request.calibration;
  /** Said in the check run: why a calibration there is was not applied. */
  const calibrationNotes: string[] = [];
  if (calibration === undefined && ports.calibration !== undefined && loaded.policy.calibration !== 'off' && request.repository !== undefined) {
    try {
      const decision = decideCalibration(await ports.calibration.load(), request.repository, loaded.policy.thresholds);
      calibration = decision.applied;
      if (decision.applied === undefined) {
        if (decision.shown) calibrationNotes.push(decision.note);
        else notes.push(`calibration: ${decision.note}`);
      }
    } catch (err) {
      calibrationNotes.push(`the calibration could not be read (${explain(err)}): the policy's thresholds apply`);
    }
  }
  const policy = calibration === undefined ? loaded.policy : { ...loaded.policy, thresholds: calibration.thresholds };
  notes.push(`policy: ${loaded.source} (version ${policy.version})`);
  if (calibration !== undefined) notes.push(`thresholds calibrated for this repository: ${calibration.reason}`);
  for (const n of calibrationNotes) notes.push(`calibration: ${n}`);

  const changeSet = await ports.changes.load();
  const records: readonly RawRecord[] = ports.records === undefined ? [] : await ports.records.load();
  if (records.length > 0) notes.push(`records: ${records.length} (${[...new Set(records.map((r) => r.format))].join(', ')})`);
  const result = await (ports.analyze ?? analyzeChange)(changeSet, { policy, records, ...(request.remediations === undefined ? {} : { remediations: request.remediations }) });

  const ledger = await writeLedger(ports, request, policy, result, notes);
  const blocking = blockingOf(result.summary, effectiveFailOn(policy, request.failOn));
  const report = renderMarkdown(ledger.ref === undefined ? result : { ...result, ledger: ledger.ref }, { maxBytes: CHECK_SUMMARY_MAX - NOTES_ROOM - (request.footer?.length ?? 0), failOn: blocking.failOn });
  const calibrated = calibration !== undefined
    ? [`Operating point calibrated from this repository's ledger: ${markdownText(calibration.reason)}.`]
    : calibrationNotes.length > 0 ? [`Calibration: ${markdownText(calibrationNotes.join('; '))}.`] : [];
  const summary = [report.trimEnd(), ledger.note, `Policy: ${markdownCode(loaded.source)}.`, ...calibrated, ...(request.footer === undefined ? [] : [request.footer])].join('\n\n');
  const check: CheckOutput = {
    name: CHECK_NAME,
    headSha: request.headSha ?? result.head ?? '',
    conclusion: conclusionOf(result, blocking),
    title: titleOf(result),
    summary: `${summary}\n`,
    annotations: toAnnotations(result),
    findings: result.findings,
  };
  const delivery = ports.checks !== undefined && check.headSha !== '' ? await ports.checks.publish(check) : undefined;
  const failure = [blocking.failure, ledger.failure].filter((f) => f !== undefined).join('; ') || undefined;
  return {
    status: 'reviewed', result, policy, policySource: loaded.source, blocking, check, ledger, notes,
    ...(failure === undefined ? {} : { failure }), ...(delivery === undefined ? {} : { delivery }),
  };
}
