// A LedgerStore on a git branch of the repository, written through the git data API (blobs,
// trees, commits, refs). The branch holds exactly the files of the directory store
// (entries.jsonl, checkpoint, checkpoints/<N>, subjects.jsonl, tree-state.json), so
// `trailmark verify` works on a checkout of it.
//
// Writers: `lock()` creates the ref `refs/heads/<branch>-lock` (creation fails with 422 when it
// exists: an atomic test-and-set on GitHub). A lock older than `lockStaleMs` belongs to a dead
// run and is taken over by a fast-forward-only update of the lock ref (a compare-and-swap: it
// succeeds only while the ref still points at the stale lock commit).
// Every mutation is one commit on the branch published by `PATCH .../git/refs/heads/<branch>`
// with `force: false` (or a ref creation for the first one): a compare-and-swap. When it fails
// (422: not a fast-forward), the branch moved: if no ledger file changed, the commit is rebuilt
// on the new head and retried; if a ledger file changed (a writer ignored the lock), the
// mutation fails with LedgerError('LOCKED'). The branch is never force-updated, so entries are
// neither lost nor forked.
// Crash consistency: a crash before the ref update leaves unreferenced objects (inert); the ref
// update is the commit point of every mutation. `writeCheckpoint` writes checkpoints/<N> and
// checkpoint in one commit, so the pointer never lags the history on this store.
// Limit: each append rewrites the whole entries.jsonl blob (git has no append); the blob API
// serves up to 100 MB.
import { LedgerError } from '../core/errors.js';
import { systemClock, type Clock } from '../core/ports.js';
import { MAX_LINE_BYTES } from '../ledger/entry.js';
import { NEWLINE, type LedgerStore, type StoreLock, type StoreTail } from '../ledger/store.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../ledger/subjects.js';
import { realSleep, type GitHubClient, type Sleep } from './client.js';
import { httpStatusOf } from './errors.js';

/** File names of the directory store (src/ledger/store/dir.ts LEDGER_FILES). */
const FILES = {
  entries: 'entries.jsonl',
  checkpoint: 'checkpoint',
  checkpoints: 'checkpoints/',
  subjects: 'subjects.jsonl',
  treeState: 'tree-state.json',
} as const;

export interface LedgerBranchStoreOptions {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** Branch name without `refs/heads/`. */
  readonly branch: string;
  /** Names this writer in the lock (e.g. `run 123 attempt 1`). */
  readonly holder: string;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  /** Wait between attempts to take a held lock. Default 2 s. */
  readonly lockPollMs?: number;
  /** A lock older than this was left by a dead run. Default 10 minutes (an append takes seconds). */
  readonly lockStaleMs?: number;
  /** Give up waiting for the lock after this long. Default 10 minutes. */
  readonly lockTimeoutMs?: number;
  /** Rebuilds of a commit after the branch moved. Default 5. */
  readonly casRetries?: number;
}

interface Snapshot {
  /** Head commit of the branch, null when the branch does not exist. */
  readonly commit: string | null;
  readonly tree: string | null;
  /** Blob sha by path (recursive). */
  readonly files: ReadonlyMap<string, string>;
}

const EMPTY: Snapshot = { commit: null, tree: null, files: new Map() };
const LOCK_MESSAGE = 'trailmark ledger writer lock';

function contract(message: string): LedgerError {
  return new LedgerError('STORE_CONTRACT', `ledger branch store contract violated: ${message}`);
}

