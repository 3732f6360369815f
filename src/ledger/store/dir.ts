// The directory store (DESIGN.md §4), the embedded default:
//
//   DIR/entries.jsonl      one canonical entry per line, append-only
//   DIR/checkpoint         the latest signed checkpoint (mirror of the largest in checkpoints/)
//   DIR/checkpoints/<N>    every checkpoint ever committed, by tree size N (decimal), never removed
//   DIR/subjects.jsonl     side store: openings of personal-data commitments (erasable), in
//                          clear or sealed under per-opening subject keys (subject-keys.ts)
//   DIR/subject-keys.jsonl the subject keyring: each key wrapped under the KEK of a secret kept
//                          outside the directory (TRAILMARK_SUBJECT_KEK); absent before sealing
//   DIR/tree-state.json    cache: the appender's compact range (validated before use)
//   DIR/tail-hint.json     cache: {size, bytes} of a known complete prefix of entries.jsonl
//   DIR/lock               writer lock (O_EXCL), see lock-file.ts
//
// Crash consistency, step by step, for one append (the facade in ../log.ts drives the steps):
//   0. subject-keys.jsonl (sealing only): append + fsync. Crash after: orphan keys, pruned by
//      the next rewrite of the side store.
//   1. subjects.jsonl: write + fsync. Crash after: orphan records nobody references (inert,
//      erasable); the entries are not there.
//   2. entries.jsonl: one write of all lines + fsync. Crash during: any prefix of the bytes may
//      survive, perhaps ending in a partial line. They are beyond the latest checkpoint, so the
//      next appender truncates them (recovery), and verify reports them meanwhile.
//   3. checkpoints/<N>: write temp + fsync + rename + fsync dir. The COMMIT POINT: once the
//      rename is durable the append is committed.
//   4. checkpoint: write temp + fsync + rename (no directory fsync). Crash before, or power
//      loss before the rename is durable: the pointer lags the history by one; recovery
//      rewrites it from checkpoints/<N>.
//   5. tree-state.json, tail-hint.json: temp + rename, no fsync. Caches: a stale or lost one is
//      detected and rebuilt.
// The appender calls `commitAppend`, which does steps 2 to 4 with the fsyncs of the lines, of
// the content of checkpoints/<N> and of the pointer's content issued together (they do not
// depend on one another), and the renames after them, in the order above; `append` followed by
// `writeCheckpoint` is the same with every fsync in turn.
/* eslint-disable @typescript-eslint/require-await -- LedgerStore methods are async by contract; this store does its I/O synchronously inside them, so errors surface as rejections. */
import { join } from 'node:path';
import { LedgerError, UsageError } from '../../core/errors.js';
import { MAX_LINE_BYTES } from '../entry.js';
import { NEWLINE, SIGNATURE_LINES, type LedgerStore, type StoreLock, type StoreTail } from '../store.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../subjects.js';
import { isNotFound, nodeFileOps, type FileOps } from './file-ops.js';
import { LockFile, type LockOptions } from './lock-file.js';
import { formatWrappedKey, parseWrappedKey, type SubjectSealingStore, type SubjectsAtRest, type WrappedSubjectKey } from '../subject-seal.js';
import { SUBJECT_KEYS_FILE, SubjectVault, type SubjectSealing } from '../subject-vault.js';
import { subjectSealingFromEnv } from './subject-keys.js';

export const LEDGER_FILES = {
  entries: 'entries.jsonl',
  checkpoint: 'checkpoint',
  checkpoints: 'checkpoints',
  subjects: 'subjects.jsonl',
  subjectKeys: SUBJECT_KEYS_FILE,
  treeState: 'tree-state.json',
  tailHint: 'tail-hint.json',
  lock: 'lock',
} as const;

/** Where `trailmark` keeps its ledger when no `--ledger` is given, relative to the working directory. */
export const DEFAULT_LEDGER_DIR = '.trailmark/ledger';

const CHUNK = 1 << 20;
const CHECKPOINT_NAME = /^(?:0|[1-9][0-9]{0,15})$/;

export interface DirStoreOptions extends LockOptions {
  /** Create the directory layout when missing (writers). Readers leave it to fail. */
  readonly create?: boolean;
  /** File-system port; tests inject faults through it. */
  readonly ops?: FileOps;
  /**
   * Seals subject openings under this KEK (subject-keys.ts). `openDirStore` defaults it from
   * TRAILMARK_SUBJECT_KEK; `null` turns sealing off even when the variable is set.
   */
  readonly subjectSealing?: SubjectSealing | null;
}

