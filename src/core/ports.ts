// Effects enter the engine only through these ports. Implementations live in git/, github/,
// ledger/ stores and the adapters; tests use real implementations or in-memory fakes.

import type { ChangeSet, Finding } from './types.js';

/** Injected clock: the engine never reads the system time itself. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

// The one place the system clock is read; adapters pass it into the engine.
// eslint-disable-next-line no-restricted-properties
export const systemClock: Clock = { now: () => Date.now() };

/** Injected randomness (salts, nonces). */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** System randomness (Web Crypto CSPRNG), for adapters to pass into the engine. */
export const systemRandom: Random = {
  bytes: (n) => {
    const out = new Uint8Array(n);
    // getRandomValues fills at most 65536 bytes per call.
    for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
    return out;
  },
};

/** Loads a change set (local git, plain patch, GitHub API). */
export interface ChangeSource {
  load(): Promise<ChangeSet>;
}

/**
 * Raw capture records (Agent Trace JSON/JSONL, git-ai notes) as text, with where they came
 * from. Parsing and validation happen in attest/.
 */
export interface RawRecord {
  /** `agent-trace` | `git-ai` */
  readonly format: 'agent-trace' | 'git-ai';
  /** File path, URL or `refs/notes/ai:<sha>`: shown in evidence details. */
  readonly origin: string;
  /** Commit the record is attached to (git-ai notes), when known. */
  readonly commit?: string;
  readonly text: string;
}

export interface RecordSource {
  load(): Promise<readonly RawRecord[]>;
}

/** A policy file found (its text and where it was read) or not (why not). */
export type PolicyLookup =
  | { readonly found: true; readonly text: string; readonly source: string }
  | { readonly found: false; readonly why: string };

/**
 * Where the repository policy comes from, in precedence order. Parsing and the fallback
 * decision belong to the engine (engine/review.ts).
 */
export interface PolicySource {
  /** The repository's own policy file at the base revision: a change cannot weaken its own policy. */
  atBase(): Promise<PolicyLookup>;
  /** The organization-wide fallback (`<owner>/.github`), asked only when the repository has none. */
  organization?(): Promise<PolicyLookup>;
}

/**
 * Appends to a signed ledger at most once per idempotency key. `Draft` and `Appended` are the
 * ledger's entry draft and append result (ledger/log.ts); core does not import ledger/.
 */
export interface LedgerSink<Draft, Appended> {
  /** Where entries go, for the summary (a directory, `owner/repo@branch`, an installation). */
  readonly location: string;
  /** Checkpoint origin of the ledger. */
  readonly origin: string;
  /**
   * Appends `drafts` atomically unless a committed entry already carries `key` in its body's
   * `job` field (one of the drafts writes it there); null when it does.
   */
  appendOnce(key: string, drafts: readonly Draft[]): Promise<Appended | null>;
}

export type CheckConclusion = 'success' | 'neutral' | 'failure';

/** A check-run annotation as the engine decides it; the sink maps it to its platform. */
export interface CheckAnnotationOutput {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly level: 'notice' | 'warning' | 'failure';
  readonly title?: string;
  /** Plain text. */
  readonly message: string;
  readonly rawDetails?: string;
}

/** Everything a check run shows, decided by the engine. */
export interface CheckOutput {
  readonly name: string;
  /** The change's head commit (never a test-merge commit). */
  readonly headSha: string;
  readonly conclusion: CheckConclusion;
  readonly title: string;
  /** Markdown. */
  readonly summary: string;
  readonly annotations: readonly CheckAnnotationOutput[];
  /** The findings behind the annotations, for sinks that report them another way. */
  readonly findings: readonly Finding[];
}

export type CheckDelivery =
  | { readonly published: true; readonly url: string; readonly requests: number }
  /** The platform refused (a read-only token): the adapter reports another way. */
  | { readonly published: false; readonly why: string };

export interface CheckSink {
  publish(check: CheckOutput): Promise<CheckDelivery>;
}

/** A capture record kept beside a ledger (the App's collector stores them per repository). */
export interface StoredCaptureRecord {
  /** `sha256:<hex>` of the stored bytes: the digest the `record` entry carries. */
  readonly digest: string;
  /** `owner/repo` the record was posted for. */
  readonly repository: string;
  /** When it was stored (ms since the epoch), used when no `record` entry dates it. */
  readonly storedAt: number;
}

/**
 * The capture records stored beside a ledger, for retention (engine/retention.ts). The App's
 * directory layout is implemented by the adapter; the engine sees only this.
 */
export interface CaptureRecordStore {
  /** Where the records are, for messages. */
  readonly location: string;
  list(): Promise<readonly StoredCaptureRecord[]>;
  /** Deletes these records (as listed); returns how many were there. Idempotent. */
  remove(records: readonly StoredCaptureRecord[]): Promise<number>;
}
