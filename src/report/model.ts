// The attestation-gap report: one model that every renderer (markdown, html, json, csv) and
// every delivery (CLI, the Action's job summary, the App's weekly issue, the dashboard) is built
// from. Built by the engine's report use case (src/engine/report.ts) by streaming over ledger
// stores; every figure comes from signed entries, and `provenance` says which ledgers and
// checkpoints they came from and whether each verified.
//
// The JSON form (`trailmark report --format json`) is this model as is: schema id
// `trailmark.report/v1`, documented in docs/report.md and schemas/report-v1.schema.json. Adding
// an optional member is compatible; removing or renaming one needs v2.
import type { EvidenceClass, FindingKind, Verdict } from '../core/types.js';

export const REPORT_SCHEMA = 'trailmark.report/v1';

/** Evidence classes that are a statement of AI involvement (not a content score). */
export type StatedClass = Exclude<EvidenceClass, 'inferred'>;

/** Half-open period [since, until), RFC 3339 UTC. */
export interface ReportPeriod {
  readonly since: string;
  readonly until: string;
  /** ISO 8601 week label (`2026-W49`) when the period is exactly one ISO week, else null. */
  readonly week: string | null;
}

/** Volume of one period (the report's period, or one week of the trend). */
export interface VolumeTotals {
  /** ISO week label for a trend row; null for the report's whole period when it is not one week. */
  readonly week: string | null;
  readonly since: string;
  readonly until: string;
  /** `change.analyzed` entries in the period (every analysis, including re-analyses). */
  readonly analyses: number;
  /** Distinct pull requests analysed, and analyses of pushes (no pull request). */
  readonly pullRequests: number;
  readonly pushes: number;
  /** Counted over the latest analysis of each change in the period (docs/report.md §counting). */
  readonly hunks: number;
  readonly addedLines: number;
  readonly hunksByVerdict: Readonly<Record<Verdict, number>>;
  readonly linesByVerdict: Readonly<Record<Verdict, number>>;
  /** Added lines of hunks carrying each evidence class (a hunk can carry several). */
  readonly linesByEvidence: Readonly<Record<EvidenceClass, number>>;
  /** Added lines with stated AI involvement: recorded, declared or stamped. */
  readonly statedAiLines: number;
  /** Added lines inferred AI but not attested (verdicts unattested and contradicted). */
  readonly unattestedAiLines: number;
  /** statedAiLines / (statedAiLines + unattestedAiLines); null when both are 0. */
  readonly statedShare: number | null;
  readonly findings: Readonly<Record<FindingKind, number>>;
}

/** A repository or a path ranked by its gaps. */
export interface GapRow {
  readonly repository: string;
  /** null for a repository row. */
  readonly path: string | null;
  readonly unattested: number;
  readonly contradicted: number;
  /** Added lines of the unattested and contradicted hunks. */
  readonly gapLines: number;
  readonly pullRequests: number;
  /** True when the path matches the repository policy's sensitive paths. */
  readonly sensitive: boolean;
}

/** Attestation rate by author, shown fairly: names only beyond a stated significance test. */
export interface PeopleSection {
  readonly test: {
    /** e.g. `two-sided Fisher exact test of one author against the pooled rest, Holm-corrected`. */
    readonly method: string;
    readonly alpha: number;
    /** An author is tested only with at least this many AI-involved lines and changes. */
    readonly minLines: number;
    readonly minChanges: number;
  };
  /** Pooled rate over every author: attested AI lines / AI-involved lines; null when no data. */
  readonly pooledRate: number | null;
  readonly authors: number;
  readonly authorsTested: number;
  /** Histogram of per-author rates over the authors with enough data (no names). */
  readonly distribution: readonly { readonly from: number; readonly to: number; readonly authors: number }[];
  /** Only authors whose rate differs significantly from their peers'. */
  readonly named: readonly {
    /** Clear login, or `[erased]`. */
    readonly author: string;
    readonly aiLines: number;
    readonly attestedLines: number;
    readonly rate: number;
    readonly peerRate: number;
    readonly pValue: number;
    readonly direction: 'below' | 'above';
  }[];
}

/** One agent and model seen in stated evidence. */
export interface AgentRow {
  /** Normalised agent (`claude-code`, `cursor`, ...) or `unknown`. */
  readonly agent: string;
  readonly model: string | null;
  readonly changes: number;
  readonly hunks: number;
  readonly lines: number;
  /** Lines of this agent's hunks rewritten by a later analysed change within `windowDays`. */
  readonly rewrittenLines: number;
  readonly rewrittenShare: number | null;
  readonly windowDays: number;
}

export type EventKind = 'approval-drift' | 'remediation' | 'late-declaration';

export interface EventRow {
  readonly kind: EventKind;
  readonly time: string;
  readonly repository: string;
  readonly pullRequest: number | null;
  /** Who acted (merged-by, declared-by): clear value, `[erased]`, or null when not recorded. */
  readonly actor: string | null;
  readonly detail: string;
  /** Where the entry is: ledger location and seq. */
  readonly ledger: string;
  readonly seq: number;
}

export interface ErasureRow {
  readonly commitment: string;
  /** Role under which the erased value was committed (`pr.author`, ...), when known. */
  readonly role: string | null;
  readonly erasedAt: string;
  /** Seq of the entry that committed to the value. */
  readonly seq: number;
  readonly ledger: string;
  /** `erasure` (trailmark erase) or `retention` (past the configured retention). */
  readonly reason: 'erasure' | 'retention';
}