interface Prefix {
  /** Complete lines in the prefix. */
  readonly size: number;
  /** Byte length of the prefix (ends with a newline or is 0). */
  readonly bytes: number;
}

function jsonl(lines: readonly string[]): Buffer {
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}

/** The lines of an append, each followed by a newline; throws STORE_CONTRACT on a bad line. */
function lineBytes(lines: readonly Uint8Array[]): Buffer {
  lines.forEach((line, i) => {
    if (line.byteLength === 0 || line.byteLength > MAX_LINE_BYTES || line.includes(NEWLINE)) {
      throw new LedgerError('STORE_CONTRACT', `line ${i} of the append is empty, too large or contains a newline`);
    }
  });
  const buf = Buffer.allocUnsafe(lines.reduce((n, l) => n + l.byteLength + 1, 0));
  let o = 0;
  for (const l of lines) {
    buf.set(l, o);
    o += l.byteLength;
    buf[o++] = NEWLINE;
  }
  return buf;
}

function ioError(what: string, err: unknown): LedgerError {
  if (err instanceof LedgerError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new LedgerError('IO', `${what} failed${code ? ` (${code})` : ''}`, { cause: err });
}

/** The adapters' entry point: sealing defaults to the KEK of TRAILMARK_SUBJECT_KEK when set. */
export function openDirStore(dir: string, options: DirStoreOptions = {}): DirStore {
  return new DirStore(dir, options.subjectSealing === undefined ? { ...options, subjectSealing: subjectSealingFromEnv(process.env) ?? null } : options);
}

export class DirStore implements LedgerStore, SubjectSealingStore {
  readonly location: string;
  readonly #ops: FileOps;
  readonly #lock: LockFile;
  readonly #vault: SubjectVault;
  #tmpCounter = 0;

  constructor(dir: string, options: DirStoreOptions = {}) {
    this.location = dir;
    this.#ops = options.ops ?? nodeFileOps;
    this.#vault = new SubjectVault(options.subjectSealing ?? undefined, dir);
    const ops = this.#ops;
    if (ops.mtimeMs(dir) === null) {
      if (options.create !== true) {
        throw new UsageError('NOT_FOUND', `no ledger directory at ${dir}`, { hint: 'pass --ledger DIR pointing at an existing ledger' });
      }
      try {
        ops.mkdirSync(join(dir, LEDGER_FILES.checkpoints));
        this.#fsyncDir(join(dir, '..'));
      } catch (err) {
        throw ioError(`creating ledger directory ${dir}`, err);
      }
    } else if (options.create === true && ops.mtimeMs(this.#path(LEDGER_FILES.checkpoints)) === null) {
      ops.mkdirSync(this.#path(LEDGER_FILES.checkpoints));
      this.#fsyncDir(dir);
    }
    this.#lock = new LockFile(ops, this.#path(LEDGER_FILES.lock), options);
  }

  #path(name: string): string {
    return join(this.location, name);
  }

  async lock(): Promise<StoreLock> {
    await this.#lock.acquire();
    this.#removeTempFiles();
    return { release: async () => this.#lock.release() };
  }

  #requireLock(op: string): void {
    if (!this.#lock.held) throw new LedgerError('STORE_CONTRACT', `${op} on ${this.location} without holding the lock`);
  }

  /** Guards every durable write: a lock broken as stale must not let two writers interleave. */
  #requireLiveLock(op: string): void {
    this.#requireLock(op);
    if (!this.#lock.stillHeld()) {
      throw new LedgerError('LOCKED', `lost the ledger lock of ${this.location} before ${op}`, { hint: 'the lock was judged stale and taken over; retry the operation' });
    }
  }

  // ---- entries.jsonl ----

  #openEntries(flags: string | number): number | null {
    try {
      return this.#ops.openSync(this.#path(LEDGER_FILES.entries), flags, 0o644);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw ioError(`opening ${LEDGER_FILES.entries}`, err);
    }
  }

  #readHint(): Prefix | null {
    const buf = this.#ops.readFileOrNull(this.#path(LEDGER_FILES.tailHint));
    if (buf === null) return null;
    try {
      const v = JSON.parse(buf.toString('utf8')) as Partial<Prefix>;
      if (Number.isSafeInteger(v.size) && Number.isSafeInteger(v.bytes) && v.size! >= 0 && v.bytes! >= 0) return { size: v.size!, bytes: v.bytes! };
    } catch {
      // A damaged cache is a missing cache.
    }
    return null;
  }

  /** The hint, when it still describes a complete prefix of the file of length `fileSize`. */
  #validHint(fd: number, fileSize: number): Prefix {
    const hint = this.#readHint();
    if (hint === null || hint.bytes > fileSize || (hint.bytes === 0) !== (hint.size === 0)) return { size: 0, bytes: 0 };
    if (hint.bytes === 0) return hint;
    const b = Buffer.alloc(1);
    this.#ops.readSync(fd, b, 0, 1, hint.bytes - 1);
    return b[0] === NEWLINE ? hint : { size: 0, bytes: 0 };
  }

  /**
   * Counts complete lines from a known prefix: stops after `stopAt` lines when given.
   * Returns the complete prefix reached and the file size.
   */
  #scan(fd: number, from: Prefix, fileSize: number, stopAt = Infinity): Prefix {
    let size = from.size;
    let bytes = from.bytes;
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = from.bytes;
    while (pos < fileSize && size < stopAt) {
      const n = this.#ops.readSync(fd, buf, 0, Math.min(CHUNK, fileSize - pos), pos);
      if (n === 0) break;
      let i = buf.indexOf(NEWLINE, 0);
      while (i !== -1 && i < n) {
        size++;
        bytes = pos + i + 1;
        if (size >= stopAt) return { size, bytes };
        i = buf.indexOf(NEWLINE, i + 1);
      }
      pos += n;
    }
    return { size, bytes };
  }

  #tailOf(fd: number): { prefix: Prefix; fileSize: number } {
    const fileSize = this.#ops.fstatSync(fd).size;
    return { prefix: this.#scan(fd, this.#validHint(fd, fileSize), fileSize), fileSize };
  }

  async tail(): Promise<StoreTail> {
    const fd = this.#openEntries('r');
    if (fd === null) return { size: 0, tornBytes: 0 };
    try {
      const { prefix, fileSize } = this.#tailOf(fd);
      return { size: prefix.size, tornBytes: fileSize - prefix.bytes };
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  /** Byte offset where line `index` starts (or the end of the complete lines). */
  #offsetOf(fd: number, index: number): Prefix {
    const fileSize = this.#ops.fstatSync(fd).size;
    const hint = this.#validHint(fd, fileSize);
    return this.#scan(fd, hint.size <= index ? hint : { size: 0, bytes: 0 }, fileSize, index);
  }

  async *readLines(from = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(from) || from < 0) throw new LedgerError('STORE_CONTRACT', `readLines from ${from}`);
    const fd = this.#openEntries('r');
    if (fd === null) return;
    try {
      const start = from === 0 ? { size: 0, bytes: 0 } : this.#offsetOf(fd, from);
      if (start.size < from) return;
      let pos = start.bytes;
      let carry: Buffer | null = null;
      for (;;) {
        // A fresh buffer per chunk: yielded lines are views into it and must stay valid.
        const buf = Buffer.allocUnsafe(CHUNK);
        const n = await this.#ops.read(fd, buf, 0, CHUNK, pos);
        if (n === 0) break;
        pos += n;
        let begin = 0;
        let i = buf.indexOf(NEWLINE, 0);
        while (i !== -1 && i < n) {
          if (carry !== null) {
            yield Buffer.concat([carry, buf.subarray(0, i)]);
            carry = null;
          } else {
            yield buf.subarray(begin, i);
          }
          begin = i + 1;
          i = buf.indexOf(NEWLINE, begin);
        }
        // Bytes after the last newline: the start of the next line, or a torn tail never yielded.
        if (begin < n) carry = carry === null ? Buffer.from(buf.subarray(begin, n)) : Buffer.concat([carry, buf.subarray(begin, n)]);
      }
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  async lastLine(): Promise<Uint8Array | null> {
    const fd = this.#openEntries('r');
    if (fd === null) return null;
    try {
      const { prefix } = this.#tailOf(fd);
      if (prefix.size === 0) return null;
      // The complete prefix ends with a newline at prefix.bytes - 1: find the one before it.
      const end = prefix.bytes - 1;
      let start = end;
      const block = Buffer.allocUnsafe(MAX_LINE_BYTES + 1);
      for (;;) {
        const from = Math.max(0, start - block.byteLength);
        const n = this.#ops.readSync(fd, block, 0, start - from, from);
        const nl = block.subarray(0, n).lastIndexOf(NEWLINE);
        if (nl !== -1) {
          start = from + nl + 1;
          break;
        }
        start = from;
        if (from === 0) break;
      }
      const line = Buffer.allocUnsafe(end - start);
      this.#ops.readSync(fd, line, 0, line.byteLength, start);
      return line;
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  async append(lines: readonly Uint8Array[]): Promise<void> {
    this.#requireLiveLock('append');
    const buf = lineBytes(lines);
    if (lines.length === 0) return;
    const total = buf.byteLength;
    const created = this.#ops.mtimeMs(this.#path(LEDGER_FILES.entries)) === null;
    const fd = this.#openEntries('a+');
    if (fd === null) throw new LedgerError('IO', `cannot open ${LEDGER_FILES.entries} in ${this.location}`);
    let before: { prefix: Prefix; fileSize: number };
    try {
      before = this.#tailOf(fd);
      if (before.fileSize !== before.prefix.bytes) {
        throw new LedgerError('STORE_CONTRACT', `append over a torn tail of ${before.fileSize - before.prefix.bytes} bytes in ${this.location}`);
      }
      // One write for the whole batch (O_APPEND). A crash in here leaves a prefix of `buf`,
      // beyond the latest checkpoint: recovery removes it, nothing committed is touched.
      let written = 0;
      try {
        while (written < total) written += this.#ops.writeSync(fd, buf, written, total - written, null);
        this.#ops.fsyncSync(fd);
      } catch (err) {
        // Best effort: take the partial batch back out now; recovery would anyway.
        try {
          this.#ops.ftruncateSync(fd, before.fileSize);
          this.#ops.fsyncSync(fd);
        } catch {
          // Left for recovery: the bytes are beyond the latest checkpoint.
        }
        throw ioError(`appending ${lines.length} line(s) to ${LEDGER_FILES.entries}`, err);
      }
    } finally {
      this.#ops.closeSync(fd);
    }
    // The new file's directory entry must be durable before the commit point refers to it.
    if (created) this.#fsyncDir(this.location);
    this.#writeCache(LEDGER_FILES.tailHint, JSON.stringify({ size: before.prefix.size + lines.length, bytes: before.fileSize + total }));
    return;
  }

  async truncate(size: number): Promise<number> {
    this.#requireLiveLock('truncate');
    if (!Number.isSafeInteger(size) || size < 0) throw new LedgerError('STORE_CONTRACT', `truncate to ${size}`);
    const latest = this.#latestHistorySize();
    if (latest !== null && size < latest) throw new LedgerError('STORE_CONTRACT', `truncate to ${size} below the checkpoint at size ${latest}`);
    const fd = this.#openEntries('r+');
    if (fd === null) return 0;
    try {
      const fileSize = this.#ops.fstatSync(fd).size;
      const target = this.#offsetOf(fd, size);
      if (target.size < size) throw new LedgerError('STORE_CONTRACT', `truncate to ${size} lines but only ${target.size} exist`);
      // The hint must never claim bytes that are about to go: write the target first (durably),
      // so it describes a complete prefix both before and after the truncation. Written even
      // when nothing is cut: it also replaces a hint that miscounted the lines.
      this.#writeFile(LEDGER_FILES.tailHint, Buffer.from(JSON.stringify(target)), true);
      if (target.bytes === fileSize) return 0;
      try {
        this.#ops.ftruncateSync(fd, target.bytes);
        this.#ops.fsyncSync(fd);
      } catch (err) {
        throw ioError(`truncating ${LEDGER_FILES.entries}`, err);
      }
      return fileSize - target.bytes;
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  // ---- checkpoints ----

  async readCheckpoint(): Promise<string | null> {
    const buf = this.#ops.readFileOrNull(this.#path(LEDGER_FILES.checkpoint));
    return buf === null ? null : buf.toString('utf8');
  }

  /** Tree size named by the pointer (second line of the note), without checking its signature. */
  #pointerSize(): number | null {
    const buf = this.#ops.readFileOrNull(this.#path(LEDGER_FILES.checkpoint));
    if (buf === null) return null;
    const size = buf.toString('utf8').split('\n')[1];
    return size !== undefined && CHECKPOINT_NAME.test(size) ? Number(size) : null;
  }

  #latestHistorySize(): number | null {
    const sizes = this.#historySizes();
    return sizes.length === 0 ? null : sizes[sizes.length - 1]!;
  }

  #historySizes(): number[] {
    let names: string[];
    try {
      names = this.#ops.readdirSync(this.#path(LEDGER_FILES.checkpoints));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw ioError(`listing ${LEDGER_FILES.checkpoints}`, err);
    }
    return names.filter((n) => CHECKPOINT_NAME.test(n)).map(Number).sort((a, b) => a - b);
  }

  /**
   * The history file a checkpoint of `size` goes to, its bytes, and what is there already: a
   * checkpoint never moves the committed size back, and one at a size never changes.
   */
  #checkpointToWrite(size: number, text: string): { readonly name: string; readonly bytes: Buffer; readonly existing: Buffer | null } {
    const latest = this.#pointerSize();
    if (latest !== null && size < latest) throw new LedgerError('STORE_CONTRACT', `checkpoint size ${size} is smaller than the committed ${latest}`);
    const name = join(LEDGER_FILES.checkpoints, String(size));
    const bytes = Buffer.from(text, 'utf8');
    const existing = this.#ops.readFileOrNull(this.#path(name));
    if (existing !== null && !existing.equals(bytes)) throw new LedgerError('STORE_CONTRACT', `checkpoint at size ${size} already exists with different content`);
    return { name, bytes, existing };
  }

  async writeCheckpoint(size: number, text: string): Promise<void> {
    this.#requireLiveLock('writeCheckpoint');
    const { size: lines, tornBytes } = await this.tail();
    if (size !== lines || tornBytes !== 0) throw new LedgerError('STORE_CONTRACT', `checkpoint for size ${size} over ${lines} complete lines (${tornBytes} torn bytes)`);
    const { name, bytes, existing } = this.#checkpointToWrite(size, text);
    // Step 3, the commit point: durable once the rename and the directory fsync are.
    if (existing === null) this.#writeFile(name, bytes, true);
    // Step 4: the pointer. Its content is fsynced before the rename (never a torn pointer) but
    // the directory is not: after a power loss the rename may be lost and the pointer one
    // behind, which recovery catches up from the history, as after a crash before this step.
    this.#writeFile(LEDGER_FILES.checkpoint, bytes, 'content');
  }

  /**
   * Steps 2 to 4 of an append with their fsyncs overlapped. The lines, the content of
   * checkpoints/<N> and the content of the pointer are written, then fsynced all at once (the
   * journal commits them together: one fsync's latency instead of three in turn); only when
   * every one of them is durable is checkpoints/<N> renamed into place and its directory
   * fsynced (the commit point), and then the pointer renamed. What becomes durable before what
   * is unchanged from append + writeCheckpoint: the lines before the history names them, the
   * history before the pointer. A crash before the rename leaves uncommitted lines (and temp
   * files removed at the next lock); a failure before it takes the lines back out, best effort.
   */
  async commitAppend(lines: readonly Uint8Array[], size: number, text: string): Promise<void> {
    this.#requireLiveLock('commitAppend');
    const buf = lineBytes(lines);
    if (lines.length === 0) return this.writeCheckpoint(size, text);
    const { name, bytes, existing } = this.#checkpointToWrite(size, text);
    const created = this.#ops.mtimeMs(this.#path(LEDGER_FILES.entries)) === null;
    const fd = this.#openEntries('a+');
    if (fd === null) throw new LedgerError('IO', `cannot open ${LEDGER_FILES.entries} in ${this.location}`);
    const temps: { readonly fd: number; readonly tmp: string }[] = [];
    let dirFd: number | null = null;
    let history: string | null = null;
    let pointer: string;
    let before: { prefix: Prefix; fileSize: number };
    try {
      before = this.#tailOf(fd);
      if (before.fileSize !== before.prefix.bytes) {
        throw new LedgerError('STORE_CONTRACT', `append over a torn tail of ${before.fileSize - before.prefix.bytes} bytes in ${this.location}`);
      }
      if (size !== before.prefix.size + lines.length) {
        throw new LedgerError('STORE_CONTRACT', `checkpoint for size ${size} over ${before.prefix.size + lines.length} complete lines`);
      }
      try {
        // One write for the whole batch (O_APPEND), as in append().
        let written = 0;
        while (written < buf.byteLength) written += this.#ops.writeSync(fd, buf, written, buf.byteLength - written, null);
        if (existing === null) {
          temps.push(this.#writeTemp(bytes, 0o644));
          history = temps[0]!.tmp;
        }
        temps.push(this.#writeTemp(bytes, 0o644));
        pointer = temps.at(-1)!.tmp;
        // A new entries.jsonl: its name must be durable before the commit point refers to it.
        if (created) dirFd = this.#ops.openSync(this.location, 'r');
        const fds = [fd, ...temps.map((t) => t.fd), ...(dirFd === null ? [] : [dirFd])];
        // Settled, not raced: no descriptor is closed while an fsync on it is in flight.
        const synced = await Promise.allSettled(fds.map(async (f) => this.#ops.fsync(f)));
        const failed = synced.find((r) => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      } catch (err) {
        // Best effort: take the lines back out now; recovery would anyway (beyond the checkpoint).
        try {
          this.#ops.ftruncateSync(fd, before.fileSize);
          this.#ops.fsyncSync(fd);
        } catch {
          // Left for recovery.
        }
        for (const t of temps) this.#unlinkQuietly(t.tmp);
        throw ioError(`appending ${lines.length} line(s) and checkpoint ${size} in ${this.location}`, err);
      }
    } finally {
      this.#ops.closeSync(fd);
      for (const t of temps) this.#closeQuietly(t.fd);
      if (dirFd !== null) this.#closeQuietly(dirFd);
    }
    try {
      // Step 3, the commit point: durable once the rename and the directory fsync are.
      if (history !== null) {
        this.#ops.renameSync(history, this.#path(name));
        history = null;
        await this.#fsyncDirAsync(this.#path(LEDGER_FILES.checkpoints));
      }
      // Step 4: the pointer, its content already durable; the directory is not fsynced (see writeCheckpoint).
      this.#ops.renameSync(pointer, this.#path(LEDGER_FILES.checkpoint));
    } catch (err) {
      if (history !== null) this.#unlinkQuietly(history);
      this.#unlinkQuietly(pointer);
      throw ioError(`committing checkpoint ${size} in ${this.location}`, err);
    }
    this.#writeCache(LEDGER_FILES.tailHint, JSON.stringify({ size, bytes: before.fileSize + buf.byteLength }));
  }

  async listCheckpoints(): Promise<number[]> {
    return this.#historySizes();
  }

  async listForeignCheckpointNames(): Promise<string[]> {
    let names: string[];
    try {
      names = this.#ops.readdirSync(this.#path(LEDGER_FILES.checkpoints));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw ioError(`listing ${LEDGER_FILES.checkpoints}`, err);
    }
    return names.filter((n) => !CHECKPOINT_NAME.test(n) || !Number.isSafeInteger(Number(n))).sort();
  }

  async addCheckpointSignatures(size: number, text: string): Promise<void> {
    this.#requireLiveLock('addCheckpointSignatures');
    const latest = this.#latestHistorySize();
    if (latest === null || size !== latest) throw new LedgerError('STORE_CONTRACT', `cosigning checkpoint ${size}, which is not the latest (${latest ?? 'none'}) in ${this.location}`);
    const name = join(LEDGER_FILES.checkpoints, String(size));
    const old = this.#ops.readFileOrNull(this.#path(name));
    if (old === null) throw new LedgerError('STORE_CONTRACT', `no ${name} to cosign in ${this.location}`);
    const oldText = old.toString('utf8');
    // Only signature lines may be added: the body and the log's signature are never rewritten.
    if (!text.startsWith(oldText) || !SIGNATURE_LINES.test(text.slice(oldText.length))) {
      throw new LedgerError('STORE_CONTRACT', `cosigning ${name} with a text that is not the stored one plus signature lines`);
    }
    const bytes = Buffer.from(text, 'utf8');
    this.#writeFile(name, bytes, true);
    if (this.#pointerSize() === size) this.#writeFile(LEDGER_FILES.checkpoint, bytes, 'content');
  }

  async readCheckpointAt(size: number): Promise<string | null> {
    if (!Number.isSafeInteger(size) || size < 0) return null;
    const buf = this.#ops.readFileOrNull(this.#path(join(LEDGER_FILES.checkpoints, String(size))));
    return buf === null ? null : buf.toString('utf8');
  }

  // ---- caches ----

  async readTreeState(): Promise<string | null> {
    const buf = this.#ops.readFileOrNull(this.#path(LEDGER_FILES.treeState));
    return buf === null ? null : buf.toString('utf8');
  }

  async writeTreeState(text: string): Promise<void> {
    this.#requireLock('writeTreeState');
    this.#writeCache(LEDGER_FILES.treeState, text);
    return;
  }

  /**
   * Caches are best effort: a failure to refresh one leaves a stale copy that readers detect.
   * The old copy is removed before the new one is renamed into place: ext4 (auto_da_alloc)
   * flushes a file renamed over an existing one, which cost about 3 ms per cache per append
   * right after the commit's fsyncs (0.15 ms onto a free name). A crash in between leaves no
   * cache, which readers treat as a missing one.
   */
  #writeCache(name: string, text: string): void {
    try {
      this.#unlinkQuietly(this.#path(name));
      this.#writeFile(name, Buffer.from(text, 'utf8'), false);
    } catch {
      try {
        this.#ops.unlinkSync(this.#path(name));
      } catch {
        // A stale cache is validated by its readers; nothing more to do.
      }
    }
  }

  // ---- subjects side store ----

  /** Complete newline-terminated records of a JSONL side file; a torn last record is ignored. */
  #readJsonl<T>(name: string, parse: (line: string) => T | null, hint: string): T[] {
    const buf = this.#ops.readFileOrNull(this.#path(name));
    if (buf === null) return [];
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n');
    const out: T[] = [];
    // Attacker-controlled file content: every record is parsed defensively. A torn last record
    // (after the last newline) belongs to an interrupted append and is ignored.
    text.slice(0, end + 1).split('\n').forEach((line, i) => {
      if (line === '') return;
      const r = parse(line);
      if (r === null) throw new LedgerError('IO', `malformed record on line ${i + 1} of ${name}`, { hint });
      out.push(r);
    });
    return out;
  }

  #rawSubjects(): SubjectRecord[] {
    return this.#readJsonl(LEDGER_FILES.subjects, parseSubjectRecord, 'restore subjects.jsonl from a backup');
  }

  #keyring(): WrappedSubjectKey[] {
    return this.#readJsonl(LEDGER_FILES.subjectKeys, parseWrappedKey, `restore ${LEDGER_FILES.subjectKeys} from a backup`);
  }

  async readSubjects(): Promise<SubjectRecord[]> {
    return this.#vault.open(this.#rawSubjects(), this.#keyring());
  }

  async subjectsAtRest(): Promise<SubjectsAtRest> {
    return this.#vault.atRest(this.#rawSubjects(), this.#keyring());
  }

  async appendSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLiveLock('appendSubjects');
    if (records.length === 0) return;
    const sealed = this.#vault.sealAppend(records, this.#keyring());
    // Keys before the records they open (subject-keys.ts).
    if (sealed.replaceKeyring) this.#writeFile(LEDGER_FILES.subjectKeys, jsonl(sealed.keys.map(formatWrappedKey)), true, 0o600);
    else this.#appendJsonl(LEDGER_FILES.subjectKeys, sealed.keys.map(formatWrappedKey));
    this.#appendJsonl(LEDGER_FILES.subjects, sealed.records.map(formatSubjectRecord));
    return;
  }

  /** Durably appends lines to a JSONL side file (mode 0600), cutting a torn last line first. */
  #appendJsonl(name: string, lines: readonly string[]): void {
    if (lines.length === 0) return;
    const path = this.#path(name);
    const created = this.#ops.mtimeMs(path) === null;
    const buf = jsonl(lines);
    let fd: number;
    try {
      fd = this.#ops.openSync(path, 'a+', 0o600);
    } catch (err) {
      throw ioError(`opening ${name}`, err);
    }
    try {
      const size = this.#ops.fstatSync(fd).size;
      if (size > 0) {
        // A torn record from an interrupted append would glue onto ours: cut it first.
        const tailStart = Math.max(0, size - CHUNK);
        const tail = Buffer.allocUnsafe(size - tailStart);
        this.#ops.readSync(fd, tail, 0, tail.byteLength, tailStart);
        if (tail[tail.byteLength - 1] !== NEWLINE) {
          const nl = tail.lastIndexOf(NEWLINE);
          this.#ops.ftruncateSync(fd, nl === -1 ? tailStart : tailStart + nl + 1);
        }
      }
      let written = 0;
      while (written < buf.byteLength) written += this.#ops.writeSync(fd, buf, written, buf.byteLength - written, null);
      this.#ops.fsyncSync(fd);
    } catch (err) {
      throw ioError(`appending to ${name}`, err);
    } finally {
      this.#ops.closeSync(fd);
    }
    if (created) this.#fsyncDir(this.location);
  }

  async rewriteSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLiveLock('rewriteSubjects');
    const keyring = this.#keyring();
    const sealed = this.#vault.sealRewrite(records, keyring);
    // Atomic replaces, keyring first: the keys of erased openings are destroyed before their
    // lines are rewritten, and new keys are durable before the lines they open. A crash between
    // leaves unopenable lines (shown [erased]) or orphan keys (pruned by the next rewrite).
    if (keyring.length > 0 || sealed.keyring.length > 0) this.#writeFile(LEDGER_FILES.subjectKeys, jsonl(sealed.keyring.map(formatWrappedKey)), true, 0o600);
    this.#writeFile(LEDGER_FILES.subjects, jsonl(sealed.records.map(formatSubjectRecord)), true, 0o600);
    return;
  }

  // ---- primitives ----

  /** Write temp + (fsync) + rename + (fsync dir): after a crash the file is old or new, never a mix. */
  /**
   * Write temp + rename. `true`: fsync the content and the directory (durable when it returns);
   * `'content'`: fsync the content only (atomic, but the rename may be lost on power loss);
   * `false`: no fsync (caches).
   */
  #writeFile(name: string, bytes: Uint8Array, durable: boolean | 'content', mode = 0o644): void {
    const target = this.#path(name);
    // Temporary files live in the ledger root, never in checkpoints/ (which is never listed on
    // the append path); rename moves them into place within one file system.
    const tmp = join(this.location, `.tmp-${process.pid}-${++this.#tmpCounter}`);
    let fd: number | null = null;
    try {
      fd = this.#ops.openSync(tmp, 'w', mode);
      let written = 0;
      while (written < bytes.byteLength) written += this.#ops.writeSync(fd, bytes, written, bytes.byteLength - written, null);
      if (durable !== false) this.#ops.fsyncSync(fd);
      this.#ops.closeSync(fd);
      fd = null;
      this.#ops.renameSync(tmp, target);
    } catch (err) {
      if (fd !== null) {
        try {
          this.#ops.closeSync(fd);
        } catch {
          // Already failing; the temp file is removed below or at the next lock.
        }
      }
      try {
        this.#ops.unlinkSync(tmp);
      } catch {
        // Removed at the next lock() otherwise.
      }
      throw ioError(`writing ${name}`, err);
    }
    if (durable === true) this.#fsyncDir(join(target, '..'));
  }

  /** Opens a new temp file in the ledger root and writes `bytes` to it (no fsync, left open). */
  #writeTemp(bytes: Uint8Array, mode: number): { readonly fd: number; readonly tmp: string } {
    const tmp = join(this.location, `.tmp-${process.pid}-${++this.#tmpCounter}`);
    const fd = this.#ops.openSync(tmp, 'w', mode);
    try {
      let written = 0;
      while (written < bytes.byteLength) written += this.#ops.writeSync(fd, bytes, written, bytes.byteLength - written, null);
    } catch (err) {
      this.#closeQuietly(fd);
      this.#unlinkQuietly(tmp);
      throw err;
    }
    return { fd, tmp };
  }

  #closeQuietly(fd: number): void {
    try {
      this.#ops.closeSync(fd);
    } catch {
      // Already failing, or nothing to do: the descriptor is gone either way.
    }
  }

  #unlinkQuietly(path: string): void {
    try {
      this.#ops.unlinkSync(path);
    } catch {
      // Temp files are removed at the next lock() otherwise.
    }
  }

  #openDir(dir: string): number {
    try {
      return this.#ops.openSync(dir, 'r');
    } catch (err) {
      throw ioError(`opening directory ${dir}`, err);
    }
  }

  async #fsyncDirAsync(dir: string): Promise<void> {
    const fd = this.#openDir(dir);
    try {
      await this.#ops.fsync(fd);
    } catch (err) {
      throw ioError(`fsync of directory ${dir}`, err);
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  #fsyncDir(dir: string): void {
    const fd = this.#openDir(dir);
    try {
      this.#ops.fsyncSync(fd);
    } catch (err) {
      throw ioError(`fsync of directory ${dir}`, err);
    } finally {
      this.#ops.closeSync(fd);
    }
  }

  /** Temp files of writers that crashed before their rename (only called under the lock). */
  #removeTempFiles(): void {
    let names: string[];
    try {
      names = this.#ops.readdirSync(this.location);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith('.tmp-')) {
        try {
          this.#ops.unlinkSync(join(this.location, n));
        } catch {
          // Harmless leftover.
        }
      }
    }
  }
}
