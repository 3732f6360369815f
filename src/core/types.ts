// Vocabulary shared by every module. No I/O here, no behaviour beyond trivial constructors.

/** How strong a piece of evidence of AI involvement is (DESIGN.md §1). */
export type EvidenceClass = 'recorded' | 'declared' | 'stamped' | 'inferred';
export const EVIDENCE_CLASSES: readonly EvidenceClass[] = ['recorded', 'declared', 'stamped', 'inferred'];

export type Verdict = 'attested' | 'unattested' | 'contradicted' | 'clear' | 'uncertain' | 'skipped';
export const VERDICTS: readonly Verdict[] = ['attested', 'unattested', 'contradicted', 'clear', 'uncertain', 'skipped'];

export type Language = 'typescript' | 'tsx' | 'javascript' | 'jsx' | 'text' | 'binary' | 'unknown';

/** A git identity as written in a commit header or trailer. Attacker-controlled. */
export interface Person {
  readonly name: string;
  readonly email: string;
}

export interface Commit {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly author: Person;
  readonly committer: Person;
  /** RFC 3339 author date, as git reports it. */
  readonly authorDate: string;
  /** Full raw message (subject, body, trailers). Attacker-controlled, may be huge. */
  readonly message: string;
}

export type DiffLineKind = 'add' | 'del' | 'context';

export interface DiffLine {
  readonly kind: DiffLineKind;
  /** Line text without the leading diff marker and without the line terminator. */
  readonly text: string;
  /** 1-based line number in the old file (del, context). */
  readonly oldLine?: number;
  /** 1-based line number in the new file (add, context). */
  readonly newLine?: number;
  /** True when "\ No newline at end of file" followed this line. */
  readonly noNewlineAtEof?: boolean;
}

export interface DiffHunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Text after the second @@ (function context), may be empty. */
  readonly header: string;
  readonly lines: readonly DiffLine[];
}

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'mode-changed';

export interface FileChange {
  /** Path in the new tree (old path for deletions). Attacker-controlled. */
  readonly path: string;
  readonly oldPath?: string;
  readonly status: FileStatus;
  readonly binary: boolean;
  readonly oldMode?: string;
  readonly newMode?: string;
  readonly hunks: readonly DiffHunk[];
  /**
   * The whole file at the head revision, decoded as UTF-8, when the source could read it.
   * Absent for deletions, binaries, files over the source's size cap, or when the source
   * cannot read contents (plain patch input).
   */
  readonly headText?: string;
  /** Why headText is absent, when it is absent for a reason worth reporting. */
  readonly headTextMissing?: 'deleted' | 'binary' | 'too-large' | 'unavailable' | 'invalid-utf8';
  /** True when the head bytes were not valid UTF-8 (text was decoded with replacement characters). */
  readonly invalidUtf8?: boolean;
  /** Size in bytes of the head blob when known. */
  readonly headSize?: number;
  /**
   * True when lines of this file's diff ended in CRLF. The "\r" of each terminator is
   * stripped from DiffLine.text; a "\r" elsewhere in a line is content.
   */
  readonly crlf?: boolean;
  /**
   * For each added line (new line number), the commit inside base..head that introduced it.
   * Empty for sources that cannot attribute (plain patches).
   */
  readonly lineCommits?: ReadonlyMap<number, string>;
}

/** A change set: everything the engine needs, loaded by a source adapter. */
export interface ChangeSet {
  /** Base commit id, null for plain patch input. */
  readonly base: string | null;
  readonly head: string | null;
  /** Commits in base..head, oldest first. */
  readonly commits: readonly Commit[];
  readonly files: readonly FileChange[];
  /** Things the source could not load, said in the summary ("3,000 file cap reached"). */
  readonly omissions: readonly Omission[];
  /** Extra free-form context: repository name, pull request number, branch name. */
  readonly context?: ChangeContext;
}

export interface ChangeContext {
  readonly repository?: string;
  readonly pullRequest?: number;
  readonly headBranch?: string;
  readonly pullRequestBody?: string;
  readonly pullRequestAuthor?: string;
}

export interface Omission {
  readonly path?: string;
  readonly reason: string;
}

