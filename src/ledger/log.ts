// The Ledger facade: the only writer of a ledger. One append is
//   lock -> recover (torn tail, uncommitted lines, lagging checkpoint pointer) -> load the tree
//   state -> build and sign every entry (nothing written yet) -> subjects -> entries ->
//   checkpoint (commit point) -> tree-state cache -> unlock.
// Appends in flight together are group-committed: one physical append (one lock, one time, one
// fsync of the lines, one checkpoint) serves them all, each caller getting its own entries or
// its own error (see `append` below and docs/ledger-format.md §8.1 "Group commit").
// What survives a crash at each step is spelled out in ./store.ts and ./store/dir.ts; the rule
// is that an append is committed exactly when its checkpoint is in the history, and recovery
// removes whatever an uncommitted append left behind (never anything committed).
//
// Trust: appends do not re-hash the log. The cached tree state (compact range) is used only
// when its size equals the committed size, its last-line hash equals the hash of the last
// line, and its root equals the root of the latest checkpoint (whose signature is checked with
// the signer's own public key). Otherwise the appender rebuilds it from every line and refuses
// to append when the rebuilt root differs from the signed checkpoint: it never signs over a
// log it did not write. `verify` never reads the cache.
import { LedgerError } from '../core/errors.js';
import type { Clock, Random } from '../core/ports.js';
import type { EntryBody } from './body.js';
import { openCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeHex, encodeBase64, encodeHex } from './encoding.js';
import { GENESIS_PREV, LEDGER_FORMAT_VERSION, entryTime, lineHash, signEntryLine, type Entry } from './entry.js';
import { TreeBuilder, leafHash } from './merkle.js';
import { keyId, parseNote, parseVerifierKey, type NoteSigner, type NoteVerifier } from './note.js';
import type { LedgerStore, StoreLock } from './store.js';
import { commitSubject, type SubjectRecord } from './subjects.js';

export interface AppendedEntry {
  readonly seq: number;
  readonly kind: string;
  /** Hex SHA-256 of the entry's line: what the next entry's `prev` carries. */
  readonly hash: string;
  readonly entry: Entry;
}

export interface DraftContext {
  /** Entries already built in this append, in order. */
  readonly previous: readonly AppendedEntry[];
  /** The seq this draft's entry will get. */
  readonly seq: number;
  /**
   * A salted commitment to a personal value (`sha256:<hex>`); its opening goes to the side
   * store in the same append. One commitment per distinct value per append.
   */
  commit(value: string): string;
}

export interface EntryDraft {
  readonly kind: string;
  readonly policy: string;
  /** The body, or a function building it once earlier entries of the same append are known. */
  readonly body: EntryBody | ((ctx: DraftContext) => EntryBody);
}

/** Something recovery had to do; reported to the caller, never silent. */
export interface Repair {
  readonly kind: 'torn-tail' | 'uncommitted-lines' | 'checkpoint-pointer' | 'tree-state';
  readonly message: string;
}

export interface AppendResult {
  readonly entries: readonly AppendedEntry[];
  /** The new signed checkpoint (C2SP signed note). */
  readonly checkpoint: string;
  readonly size: number;
  /** Hex root of the new tree. */
  readonly root: string;
  readonly repairs: readonly Repair[];
}

export interface LedgerHead {
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string | null;
}

export interface Ledger {
  readonly origin: string;
  readonly store: LedgerStore;
  /** What `openLedger` repaired when it opened the ledger (empty after a clean shutdown). */
  readonly repairedOnOpen: readonly Repair[];
  /** Appends all drafts atomically: after a crash either every one is committed or none. */
  append(drafts: readonly EntryDraft[]): Promise<AppendResult>;
  /** Takes the lock and repairs what an interrupted append left behind. */
  recover(): Promise<Repair[]>;
  /** The latest committed checkpoint, without locking. */
  head(): Promise<LedgerHead>;
}

