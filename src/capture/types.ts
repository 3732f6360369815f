// The capture side's shared vocabulary (DESIGN.md §2): what an agent hook saw (CaptureEvent,
// normalized from each tool's own payload by payloads/), what goes into the durable spool and on
// to the App's collector (SpoolRecord), and where local state lives (paths.ts).
//
// Flow: agent hook -> `trailmark capture <tool>` (stdin payload) -> parsePayload -> working
// attribution per file (attribution.ts) -> spool (light tier for every edit; detailed tier only
// for sensitive paths or large edits, encrypted off-ledger, a salted commitment on the record)
// -> `git commit`: prepare-commit-msg adds Assisted-by trailers, post-commit writes the committed
// Agent Trace record (ranges in the commit's line numbers) to the local records file and the
// spool -> `trailmark record push` sends the spool to the collector in order, in batches, and
// keeps its signed receipts.

import type { SPOOL_RECORD_SCHEMA } from '../core/capture.js';

export { SPOOL_RECORD_SCHEMA, TRACE_METADATA_KEY } from '../core/capture.js';

/** The tools `trailmark capture` reads payloads from. */
export const CAPTURE_TOOLS = ['claude-code', 'cursor', 'codex', 'copilot', 'generic'] as const;
export type CaptureTool = (typeof CAPTURE_TOOLS)[number];

/** A 1-based inclusive line range in one revision of a file. */
export interface LineRange {
  readonly start: number;
  readonly end: number;
}

/** One file edit an agent made, as the payload describes it. */
export interface CaptureEdit {
  /** As the payload gives it (often absolute); the capture command makes it repository-relative. */
  readonly path: string;
  readonly operation: 'write' | 'edit' | 'multi-edit' | 'delete' | 'unknown';
  /** Replacement pairs, in order, when the payload carries them (Claude Edit/MultiEdit, Cursor edits). */
  readonly replacements?: readonly { readonly oldText: string; readonly newText: string }[];
  /** The full new content, when the payload carries it (Claude Write). */
  readonly content?: string;
  /** Exact changed ranges in the new file, when the payload carries them (Claude structuredPatch). */
  readonly newRanges?: readonly LineRange[];
}

/** What one hook invocation saw, normalized. Every string in it is untrusted. */
export interface CaptureEvent {
  readonly tool: CaptureTool;
  readonly kind: 'edit' | 'prompt' | 'session-start' | 'session-end';
  /** Registry name of the agent (attest/registry normalizeAgent), e.g. `claude-code`, `cursor`. */
  readonly agent: string;
  /** Model id as the tool names it, when the payload says (never guessed). */
  readonly model?: string;
  /** Session or conversation id. */
  readonly sessionId?: string;
  /** Provider request id or generation id, to correlate with model-side logs. */
  readonly requestId?: string;
  /** The hook's working directory (the repository, or inside it). */
  readonly cwd?: string;
  /** RFC 3339; the payload's own time when it has one, else the capture time. */
  readonly time: string;
  readonly edits: readonly CaptureEdit[];
  /** The user's prompt (kind `prompt` only). Never stored in clear: see detail.ts. */
  readonly prompt?: string;
  /** Path of the tool's transcript file, when the payload names it (read only for the detailed tier). */
  readonly transcriptPath?: string;
}

/** A payload that is valid JSON but not one trailmark acts on: logged with the reason, exit 0. */
export interface CaptureSkip {
  readonly skipped: string;
}


/**
 * trailmark's metadata on an Agent Trace record it wrote. `stage: "edit"` records describe the
 * working file at edit time (an audit trail, never matched to hunks by line); `stage: "commit"`
 * records carry `vcs.revision` = the commit and its exact line numbers (the `recorded` evidence).
 */
export interface TraceMetadata {
  readonly stage: 'edit' | 'commit';
  readonly device: string;
  /** The device sequence number of the spool record that carries this trace. */
  readonly seq?: number;
  readonly session?: string;
  readonly request?: string;
  /** `sha256:<hex>` salted commitment to the detailed tier, when one was kept (detail.ts). */
  readonly detail?: string;
  /** For commit records: ids of the edit records whose lines it carries. */
  readonly edits?: readonly string[];
}


/**
 * One line of the spool (canonical JSON) and one element of a collector batch. `id` is the
 * idempotent record id (a UUID made at capture); `device` + `seq` number the device's records
 * from 1 without gaps, so a missing number is visible to the collector and the weekly report.
 */
export interface SpoolRecord {
  readonly schema: typeof SPOOL_RECORD_SCHEMA;
  readonly id: string;
  readonly device: string;
  readonly seq: number;
  /** RFC 3339. */
  readonly time: string;
  /** `owner/name` from the repository's remote, when known (the collector needs it). */
  readonly repository?: string;
  readonly stage: 'edit' | 'commit';
  /** The Agent Trace record (a JSON object in the agent-trace 0.1.0 shape). */
  readonly trace: Readonly<Record<string, unknown>>;
}

/** A spool record before the spool numbers it. */
export type SpoolDraft = Omit<SpoolRecord, 'schema' | 'device' | 'seq'>;

/** The spool as capture sees it (spool.ts implements it): numbers, fsyncs, then returns. */
export interface SpoolWriter {
  /** Appends in order, durably (fsync'd before it resolves); assigns `device` and `seq`. */
  append(drafts: readonly SpoolDraft[]): Promise<readonly SpoolRecord[]>;
}

/** Why an edit keeps the detailed tier, or null for the light tier only. */
export type DetailReason = 'sensitive-path' | 'size' | null;

/** The detailed tier as capture sees it (detail.ts implements it). */
export interface DetailKeeper {
  /** Remembers the session's latest prompt (redacted, encrypted) until an edit takes it. */
  stashPrompt(sessionId: string, prompt: string, time: string): Promise<void>;
  /**
   * Keeps prompt (the session's stashed one, if any) and output for one edit: secrets redacted,
   * encrypted at rest, off the ledger. Returns the salted commitment (`sha256:<hex>`) that the
   * record carries, and how many secrets were redacted.
   */
  keep(input: { readonly sessionId?: string; readonly path: string; readonly output: string; readonly time: string }): Promise<{ readonly commitment: string; readonly redactions: number }>;
}