export interface LedgerProvenance {
  readonly location: string;
  readonly origin: string | null;
  readonly size: number;
  /** Base64 root of the latest checkpoint, as in the checkpoint. */
  readonly root: string | null;
  readonly verified: boolean;
  /** First problem found by verification, when not verified. */
  readonly problem: string | null;
  readonly firstEntry: string | null;
  readonly lastEntry: string | null;
  readonly entriesInPeriod: number;
  /**
   * Entries of kinds this version of the report does not read, by kind (added in 0.2,
   * optional): they are listed, never dropped silently.
   */
  readonly unknownKinds?: Readonly<Record<string, number>>;
}

export type ProvenanceGapKind = 'unverified' | 'ledger-silent' | 'capture-gap' | 'analysis-failed' | 'omissions';

export interface ProvenanceGap {
  readonly kind: ProvenanceGapKind;
  readonly ledger: string;
  readonly repository: string | null;
  readonly detail: string;
}

export interface DrillSummary {
  readonly time: string;
  readonly ledger: string;
  readonly seq: number;
  /** `incomplete`: no link failed but some could not be checked (e.g. blame without a clone). */
  readonly outcome: 'passed' | 'failed' | 'incomplete';
  readonly repository: string | null;
  readonly pullRequest: number | null;
  /** Missing links named by the drill, empty when it passed. */
  readonly missing: readonly string[];
}

/**
 * Aggregate per (week, repository, path): what the dashboard's filters recompute charts and
 * tables from, without the entries. Bounded: paths beyond the cap are folded into `(other)`.
 */
export interface ReportCell {
  readonly week: string;
  readonly repository: string;
  readonly path: string;
  readonly sensitive: boolean;
  readonly hunks: number;
  readonly addedLines: number;
  readonly linesByVerdict: Readonly<Record<Verdict, number>>;
  readonly statedAiLines: number;
  readonly unattestedAiLines: number;
  readonly unattested: number;
  readonly contradicted: number;
}

export interface SeqRange {
  readonly from: number;
  readonly to: number;
}

/** One capture device's sequence numbers as the `record` entries show them (capture-gaps.ts). */
export interface CaptureGapRow {
  readonly ledger: string;
  /** The device id (random, not personal data). */
  readonly device: string;
  /** `record` entries of the device up to the period's end. */
  readonly records: number;
  /** Highest seq recorded. */
  readonly high: number;
  /** Numbers from 1 to `high` no entry carries. */
  readonly missingCount: number;
  /** The missing ranges, ascending, at most 50 (`missingCount` stays exact). */
  readonly missing: readonly SeqRange[];
}

export interface ReportModel {
  readonly schema: typeof REPORT_SCHEMA;
  readonly generatedAt: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly period: ReportPeriod;
  /** Repository filter in force (empty: all). */
  readonly repositories: readonly string[];
  readonly totals: VolumeTotals;
  /** One row per ISO week, oldest first, ending with the period's last week. */
  readonly trend: readonly VolumeTotals[];
  readonly gaps: {
    readonly repositories: readonly GapRow[];
    readonly paths: readonly GapRow[];
    readonly sensitivePaths: readonly GapRow[];
  };
  readonly people: PeopleSection;
  readonly agents: readonly AgentRow[];
  readonly events: readonly EventRow[];
  readonly erasures: readonly ErasureRow[];
  readonly provenance: {
    readonly ledgers: readonly LedgerProvenance[];
    readonly gaps: readonly ProvenanceGap[];
  };
  /** The latest drill entry up to the period's end, or null when no drill was ever run. */
  readonly drill: DrillSummary | null;
  readonly cells: readonly ReportCell[];
  /**
   * Per capture device, the sequence numbers missing from its `record` entries (added in 0.3,
   * optional): present only when some `record` entry carries `device` and `seq`.
   */
  readonly captureGaps?: readonly CaptureGapRow[];
  /**
   * Per repository, the operating point in force and what it costs (added in 0.3, optional):
   * present when the report run calibrated from the ledger (docs/calibration.md).
   */
  readonly operatingPoints?: readonly OperatingPointRow[];
}

/** A repository's operating point: the thresholds in force, where they come from, and their flag rate and recall on its own history. */
export interface OperatingPointRow {
  readonly repository: string;
  /** `calibrated` from the ledger, else the `policy`'s thresholds or the `shipped` ones. */
  readonly source: 'calibrated' | 'policy' | 'shipped';
  readonly status: 'calibrated' | 'insufficient';
  readonly thresholds: { readonly low: number; readonly high: number };
  /** Share of the repository's unattested hunks (scored by the models in force) at or above `high`. */
  readonly unattestedFlagRate: number;
  /** Share of its attested hunks at or above `high`; null when none is attested. */
  readonly attestedRecall: number | null;
  readonly hunks: { readonly attested: number; readonly unattested: number; readonly otherModel: number; readonly skipped: number };
  /** One sentence: what was done, or what is missing. */
  readonly reason: string;
}

/** One CSV row per finding (streamed, never held in memory). */
export interface FindingRow {
  readonly time: string;
  readonly week: string;
  readonly repository: string | null;
  readonly pullRequest: number | null;
  readonly head: string | null;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly finding: FindingKind;
  readonly level: 'notice' | 'warning';
  readonly score: number | null;
  readonly sensitive: boolean;
  readonly ledger: string;
  readonly seq: number;
  /** Hex SHA-256 of the finding entry's line (what `trailmark prove` proves). */
  readonly hash: string;
}