export interface LedgerOptions {
  readonly store: LedgerStore;
  readonly signer: NoteSigner;
  /** Log origin (checkpoint first line); the signer's key name must equal it. */
  readonly origin: string;
  readonly clock: Clock;
  readonly random: Random;
  /**
   * Earlier keys of this ledger (key rotation): checkpoints they signed are accepted when
   * recovering and resuming. New entries and checkpoints are always signed by `signer`.
   */
  readonly previousKeys?: readonly NoteVerifier[];
}

interface TreeState {
  readonly size: number;
  readonly last: string;
  readonly builder: TreeBuilder;
}

/** The verifier key text of a signer, for checking the ledger's own checkpoints. */
export function verifierOf(signer: NoteSigner): NoteVerifier {
  return parseVerifierKey(`${keyId(signer)}+${encodeBase64(Uint8Array.from([0x01, ...signer.publicKey]))}`);
}

export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  if (options.signer.name !== options.origin) {
    throw new LedgerError('BAD_KEY', `signing key ${keyId(options.signer)} is not named after the ledger origin ${JSON.stringify(options.origin)}`, {
      hint: 'create the key with `trailmark keygen --name ORIGIN` using the ledger origin',
    });
  }
  const ledger = new LogLedger(options);
  ledger.repairedOnOpen = await ledger.recover();
  return ledger;
}

class LogLedger implements Ledger {
  readonly origin: string;
  readonly store: LedgerStore;
  repairedOnOpen: readonly Repair[] = [];
  readonly #signer: NoteSigner;
  readonly #verifiers: readonly NoteVerifier[];
  readonly #clock: Clock;
  readonly #random: Random;

  constructor(o: LedgerOptions) {
    this.origin = o.origin;
    this.store = o.store;
    this.#signer = o.signer;
    this.#verifiers = [verifierOf(o.signer), ...(o.previousKeys ?? [])];
    this.#clock = o.clock;
    this.#random = o.random;
  }

  async recover(): Promise<Repair[]> {
    const lock = await this.store.lock();
    try {
      return (await this.#recover()).repairs;
    } finally {
      await lock.release();
    }
  }

  /**
   * The checkpoint this object last signed or verified, by its exact text. Appends read the
   * pointer at every start; when its bytes are the ones already checked, opening it again
   * (parse + Ed25519 verify) would give the same answer, so it is skipped.
   */
  #own: { readonly text: string; readonly checkpoint: Checkpoint } | null = null;

  readonly #open = (text: string): Checkpoint => {
    if (this.#own !== null && this.#own.text === text) return this.#own.checkpoint;
    const checkpoint = openOwn(text, this.#verifiers, this.origin);
    this.#own = { text, checkpoint };
    return checkpoint;
  };

  #recover(): Promise<Recovered> {
    return recoverLocked(this.store, this.#open);
  }

  async head(): Promise<LedgerHead> {
    const { text } = await committedCheckpoint(this.store, this.#open);
    if (text === null) return { size: 0, root: encodeHex(new TreeBuilder().root()), checkpoint: null };
    const checkpoint = this.#open(text);
    return { size: checkpoint.size, root: encodeHex(checkpoint.root), checkpoint: text };
  }

  /** The tree of the committed entries (see the trust note at the top of this file). */
  async #loadTree(committed: Committed, repairs: Repair[]): Promise<TreeState> {
    if (committed.text === null) return { size: 0, last: GENESIS_PREV, builder: new TreeBuilder() };
    const checkpoint = this.#open(committed.text);
    const lastLine = await this.store.lastLine();
    const last = lastLine === null ? GENESIS_PREV : lineHash(lastLine);
    const cached = parseTreeState(await this.store.readTreeState());
    if (cached !== null && cached.size === checkpoint.size && cached.last === last && equalBytes(cached.builder.root(), checkpoint.root)) {
      return cached;
    }
    const builder = new TreeBuilder();
    let prev = GENESIS_PREV;
    for await (const line of this.store.readLines(0)) {
      if (builder.size === checkpoint.size) break;
      builder.append(leafHash(line));
      prev = lineHash(line);
    }
    if (builder.size !== checkpoint.size || !equalBytes(builder.root(), checkpoint.root)) {
      throw new LedgerError('ROOT_MISMATCH', `entries in ${this.store.location} do not match the signed checkpoint at size ${checkpoint.size}`, {
        hint: 'the log was altered after it was signed; run `trailmark verify` and restore from a backup',
      });
    }
    repairs.push({ kind: 'tree-state', message: `rebuilt the tree state from ${checkpoint.size} entries (cache ${cached === null ? 'missing' : 'stale'})` });
    return { size: builder.size, last: prev, builder };
  }

  /**
   * Group commit: appends that arrive while another is being written wait in `#queue`, and
   * the next writer takes all of them (up to MAX_APPEND_ENTRIES entries) into ONE physical
   * append: one lock, one recovery, one `time`, one write + fsync of the lines, one checkpoint.
   * Each caller still gets its own entries and result, and its own error: its drafts are built
   * and validated on their own (a bad one fails that caller alone, before any of its entries
   * join the group). Crash consistency is that of one append: the group commits as a whole or
   * not at all, and recovery sees one time and one contiguous chain (docs/ledger-format.md §8.1).
   */
  append(drafts: readonly EntryDraft[]): Promise<AppendResult> {
    if (drafts.length === 0) return Promise.reject(new LedgerError('STORE_CONTRACT', 'append needs at least one entry'));
    if (drafts.length > MAX_APPEND_ENTRIES) return Promise.reject(new LedgerError('STORE_CONTRACT', `append of ${drafts.length} entries exceeds the ${MAX_APPEND_ENTRIES}-entry limit of one append`));
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ drafts, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  readonly #queue: PendingAppend[] = [];
  #writing = false;

  /** Writes groups until the queue is empty; only one runs at a time per ledger object. */
  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) await this.#commitGroup();
    } finally {
      this.#writing = false;
    }
  }