function isLedgerFile(path: string): boolean {
  return path === FILES.entries || path === FILES.checkpoint || path === FILES.subjects || path === FILES.treeState || path.startsWith(FILES.checkpoints);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** Complete lines and the torn tail of a newline-terminated file. */
function splitComplete(bytes: Uint8Array): { lines: Uint8Array[]; torn: number; completeBytes: number } {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] === NEWLINE) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return { lines, torn: bytes.byteLength - start, completeBytes: start };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export class LedgerBranchStore implements LedgerStore {
  readonly location: string;
  readonly #o: LedgerBranchStoreOptions;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #blobs = new Map<string, Uint8Array>();
  #snapshot: Snapshot | undefined;
  /** The lock commit this handle holds, if any. */
  #held: string | null = null;

  constructor(options: LedgerBranchStoreOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? realSleep;
    this.location = `${options.owner}/${options.repo}@${options.branch}`;
  }

  get #lockRef(): string {
    return `heads/${this.#o.branch}-lock`;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The branch as it is now: one ref read; tree listings and blobs are cached by object id. */
  async #current(): Promise<Snapshot> {
    const { client, owner, repo, branch } = this.#o;
    let commit: string;
    try {
      commit = (await client.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
    } catch (err) {
      if (httpStatusOf(err) === 404) return (this.#snapshot = EMPTY);
      throw err;
    }
    if (this.#snapshot?.commit === commit) return this.#snapshot;
    const tree = (await client.rest.git.getCommit({ owner, repo, commit_sha: commit })).data.tree.sha;
    const listing = (await client.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' })).data;
    if (listing.truncated) throw new LedgerError('IO', `the tree of ledger branch ${branch} is too large for the git trees API`);
    const files = new Map<string, string>();
    for (const item of listing.tree) if (item.type === 'blob' && item.path !== undefined && item.sha !== undefined) files.set(item.path, item.sha);
    return (this.#snapshot = { commit, tree, files });
  }

  async #read(snapshot: Snapshot, path: string): Promise<Uint8Array | null> {
    const sha = snapshot.files.get(path);
    if (sha === undefined) return null;
    const cached = this.#blobs.get(sha);
    if (cached !== undefined) return cached;
    const { client, owner, repo } = this.#o;
    const blob = (await client.rest.git.getBlob({ owner, repo, file_sha: sha })).data;
    const bytes = blob.encoding === 'base64' ? new Uint8Array(Buffer.from(blob.content, 'base64')) : encoder.encode(blob.content);
    this.#blobs.set(sha, bytes);
    return bytes;
  }

  async #readText(snapshot: Snapshot, path: string): Promise<string | null> {
    const bytes = await this.#read(snapshot, path);
    return bytes === null ? null : decoder.decode(bytes);
  }

  async #entries(snapshot?: Snapshot): Promise<{ bytes: Uint8Array; lines: Uint8Array[]; torn: number; completeBytes: number }> {
    const bytes = (await this.#read(snapshot ?? (await this.#current()), FILES.entries)) ?? new Uint8Array(0);
    return { bytes, ...splitComplete(bytes) };
  }

  async tail(): Promise<StoreTail> {
    const { lines, torn } = await this.#entries();
    return { size: lines.length, tornBytes: torn };
  }

  async *readLines(from = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(from) || from < 0) throw contract(`readLines from ${from}`);
    const { lines } = await this.#entries();
    for (const line of lines.slice(from)) yield Uint8Array.from(line);
  }

  async lastLine(): Promise<Uint8Array | null> {
    const last = (await this.#entries()).lines.at(-1);
    return last === undefined ? null : Uint8Array.from(last);
  }

  async readCheckpoint(): Promise<string | null> {
    return this.#readText(await this.#current(), FILES.checkpoint);
  }

  async listCheckpoints(): Promise<number[]> {
    return LedgerBranchStore.#historySizes(await this.#current());
  }

  static #historySizes(snapshot: Snapshot): number[] {
    const sizes: number[] = [];
    for (const path of snapshot.files.keys()) {
      if (!path.startsWith(FILES.checkpoints)) continue;
      const name = path.slice(FILES.checkpoints.length);
      // Decimal tree sizes only, as the directory store names them.
      if (/^(0|[1-9][0-9]{0,15})$/.test(name)) sizes.push(Number(name));
    }
    return sizes.sort((a, b) => a - b);
  }

  async readCheckpointAt(size: number): Promise<string | null> {
    if (!Number.isSafeInteger(size) || size < 0) return null;
    return this.#readText(await this.#current(), `${FILES.checkpoints}${size}`);
  }

  async readTreeState(): Promise<string | null> {
    return this.#readText(await this.#current(), FILES.treeState);
  }

  async readSubjects(): Promise<SubjectRecord[]> {
    const bytes = await this.#read(await this.#current(), FILES.subjects);
    if (bytes === null) return [];
    // A torn last record (no newline) is ignored, as the directory store does.
    const { lines } = splitComplete(bytes);
    const out: SubjectRecord[] = [];
    for (const line of lines) {
      const record = parseSubjectRecord(decoder.decode(line));
      if (record !== null) out.push(record);
    }
    return out;
  }

  // ---- writing -------------------------------------------------------------------------------

  #requireLock(op: string): void {
    if (this.#held === null) throw contract(`${op} without holding the lock`);
  }

  async append(lines: readonly Uint8Array[]): Promise<void> {
    this.#requireLock('append');
    const entries = await this.#entries();
    if (entries.torn > 0) throw contract('append over a torn tail (truncate it first)');
    lines.forEach((line, i) => {
      const index = entries.lines.length + i;
      if (line.byteLength === 0) throw contract(`empty line at index ${index}`);
      if (line.includes(NEWLINE)) throw contract(`line at index ${index} contains a newline`);
      if (line.byteLength > MAX_LINE_BYTES) throw contract(`line at index ${index} is ${line.byteLength} bytes`);
    });
    if (lines.length === 0) return;
    let added: Uint8Array = new Uint8Array(0);
    for (const line of lines) added = concat(added, concat(line, Uint8Array.of(NEWLINE)));
    await this.#commit(new Map([[FILES.entries, concat(entries.bytes, added)]]), `ledger: append ${lines.length} entries at ${entries.lines.length}`);
  }

  async truncate(size: number): Promise<number> {
    this.#requireLock('truncate');
    if (!Number.isSafeInteger(size) || size < 0) throw contract(`truncate to ${size}`);
    const snapshot = await this.#current();
    const latest = LedgerBranchStore.#historySizes(snapshot).at(-1);
    if (latest !== undefined && size < latest) throw contract(`truncate to ${size} below the checkpoint at size ${latest}`);
    const entries = await this.#entries(snapshot);
    let keep = 0;
    for (const line of entries.lines.slice(0, size)) keep += line.byteLength + 1;
    const removed = entries.bytes.byteLength - keep;
    if (removed > 0) await this.#commit(new Map([[FILES.entries, entries.bytes.slice(0, keep)]]), `ledger: truncate to ${size} lines`);
    return removed;
  }

  async writeCheckpoint(size: number, text: string): Promise<void> {
    this.#requireLock('writeCheckpoint');
    const snapshot = await this.#current();
    const { lines } = await this.#entries(snapshot);
    if (size !== lines.length) throw contract(`checkpoint for size ${size} over ${lines.length} lines`);
    const latest = LedgerBranchStore.#historySizes(snapshot).at(-1);
    if (latest !== undefined && size < latest) throw contract(`checkpoint size ${size} smaller than the latest ${latest}`);
    const old = await this.#readText(snapshot, `${FILES.checkpoints}${size}`);
    if (old !== null && old !== text) throw contract(`checkpoint at size ${size} replaced by a different one`);
    const bytes = encoder.encode(text);
    await this.#commit(new Map([[`${FILES.checkpoints}${size}`, bytes], [FILES.checkpoint, bytes]]), `ledger: checkpoint at size ${size}`);
  }

  async writeTreeState(text: string): Promise<void> {
    this.#requireLock('writeTreeState');
    await this.#commit(new Map([[FILES.treeState, encoder.encode(text)]]), 'ledger: tree state cache');
  }

  async appendSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLock('appendSubjects');
    if (records.length === 0) return;
    const snapshot = await this.#current();
    const old = (await this.#read(snapshot, FILES.subjects)) ?? new Uint8Array(0);
    const { completeBytes } = splitComplete(old);
    const added = encoder.encode(records.map((r) => `${formatSubjectRecord(r)}\n`).join(''));
    await this.#commit(new Map([[FILES.subjects, concat(old.slice(0, completeBytes), added)]]), `ledger: ${records.length} subject records`);
  }

  async rewriteSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLock('rewriteSubjects');
    const text = records.map((r) => `${formatSubjectRecord(r)}\n`).join('');
    await this.#commit(new Map([[FILES.subjects, encoder.encode(text)]]), 'ledger: rewrite subject records');
  }

  /**
   * Publishes `changes` as one commit on the branch with a compare-and-swap ref update; rebuilds
   * it on a moved head when no ledger file changed there.
   */
  async #commit(changes: ReadonlyMap<string, Uint8Array>, message: string): Promise<void> {
    const { client, owner, repo, branch } = this.#o;
    const blobs = new Map<string, string>();
    for (const [path, bytes] of changes) {
      const sha = (await client.rest.git.createBlob({ owner, repo, content: Buffer.from(bytes).toString('base64'), encoding: 'base64' })).data.sha;
      this.#blobs.set(sha, bytes);
      blobs.set(path, sha);
    }
    let base = await this.#current();
    const retries = this.#o.casRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      const tree = (await client.rest.git.createTree({
        owner,
        repo,
        ...(base.tree === null ? {} : { base_tree: base.tree }),
        tree: [...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, sha]) => ({ path, mode: '100644' as const, type: 'blob' as const, sha })),
      })).data.sha;
      const commit = (await client.rest.git.createCommit({ owner, repo, message, tree, parents: base.commit === null ? [] : [base.commit] })).data.sha;
      try {
        if (base.commit === null) await client.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
        else await client.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
        const files = new Map(base.files);
        for (const [path, sha] of blobs) files.set(path, sha);
        this.#snapshot = { commit, tree, files };
        return;
      } catch (err) {
        if (httpStatusOf(err) !== 422) throw err;
      }
      // The branch moved under us. Safe to rebuild only if no ledger file changed there.
      const moved = await this.#current();
      const changed = [...new Set([...base.files.keys(), ...moved.files.keys()])].filter((p) => isLedgerFile(p) && base.files.get(p) !== moved.files.get(p));
      if (changed.length > 0 || attempt >= retries) {
        throw new LedgerError('LOCKED', `ledger branch ${branch} changed under the writer lock (${changed.length > 0 ? `files ${changed.join(', ')}` : `${attempt + 1} conflicting updates`}); nothing was overwritten`, {
          hint: `another writer ignored the lock ref ${this.#lockRef}; re-run the job`,
        });
      }
      base = moved;
    }
  }

  // ---- the writer lock -----------------------------------------------------------------------

  async lock(): Promise<StoreLock> {
    if (this.#held !== null) throw contract('lock() while this store already holds the lock (not re-entrant)');
    const { client, owner, repo, branch } = this.#o;
    const stale = this.#o.lockStaleMs ?? 10 * 60_000;
    const deadline = this.#clock.now() + (this.#o.lockTimeoutMs ?? 10 * 60_000);
    for (;;) {
      const now = this.#clock.now();
      const holder = this.#o.holder.replace(/[\r\n]/g, ' ');
      const blob = (await client.rest.git.createBlob({ owner, repo, content: `${holder}\n`, encoding: 'utf-8' })).data.sha;
      const tree = (await client.rest.git.createTree({ owner, repo, tree: [{ path: 'lock', mode: '100644', type: 'blob', sha: blob }] })).data.sha;
      const message = `${LOCK_MESSAGE}\n\nholder: ${holder}\nacquired-ms: ${now}\n`;
      let current: { sha: string; acquired: number; holder: string } | undefined;
      try {
        const lockCommit = (await client.rest.git.createCommit({ owner, repo, message, tree, parents: [] })).data.sha;
        await client.rest.git.createRef({ owner, repo, ref: `refs/${this.#lockRef}`, sha: lockCommit });
        return this.#acquired(lockCommit);
      } catch (err) {
        if (httpStatusOf(err) !== 422) throw err;
        current = await this.#readLock();
      }
      if (current !== undefined && now - current.acquired > stale) {
        // Take over a dead run's lock: fast-forward only from the stale lock commit (CAS).
        const takeover = (await client.rest.git.createCommit({ owner, repo, message, tree, parents: [current.sha] })).data.sha;
        try {
          await client.rest.git.updateRef({ owner, repo, ref: this.#lockRef, sha: takeover, force: false });
          return this.#acquired(takeover);
        } catch (err) {
          if (httpStatusOf(err) !== 422) throw err;
        }
      }
      if (this.#clock.now() >= deadline) {
        throw new LedgerError('LOCKED', `ledger branch ${branch} is locked${current === undefined ? '' : ` by ${JSON.stringify(current.holder)} since ${new Date(current.acquired).toISOString()}`}`, {
          hint: `wait for the other run to finish, or delete the ref ${this.#lockRef} if no run is writing`,
        });
      }
      await this.#sleep(this.#o.lockPollMs ?? 2_000);
    }
  }

  #acquired(lockCommit: string): StoreLock {
    this.#held = lockCommit;
    this.#snapshot = undefined;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.#held = null;
        this.#snapshot = undefined;
        const { client, owner, repo } = this.#o;
        // Delete the lock only while it is still ours (a takeover may have replaced it).
        const current = await this.#readLock();
        if (current?.sha === lockCommit) {
          try {
            await client.rest.git.deleteRef({ owner, repo, ref: this.#lockRef });
          } catch (err) {
            if (httpStatusOf(err) !== 422 && httpStatusOf(err) !== 404) throw err;
          }
        }
      },
    };
  }

  /** The lock ref's commit and when it was taken; undefined when there is no lock. */
  async #readLock(): Promise<{ sha: string; acquired: number; holder: string } | undefined> {
    const { client, owner, repo } = this.#o;
    let sha: string;
    try {
      sha = (await client.rest.git.getRef({ owner, repo, ref: this.#lockRef })).data.object.sha;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
    // Written by another writer: parsed defensively; an unreadable time counts as stale.
    const message = (await client.rest.git.getCommit({ owner, repo, commit_sha: sha })).data.message;
    let acquired = 0;
    let holder = '';
    for (const line of message.split('\n')) {
      if (line.startsWith('acquired-ms: ')) {
        const n = Number(line.slice('acquired-ms: '.length));
        if (Number.isSafeInteger(n) && n >= 0) acquired = n;
      } else if (line.startsWith('holder: ')) holder = line.slice('holder: '.length, 'holder: '.length + 200);
    }
    return { sha, acquired, holder };
  }
}