/** One observation a detector made about a hunk, before the scoring model weighs it. */
export interface Feature {
  /** Stable id: `<detector-id>/<feature>` e.g. `assistant-text/chat-phrase`. */
  readonly id: string;
  /** Feature value, normally in 0..1 (a presence flag or a normalised magnitude). */
  readonly value: number;
  readonly line?: number;
  /** Human-readable explanation, safe to show after escaping. */
  readonly detail: string;
}

/** A feature after weighting by the scoring model: its contribution to the log-odds. */
export interface Signal {
  readonly id: string;
  readonly weight: number;
  readonly line?: number;
  readonly detail: string;
}

/** What a piece of evidence says about the hunk. */
export type Polarity = 'ai' | 'human';

export interface Evidence {
  readonly class: EvidenceClass;
  /** Where it came from: `trailer:Assisted-by`, `co-author:anthropic`, `agent-trace`, `git-ai`, `remediation`, `detectors`. */
  readonly source: string;
  readonly detail?: string;
  readonly says: Polarity;
  /** The commit the evidence is attached to, when it is commit-level. */
  readonly commit?: string;
  /** Normalised agent name (e.g. `claude-code`) and model when known. */
  readonly agent?: string;
  readonly model?: string;
  /** Weak evidence (a branch name prefix): shown to reviewers, never decides a verdict alone. */
  readonly weak?: boolean;
}

export interface SyntacticUnit {
  /** `function` | `method` | `class` | `interface` | `arrow` (detectors/units.ts). */
  readonly kind: string;
  readonly name?: string;
  readonly startLine: number;
  readonly endLine: number;
  /** True when the whole unit lies inside the hunk's added lines (added at once). */
  readonly whole?: boolean;
}

export interface HunkResult {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly language: Language;
  readonly score: number;
  readonly signals: readonly Signal[];
  readonly evidence: readonly Evidence[];
  readonly verdict: Verdict;
  /** Reason for `skipped`, or for `uncertain`/`clear` a short explanation. */
  readonly reason?: string;
  readonly addedLines: number;
  readonly deletedLines: number;
  /** Commits that introduced the added lines of this hunk, oldest first. */
  readonly commits: readonly string[];
  readonly units: readonly SyntacticUnit[];
  /** `sha256:<hex>` of the added lines joined with "\n". */
  readonly contentDigest: string;
}

export type FindingKind = 'unattested' | 'contradicted' | 'approval-drift';
export type FindingLevel = 'notice' | 'warning';

export interface Finding {
  readonly kind: FindingKind;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly level: FindingLevel;
  readonly message: string;
  readonly score?: number;
}

export interface ScanSummary {
  readonly files: number;
  readonly hunks: number;
  readonly addedLines: number;
  readonly commits: number;
  readonly verdicts: Readonly<Record<Verdict, number>>;
  readonly findings: Readonly<Record<'unattested' | 'contradicted' | 'approval-drift', number>>;
  readonly evidence: Readonly<Record<EvidenceClass, number>>;
  readonly thresholds: { readonly low: number; readonly high: number };
  readonly policyVersion: string;
  readonly modelVersion: string;
  readonly detectors: readonly { readonly id: string; readonly version: string }[];
  readonly omissions: readonly Omission[];
}

export interface LedgerRef {
  readonly dir?: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string;
  readonly entries: readonly { readonly seq: number; readonly kind: string }[];
}

/** `trailmark.scan/v1`. Field order here is the JSON output order. */
export interface ScanResult {
  readonly schema: 'trailmark.scan/v1';
  readonly base: string | null;
  readonly head: string | null;
  readonly summary: ScanSummary;
  readonly hunks: readonly HunkResult[];
  readonly findings: readonly Finding[];
  readonly ledger?: LedgerRef;
}

/**
 * A declaration made after the fact on a pull request (App check-run button or
 * `/trailmark attest` comment): no history rewrite needed. Evidence class `declared`,
 * source `remediation`.
 */
export interface Remediation {
  /** Login of the declaring user (verified to have write access by the adapter). */
  readonly user: string;
  /** The declaration text, e.g. `Assisted-by: Claude:claude-opus-4-5`. Attacker-controlled. */
  readonly declaration: string;
  /** Head SHA the declaration was made against. */
  readonly headSha: string;
  /** Paths it covers; empty means the whole change set. */
  readonly paths: readonly string[];
  /** RFC 3339 time it was made. */
  readonly time: string;
}