  /** Takes the waiting appends that fit in one append (at least one), in arrival order. */
  #takeGroup(): PendingAppend[] {
    let entries = 0;
    let n = 0;
    while (n < this.#queue.length && (n === 0 || entries + this.#queue[n]!.drafts.length <= MAX_APPEND_ENTRIES)) entries += this.#queue[n++]!.drafts.length;
    return this.#queue.splice(0, n);
  }

  async #commitGroup(): Promise<void> {
    let lock: StoreLock;
    try {
      lock = await this.store.lock();
    } catch (err) {
      for (const p of this.#takeGroup()) p.reject(err);
      return;
    }
    // Taken once the lock is held: everything that arrived while waiting for it joins.
    const group = this.#takeGroup();
    // A caller's own failure (its drafts), the group's shared failure, or the group's result.
    const own = new Map<PendingAppend, unknown>();
    const results = new Map<PendingAppend, AppendResult>();
    let shared: { readonly err: unknown } | null = null;
    try {
      // Recovery leaves the log at its committed size, which the tree state then starts from.
      const { repairs, committed } = await this.#recover();
      const tree = await this.#loadTree(committed, repairs);
      const time = entryTime(this.#clock.now());
      const builder = TreeBuilder.fromCompactRange(tree.size, tree.builder.compactRange());
      let prev = tree.last;
      const built: BuiltAppend[] = [];
      for (const pending of group) {
        try {
          const one = this.#build(pending.drafts, builder.size, prev, time);
          // Only a caller whose every draft is valid joins the group's lines and tree.
          for (const leaf of one.leaves) builder.append(leaf);
          prev = one.last;
          built.push({ pending, ...one });
        } catch (err) {
          own.set(pending, err);
        }
      }
      if (built.length > 0) {
        const size = builder.size;
        const root = builder.root();
        const checkpoint = signCheckpoint({ origin: this.origin, size, root, extensions: [] }, [this.#signer]);
        // Crash after: orphan subject records, no entries. Harmless.
        await this.store.appendSubjects(built.flatMap((b) => b.subjects));
        // Crash during or after: lines beyond the checkpoint, all with one time; recovery removes
        // them. The checkpoint is the commit point, for every caller of the group at once. A
        // store that can overlap the two (the directory store's fsyncs) does both in one call.
        const lines = built.flatMap((b) => b.lines);
        if (this.store.commitAppend !== undefined) {
          await this.store.commitAppend(lines, size, checkpoint);
        } else {
          await this.store.append(lines);
          await this.store.writeCheckpoint(size, checkpoint);
        }
        this.#own = { text: checkpoint, checkpoint: { origin: this.origin, size, root, extensions: [] } };
        // Cache only: a crash before it costs one rebuild at the next append.
        await this.store.writeTreeState(formatTreeState({ size, last: prev, builder }));
        const rootHex = encodeHex(root);
        for (const b of built) results.set(b.pending, { entries: b.entries, checkpoint, size, root: rootHex, repairs });
      }
    } catch (err) {
      shared = { err };
    }
    try {
      await lock.release();
    } catch (err) {
      // As before grouping: a lock that could not be released fails the append that held it.
      shared ??= { err };
    }
    // Settled after the release, so that a caller's next append does not find the lock held.
    for (const p of group) {
      const result = results.get(p);
      if (own.has(p)) p.reject(own.get(p));
      else if (shared !== null) p.reject(shared.err);
      else if (result !== undefined) p.resolve(result);
      else p.reject(new LedgerError('STORE_CONTRACT', 'append left without a result'));
    }
  }

  /**
   * Builds, validates and signs one caller's entries from `seq` on, chained to `prev`; throws
   * (BAD_BODY, ENTRY_TOO_LARGE, ...) without touching the group when any draft is bad.
   */
  #build(drafts: readonly EntryDraft[], first: number, prev: string, time: string): Omit<BuiltAppend, 'pending'> {
    const entries: AppendedEntry[] = [];
    const lines: Uint8Array[] = [];
    const leaves: Uint8Array[] = [];
    const subjects: SubjectRecord[] = [];
    const commitments = new Map<string, string>();
    for (const draft of drafts) {
      const seq = first + entries.length;
      const ctx: DraftContext = {
        previous: entries,
        seq,
        commit: (value) => {
          const known = commitments.get(value);
          if (known !== undefined) return known;
          const record = commitSubject(value, seq, this.#random);
          commitments.set(value, record.commitment);
          subjects.push(record);
          return record.commitment;
        },
      };
      const body = typeof draft.body === 'function' ? draft.body(ctx) : draft.body;
      const { entry, line, hash, leaf } = signEntryLine({ v: LEDGER_FORMAT_VERSION, seq, time, kind: draft.kind, prev, policy: draft.policy, body }, this.#signer);
      prev = hash;
      entries.push({ seq, kind: draft.kind, hash, entry });
      lines.push(line);
      leaves.push(leaf);
    }
    return { entries, lines, leaves, subjects, last: prev };
  }
}

interface PendingAppend {
  readonly drafts: readonly EntryDraft[];
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

interface BuiltAppend {
  readonly pending: PendingAppend;
  readonly entries: AppendedEntry[];
  readonly lines: Uint8Array[];
  readonly leaves: Uint8Array[];
  readonly subjects: SubjectRecord[];
  /** Hash of the last line. */
  readonly last: string;
}

/** Opens a checkpoint of this ledger: a valid signature by a trusted key named after its origin. */
function openOwn(text: string, verifiers: readonly NoteVerifier[], origin: string | null): Checkpoint {
  const { checkpoint, verifiedBy } = openCheckpoint(text, verifiers, origin === null ? {} : { origin });
  if (!verifiedBy.some((v) => v.name === checkpoint.origin)) {
    throw new LedgerError('UNKNOWN_KEY', `checkpoint is not signed by a trusted key named ${JSON.stringify(checkpoint.origin)}`, { hint: 'pass the ledger\'s own key' });
  }
  return checkpoint;
}

/**
 * The committed size: the largest checkpoint in the history. The history can be ahead of the
 * pointer (crash between commit and pointer update) but never beyond the complete lines (lines
 * are durable before their checkpoint is written), so only sizes between the pointer and the
 * line count are probed: no listing of a history that grows with every append.
 */
async function committedCheckpoint(store: LedgerStore, open: OpenCheckpoint): Promise<Committed> {
  const pointer = await store.readCheckpoint();
  if (pointer === null) {
    // A new ledger, or a lost pointer: the history itself says what was committed.
    const last = (await store.listCheckpoints()).at(-1);
    return last === undefined ? { size: 0, text: null } : { size: last, text: await store.readCheckpointAt(last) };
  }
  const size = open(pointer).size;
  const { size: lines } = await store.tail();
  for (let s = lines; s > size; s--) {
    const text = await store.readCheckpointAt(s);
    if (text !== null) return { size: s, text };
  }
  return { size, text: pointer };
}

/**
 * The most entries one append may write. Recovery removes uncommitted lines only when they can
 * be the leftovers of ONE append, so it needs this bound; appends above it are refused.
 */
export const MAX_APPEND_ENTRIES = 10_000;

/** Refusal to repair: the state is not what one interrupted append leaves behind. */
function refuse(store: LedgerStore, what: string): LedgerError {
  return new LedgerError('BAD_CHECKPOINT', `refusing to repair ${store.location}: ${what}; nothing was removed`, {
    hint: 'committed entries may have lost their checkpoints (checkpoint, checkpoints/<size>): restore them from a backup or a published copy, then run `trailmark verify --trusted CHECKPOINT` against a checkpoint you kept',
  });
}

/**
 * Why the lines from `committed` on cannot be removed as one interrupted append, or null when
 * they can: at most MAX_APPEND_ENTRIES complete lines, each an entry object continuing the seq
 * and prev chain of the committed log, all with the one `time` an append gives its entries; and
 * the appender's tree-state cache (written only after a commit) does not claim more. A cache is
 * never trusted to allow anything, only to refuse.
 */
async function uncommittedProblem(store: LedgerStore, committed: number, lines: number): Promise<string | null> {
  const count = lines - committed;
  const range = `${count} complete entr${count === 1 ? 'y' : 'ies'} (seq ${committed}..${lines - 1}) lie beyond the latest checkpoint (size ${committed})`;
  if (count > MAX_APPEND_ENTRIES) return `${range}, more than one append writes (${MAX_APPEND_ENTRIES})`;
  const cached = parseTreeState(await store.readTreeState());
  if (cached !== null && cached.size > committed) return `${range}, and the appender recorded a commit at size ${cached.size}: checkpoints are missing`;
  let prev = GENESIS_PREV;
  const times = new Set<string>();
  let i = Math.max(0, committed - 1);
  for await (const line of store.readLines(i)) {
    if (i >= committed) {
      let e: { seq?: unknown; prev?: unknown; time?: unknown } | null = null;
      try {
        const v: unknown = JSON.parse(Buffer.from(line).toString('utf8'));
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) e = v;
      } catch {
        e = null;
      }
      if (e === null || e.seq !== i || e.prev !== prev || typeof e.time !== 'string') return `${range}, and seq ${i} is not an entry continuing the chain`;
      times.add(e.time);
    }
    prev = lineHash(line);
    if (++i >= lines) break;
  }
  if (times.size > 1) return `${range}, written at ${times.size} different times (${[...times].slice(0, 4).join(', ')}${times.size > 4 ? ', ...' : ''}): one append writes all its entries with one time, so these are committed appends whose checkpoints are missing`;
  return null;
}

/** Recovery after a crash; the caller holds the lock. Removes only what was never committed. */
async function recoverLocked(store: LedgerStore, open: OpenCheckpoint): Promise<Recovered> {
  const repairs: Repair[] = [];
  const tail = await store.tail();
  let committed = await committedCheckpoint(store, open);
  if (tail.size < committed.size) {
    throw new LedgerError('TRUNCATED', `entries in ${store.location} stop at ${tail.size} lines but the checkpoint covers ${committed.size}`, {
      hint: 'committed entries are missing: restore the ledger from a backup, and run `trailmark verify`',
    });
  }
  const pointer = await store.readCheckpoint();
  const removing = tail.tornBytes > 0 || tail.size > committed.size;
  // Only when something would be removed: on the clean path this read costs a round trip on
  // remote stores (the git branch store), and nothing is at stake there.
  if (removing && pointer !== null && committed.text === pointer) {
    const history = await store.readCheckpointAt(committed.size);
    // The history file is written before the pointer: a pointer without one means the history
    // was altered, and nothing about the entries beyond it can be trusted to be uncommitted.
    if (history === null) throw refuse(store, `the checkpoint pointer names size ${committed.size} but checkpoints/${committed.size} is missing (the checkpoint history was removed or is incomplete)`);
    if (history !== pointer) {
      // A witness cosigned the history and stopped before the pointer: same checkpoint, more
      // signature lines. The history is the record; a different body would be a fork.
      if (parseNote(history).text !== parseNote(pointer).text) throw refuse(store, `checkpoint and checkpoints/${committed.size} are two different checkpoints for one tree size`);
      committed = { size: committed.size, text: history };
    }
  }
  if (tail.size > committed.size) {
    const problem = await uncommittedProblem(store, committed.size, tail.size);
    if (problem !== null) throw refuse(store, problem);
  }
  if (removing) {
    const removed = await store.truncate(committed.size);
    if (tail.tornBytes > 0) {
      repairs.push({ kind: 'torn-tail', message: `removed a torn last line of ${tail.tornBytes} bytes left by an interrupted append` });
    }
    if (tail.size > committed.size) {
      repairs.push({
        kind: 'uncommitted-lines',
        message: `removed ${tail.size - committed.size} entries (seq ${committed.size}..${tail.size - 1}, ${removed - tail.tornBytes} bytes) of an append interrupted before its checkpoint`,
      });
    }
  }
  if (committed.text !== null && pointer !== committed.text) {
    // The history write is the commit point; the pointer lags only after a crash (or a witness
    // cosigned the history and crashed before the pointer).
    open(committed.text);
    await store.writeCheckpoint(committed.size, committed.text);
    repairs.push({ kind: 'checkpoint-pointer', message: `checkpoint pointer caught up with checkpoints/${committed.size}` });
  }
  return { repairs, committed };
}

/** Opens (parses and checks the signature of) a checkpoint of this ledger. */
type OpenCheckpoint = (text: string) => Checkpoint;

/** The committed size and its checkpoint text (null for an empty ledger). */
interface Committed {
  readonly size: number;
  readonly text: string | null;
}

interface Recovered {
  readonly repairs: Repair[];
  readonly committed: Committed;
}

/**
 * Repairs what an interrupted append left behind (torn tail, uncommitted lines, lagging
 * pointer) without a signing key: nothing is signed, only uncommitted bytes are removed.
 */
export async function repairLedger(store: LedgerStore, verifiers: readonly NoteVerifier[]): Promise<Repair[]> {
  const lock = await store.lock();
  try {
    return (await recoverLocked(store, (text) => openOwn(text, verifiers, null))).repairs;
  } finally {
    await lock.release();
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function formatTreeState(s: TreeState): string {
  return JSON.stringify({ v: 1, size: s.size, last: s.last, range: s.builder.compactRange().map(encodeHex) });
}

/** Parses the cached tree state; null when missing or malformed (it is only a cache). */
function parseTreeState(text: string | null): TreeState | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as { v?: unknown; size?: unknown; last?: unknown; range?: unknown };
    if (v.v !== 1 || typeof v.size !== 'number' || typeof v.last !== 'string' || !Array.isArray(v.range)) return null;
    const range = v.range.map((h) => (typeof h === 'string' ? decodeHex(h) : undefined));
    if (range.some((h) => h === undefined)) return null;
    return { size: v.size, last: v.last, builder: TreeBuilder.fromCompactRange(v.size, range as Uint8Array[]) };
  } catch {
    return null;
  }
}
