// The storage contract of a ledger. Every implementation (directory, in-memory fake, git
// branch, database) holds the same bytes and passes test/ledger/store-conformance.ts.
//
// Durability contract (what a caller may rely on after a crash at any point):
//  - `append` is all-or-nothing at line granularity only: after a crash, any prefix of the
//    appended bytes may be present, including a partial last line (a torn tail). It returns
//    only when the lines are durable.
//  - `writeCheckpoint` is the commit point of an append: when it returns, the checkpoint at
//    that size is durable in the history and is the latest. Each checkpoint file is replaced
//    atomically (never a mix of two texts); after a crash inside it, the history holds the new
//    checkpoint or not, and the latest pointer may lag behind the history by one.
//  - lines beyond the latest checkpoint belong to an interrupted append; `truncate` removes
//    them (and any torn tail) and never goes below the latest checkpoint's size.
//  - history checkpoints are never removed or replaced: `writeCheckpoint` at a size already in
//    the history must carry the same text.
//  - the tree state is a cache: it may be missing or stale after a crash; readers validate it.
//  - the side store of subject records is rewritten atomically (`rewriteSubjects`) and
//    appended durably (`appendSubjects`); a torn last record is ignored by readers.
// Mutating methods require the caller to hold the lock of this store object (`lock()`); a
// store throws LedgerError('STORE_CONTRACT') otherwise. The lock serializes writers across
// processes; readers never take it and may observe a torn tail, which they must report.
import type { SubjectRecord } from './subjects.js';

export interface StoreLock {
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

export interface StoreTail {
  /** Number of complete (newline-terminated) lines. */
  readonly size: number;
  /** Bytes after the last newline: a partial line left by an interrupted append (0 if none). */
  readonly tornBytes: number;
}

export interface LedgerStore {
  /** Human-readable location for messages (a directory path, a branch name). */
  readonly location: string;

  /** Takes the exclusive writer lock; waits for a live holder, breaks a stale one. */
  lock(): Promise<StoreLock>;

  tail(): Promise<StoreTail>;
  /** Complete lines from index `from` (default 0), in order, without newlines. Never a torn tail. */
  readLines(from?: number): AsyncIterable<Uint8Array>;
  /** The last complete line, or null when there is none. */
  lastLine(): Promise<Uint8Array | null>;
  /**
   * Appends complete lines (each non-empty, without a newline) after the last complete line.
   * Requires the lock and no torn tail. Durable when it returns.
   */
  append(lines: readonly Uint8Array[]): Promise<void>;
  /**
   * Removes any torn tail and the complete lines from index `size` on. Requires the lock;
   * `size` must not be below the latest checkpoint's size. Returns the number of bytes removed.
   */
  truncate(size: number): Promise<number>;

  /**
   * The latest-checkpoint pointer (the `checkpoint` file), or null before the first commit.
   * After a crash inside `writeCheckpoint` it may lag one checkpoint behind the largest one in
   * the history (the history write is the commit point); the appender's recovery catches it up.
   */
  readCheckpoint(): Promise<string | null>;
  /**
   * Durably records the checkpoint for tree size `size` in the history, then makes it the
   * latest. Requires the lock; `size` must equal the number of complete lines and must not be
   * smaller than the latest checkpoint's size.
   */
  writeCheckpoint(size: number, text: string): Promise<void>;
  /**
   * Optional: `append(lines)` followed by `writeCheckpoint(size, text)` as one call, with the
   * contract and crash consistency of the two in sequence (the lines are durable before the
   * checkpoint at `size` is in the history; after a crash, the lines are committed with it or
   * are an uncommitted prefix beyond the latest checkpoint). It lets a store overlap the durable
   * writes that do not depend on each other (the directory store fsyncs the lines and both
   * checkpoint files at once) instead of waiting for each in turn. Requires the lock; `size`
   * must be the number of complete lines after the append.
   */
  commitAppend?(lines: readonly Uint8Array[], size: number, text: string): Promise<void>;
  /** Sizes of every checkpoint in the history, ascending. */
  listCheckpoints(): Promise<number[]>;
  readCheckpointAt(size: number): Promise<string | null>;
  /**
   * Optional (stores without it cannot take witness cosignatures). Adds signature lines (witness
   * cosignatures) to the LATEST checkpoint, of tree size `size`: `text` must be the stored
   * `checkpoints/<size>` text followed by zero or more signature lines (`— name base64\n`); the
   * checkpoint body and every existing signature stay byte for byte. Requires the lock. Writes
   * the history durably, then the pointer (a crash between leaves the pointer with fewer
   * signatures; calling again with the history's text completes the pointer).
   */
  addCheckpointSignatures?(size: number, text: string): Promise<void>;
  /**
   * Optional. Entries of the checkpoint history whose names are not decimal tree sizes (a
   * renamed, copied or foreign file): `verify` reports them instead of ignoring them.
   */
  listForeignCheckpointNames?(): Promise<string[]>;

  /** The appender's cached tree state (opaque text), or null. Not trusted: see ledger/log.ts. */
  readTreeState(): Promise<string | null>;
  /** Replaces the cached tree state. Requires the lock. Need not be durable. */
  writeTreeState(text: string): Promise<void>;

  readSubjects(): Promise<SubjectRecord[]>;
  /** Durably appends side-store records. Requires the lock. */
  appendSubjects(records: readonly SubjectRecord[]): Promise<void>;
  /** Atomically replaces the whole side store (erasure). Requires the lock. */
  rewriteSubjects(records: readonly SubjectRecord[]): Promise<void>;
}

/** Signature lines only: what `addCheckpointSignatures` may append to a checkpoint text. */
export const SIGNATURE_LINES = /^(?:\u2014 [^\n]+\n)*$/u;

/** Byte value of the line terminator. Lines never contain it. */
export const NEWLINE = 0x0a;
