// The durable local spool (DESIGN.md §2, docs/spool.md): every capture record is numbered and
// fsync'd here before a hook returns, and `trailmark record push` replays it to the collector.
//
// On disk, under homePaths(home).spool:
//   seg-<first seq, 12 digits>.jsonl  append-only segments; one canonical JSON SpoolRecord per
//                                     line (schema trailmark.spool/v1), seqs contiguous across
//                                     segments from 1
//   append.lock                       the cross-process append lock (ledger/store/lock-file.ts)
//   cursor.json                       per collector, the highest seq it acknowledged
//   receipts.jsonl                    the collector's signed receipts (push.ts)
//
// Append, under the lock: read the last complete line's seq, cut away a torn tail, write the
// new lines at the end, fsync the file (and the directory when the segment is new), unlock.
// Crash consistency: a process killed mid-append leaves a prefix of its lines, the last one
// possibly torn (no final newline). The next open or append cuts the torn line away. Its append
// never returned, so no acknowledged record is lost and no seq is skipped: the cut record's seq
// is given to the next record. Complete lines of an append that did not return are kept (they
// are whole, numbered and contiguous); a retry by the hook adds them again under new seqs, and
// the collector reports the repeated ids as duplicates.
import { closeSync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TrailmarkError, printable } from '../core/errors.js';
import { canonicalize } from '../ledger/canonical.js';
import { LockFile } from '../ledger/store/lock-file.js';
import { nodeFileOps } from '../ledger/store/file-ops.js';
import { deviceId, fsyncDir } from './device.js';
import { homePaths } from './paths.js';
import { SPOOL_RECORD_SCHEMA, type SpoolDraft, type SpoolRecord, type SpoolWriter } from './types.js';

export type SpoolCode = 'SPOOL_CORRUPT' | 'SPOOL_BAD_DRAFT' | 'SPOOL_IO' | 'SPOOL_CURSOR' | 'SPOOL_LOCKED';
export class SpoolError extends TrailmarkError<SpoolCode> {}

/** Segments rotate once they pass this size (a batch is never split across segments). */
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
export const CURSOR_SCHEMA = 'trailmark.spool-cursor/v1';
/** The cursor key used when a caller names no collector. */
export const DEFAULT_CURSOR = 'default';

const SEGMENT_NAME = /^seg-(\d{12})\.jsonl$/;
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const MAX_ID_LENGTH = 200;
const NL = 0x0a;

export interface SpoolStats {
  /** Records held locally (acknowledged ones included, until pruned). */
  readonly count: number;
  /** The highest seq written, 0 when empty. */
  readonly lastSeq: number;
  /** The cursor of the collector asked about (or the lowest of all cursors). */
  readonly cursor: number;
  /** Records after that cursor. */
  readonly pending: number;
  readonly segments: number;
}

export interface Spool extends SpoolWriter {
  readonly device: string;
  readonly dir: string;
  /** Records with seq > afterSeq, ascending, at most `limit`. Ignores a line still being written. */
  read(afterSeq: number, limit: number): Promise<readonly SpoolRecord[]>;
  /** The highest seq `collector` acknowledged (0 when none). */
  cursor(collector?: string): number;
  /** All collectors' cursors. */
  cursors(): Readonly<Record<string, number>>;
  /** Moves a cursor forward (never back), atomically (tmp + fsync + rename + dir fsync). */
  advance(seq: number, collector?: string): Promise<void>;
  stats(collector?: string): Promise<SpoolStats>;
  /**
   * Removes segments every known collector acknowledged whose file is older than `olderThanDays`.
   * Nothing calls it by default: the spool is local evidence. Returns the removed file names.
   */
  prune(options: { readonly olderThanDays: number; readonly now?: number }): Promise<readonly string[]>;
}

export interface SpoolOptions {
  readonly segmentBytes?: number;
  /** How long an append waits for the lock held by another live process. Default 60 s. */
  readonly lockWaitMs?: number;
}

const segmentName = (first: number) => `seg-${String(first).padStart(12, '0')}.jsonl`;

interface Segment {
  readonly name: string;
  readonly first: number;
}

function listSegments(dir: string): Segment[] {
  const out: Segment[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) out.push({ name, first: Number(m[1]) });
  }
  return out.sort((a, b) => a.first - b.first);
}

function corrupt(file: string, line: number, what: string): SpoolError {
  return new SpoolError('SPOOL_CORRUPT', `spool file ${file} line ${line}: ${what}`, {
    hint: 'the spool was changed by something other than trailmark; keep a copy of the file and repair or move that line by hand (records are never skipped silently)',
  });
}

/** Parses one complete line of a segment; `expected` is the seq its position gives it. */
function parseLine(file: string, lineNo: number, text: string, expected: number): SpoolRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw corrupt(file, lineNo, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(file, lineNo, 'not a JSON object');
  const r = v as Partial<Record<keyof SpoolRecord, unknown>>;
  if (r.schema !== SPOOL_RECORD_SCHEMA) throw corrupt(file, lineNo, `schema is ${printable(String(r.schema))}, expected ${SPOOL_RECORD_SCHEMA}`);
  if (r.seq !== expected) throw corrupt(file, lineNo, `seq is ${printable(String(r.seq))}, expected ${expected} (seqs are contiguous)`);
  if (typeof r.id !== 'string' || typeof r.device !== 'string' || typeof r.time !== 'string') throw corrupt(file, lineNo, 'id, device or time is missing');
  if (r.stage !== 'edit' && r.stage !== 'commit') throw corrupt(file, lineNo, `stage is ${printable(String(r.stage))}`);
  if (typeof r.trace !== 'object' || r.trace === null || Array.isArray(r.trace)) throw corrupt(file, lineNo, 'trace is not an object');
  return v as SpoolRecord;
}

function checkDraft(d: SpoolDraft, index: number): void {
  const where = `spool draft ${index}`;
  const bad = (what: string) => new SpoolError('SPOOL_BAD_DRAFT', `${where}: ${what}`, { hint: 'this is a bug in the capture command; the record was not spooled' });
  if (typeof d.id !== 'string' || d.id === '' || d.id.length > MAX_ID_LENGTH) throw bad(`id ${printable(String(d.id))} is not a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  if (typeof d.time !== 'string' || d.time === '') throw bad('time is missing');
  if (d.stage !== 'edit' && d.stage !== 'commit') throw bad(`stage ${printable(String(d.stage))} is not edit or commit`);
  if (d.repository !== undefined && (typeof d.repository !== 'string' || !REPOSITORY.test(d.repository))) throw bad(`repository ${printable(String(d.repository))} is not OWNER/NAME`);
  if (typeof d.trace !== 'object' || d.trace === null || Array.isArray(d.trace)) throw bad('trace is not a JSON object');
}

/** Reads bytes [start, end) of an open file. */
function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start);
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

/**
 * The tail of a segment: where its complete lines end (`end`, just past the last newline) and the
 * last complete line's text (null when there is none). Reads backwards in growing windows.
 */
function tail(fd: number, size: number): { end: number; last: string | null } {
  let window = 64 * 1024;
  for (;;) {
    const start = Math.max(0, size - window);
    const buf = readRange(fd, start, size);
    const lastNl = buf.lastIndexOf(NL);
    if (lastNl >= 0) {
      const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(NL, lastNl - 1);
      if (prevNl >= 0 || start === 0) {
        return { end: start + lastNl + 1, last: buf.subarray(prevNl + 1, lastNl).toString('utf8') };
      }
    } else if (start === 0) {
      return { end: 0, last: null };
    }
    window *= 2;
  }
}

/** 1-based number of the line that starts at byte `offset` (counted only when reporting an error). */
function lineNumberAt(path: string, offset: number): number {
  const buf = readFileSync(path).subarray(0, offset);
  let n = 1;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

class FileSpool implements Spool {
  readonly device: string;
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #lockWaitMs: number | undefined;

  constructor(dir: string, device: string, options: SpoolOptions) {
    this.dir = dir;
    this.device = device;
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#lockWaitMs = options.lockWaitMs;
  }

  async #locked<T>(fn: () => T): Promise<T> {
    const lock = new LockFile(nodeFileOps, join(this.dir, 'append.lock'), this.#lockWaitMs === undefined ? {} : { waitMs: this.#lockWaitMs });
    try {
      await lock.acquire();
    } catch (err) {
      if (err instanceof TrailmarkError && err.code === 'LOCKED') {
        throw new SpoolError('SPOOL_LOCKED', `the spool ${this.dir} is locked by another process`, { cause: err, hint: 'another trailmark hook is appending; if no trailmark process is running, remove append.lock' });
      }
      throw err;
    }
    try {
      return fn();
    } finally {
      lock.release();
    }
  }

  /**
   * Under the lock: the last segment (created when there is none), its size after a torn tail is
   * cut away, and the last seq written.
   */
  #repairTail(): { segment: Segment; size: number; lastSeq: number } {
    const segments = listSegments(this.dir);
    let segment = segments.at(-1);
    if (segment === undefined) {
      segment = { name: segmentName(1), first: 1 };
      closeSync(openSync(join(this.dir, segment.name), 'wx', 0o600));
      fsyncDir(this.dir);
      return { segment, size: 0, lastSeq: 0 };
    }
    const path = join(this.dir, segment.name);
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const { end, last } = tail(fd, size);
      if (end !== size) {
        // A torn line: its append never returned, so it was never acknowledged.
        ftruncateSync(fd, end);
        fsyncSync(fd);
      }
      if (last === null) return { segment, size: end, lastSeq: segment.first - 1 };
      let lastSeq: unknown;
      try {
        lastSeq = (JSON.parse(last) as { seq?: unknown } | null)?.seq;
      } catch {
        lastSeq = undefined;
      }
      if (typeof lastSeq !== 'number' || !Number.isSafeInteger(lastSeq) || lastSeq < segment.first) {
        throw corrupt(path, lineNumberAt(path, end - Buffer.byteLength(last) - 1), 'the last line has no valid seq');
      }
      return { segment, size: end, lastSeq };
    } finally {
      closeSync(fd);
    }
  }

  /** Cuts a torn tail away (used at open). */
  async repair(): Promise<void> {
    await this.#locked(() => void this.#repairTail());
  }

  async append(drafts: readonly SpoolDraft[]): Promise<readonly SpoolRecord[]> {
    drafts.forEach(checkDraft);
    if (drafts.length === 0) return [];
    return this.#locked(() => {
      const { segment, size, lastSeq } = this.#repairTail();
      const records: SpoolRecord[] = drafts.map((d, i) => ({
        ...d,
        schema: SPOOL_RECORD_SCHEMA,
        device: this.device,
        seq: lastSeq + 1 + i,
      }));
      const bytes = Buffer.from(records.map((r) => `${canonicalize(r)}\n`).join(''), 'utf8');
      const rotate = size > 0 && size + bytes.length > this.#segmentBytes;
      const target = rotate ? { name: segmentName(lastSeq + 1), first: lastSeq + 1 } : segment;
      const path = join(this.dir, target.name);
      const fd = openSync(path, rotate ? 'wx' : 'r+', 0o600);
      const at = rotate ? 0 : size;
      try {
        try {
          writeAll(fd, bytes, at);
          fsyncSync(fd);
        } catch (err) {
          // Best effort: leave no partial lines behind (the next append would cut them anyway).
          try {
            ftruncateSync(fd, at);
          } catch {
            // The torn tail is cut at the next open or append.
          }
          throw new SpoolError('SPOOL_IO', `cannot append to ${path}`, { cause: err, hint: 'check free disk space and the permissions of TRAILMARK_HOME' });
        }
      } finally {
        closeSync(fd);
      }
      if (rotate) fsyncDir(this.dir);
      return records;
    });
  }

  async read(afterSeq: number, limit: number): Promise<readonly SpoolRecord[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new SpoolError('SPOOL_CURSOR', `read after seq ${afterSeq}: not a non-negative integer`);
    await Promise.resolve();
    const out: SpoolRecord[] = [];
    const segments = listSegments(this.dir);
    for (let i = 0; i < segments.length && out.length < limit; i++) {
      const seg = segments[i]!;
      const next = segments[i + 1];
      if (next !== undefined && next.first <= afterSeq + 1) continue;
      const path = join(this.dir, seg.name);
      const buf = readFileSync(path);
      let lineStart = 0;
      let seq = seg.first;
      let lineNo = 1;
      for (let nl = buf.indexOf(NL); nl >= 0 && out.length < limit; nl = buf.indexOf(NL, lineStart)) {
        if (seq > afterSeq) out.push(parseLine(path, lineNo, buf.subarray(lineStart, nl).toString('utf8'), seq));
        lineStart = nl + 1;
        seq++;
        lineNo++;
      }
      // An unterminated last line of the last segment is an append in progress (or a torn line
      // the next append cuts away); anywhere else it is damage.
      if (out.length < limit && lineStart < buf.length && next !== undefined) throw corrupt(path, lineNo, 'unterminated line before the end of the spool');
      if (out.length < limit && next !== undefined && next.first !== seq) {
        throw corrupt(join(this.dir, next.name), 1, `segment starts at seq ${next.first}, expected ${seq} (seqs are contiguous)`);
      }
    }
    return out;
  }

  #cursorPath(): string {
    return join(this.dir, 'cursor.json');
  }

  cursors(): Readonly<Record<string, number>> {
    const path = this.#cursorPath();
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SpoolError('SPOOL_IO', `cannot read ${path}`, { cause: err, hint: 'check the permissions of TRAILMARK_HOME' });
    }
    const bad = () => new SpoolError('SPOOL_CURSOR', `${path} is not a ${CURSOR_SCHEMA} document`, { hint: `move ${path} away: the next push resends everything and the collector reports duplicates` });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw bad();
    }
    const d = doc as { schema?: unknown; cursors?: unknown } | null;
    if (d?.schema !== CURSOR_SCHEMA || typeof d.cursors !== 'object' || d.cursors === null) throw bad();
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(d.cursors)) {
      if (!Number.isSafeInteger(v) || (v as number) < 0) throw bad();
      out[k] = v as number;
    }
    return out;
  }

  cursor(collector: string = DEFAULT_CURSOR): number {
    return this.cursors()[collector] ?? 0;
  }

  async advance(seq: number, collector: string = DEFAULT_CURSOR): Promise<void> {
    await Promise.resolve();
    if (!Number.isSafeInteger(seq) || seq < 0) throw new SpoolError('SPOOL_CURSOR', `cannot advance the cursor to ${seq}: not a non-negative integer`);
    const all = { ...this.cursors() };
    const current = all[collector];
    if (current !== undefined && current >= seq) return;
    all[collector] = seq;
    const path = this.#cursorPath();
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, Buffer.from(`${canonicalize({ schema: CURSOR_SCHEMA, cursors: all })}\n`), 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDir(this.dir);
  }

  async stats(collector?: string): Promise<SpoolStats> {
    await Promise.resolve();
    const segments = listSegments(this.dir);
    const last = segments.at(-1);
    let lastSeq = 0;
    if (last !== undefined) {
      const fd = openSync(join(this.dir, last.name), 'r');
      try {
        const t = tail(fd, fstatSync(fd).size);
        lastSeq = last.first - 1;
        if (t.last !== null) {
          let seq: unknown;
          try {
            seq = (JSON.parse(t.last) as { seq?: unknown } | null)?.seq;
          } catch {
            seq = undefined;
          }
          const path = join(this.dir, last.name);
          if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) throw corrupt(path, lineNumberAt(path, t.end - Buffer.byteLength(t.last) - 1), 'the last line has no valid seq');
          lastSeq = seq;
        }
      } finally {
        closeSync(fd);
      }
    }
    const all = Object.values(this.cursors());
    const cursor = collector !== undefined ? this.cursor(collector) : all.length === 0 ? 0 : Math.min(...all);
    const first = segments[0]?.first ?? 1;
    return { count: Math.max(0, lastSeq - first + 1), lastSeq, cursor, pending: Math.max(0, lastSeq - cursor), segments: segments.length };
  }

  async prune(options: { readonly olderThanDays: number; readonly now?: number }): Promise<readonly string[]> {
    const all = Object.values(this.cursors());
    if (all.length === 0) return [];
    const acknowledged = Math.min(...all);
    const cutoff = (options.now ?? Date.now()) - options.olderThanDays * 86_400_000;
    return this.#locked(() => {
      const segments = listSegments(this.dir);
      const removed: string[] = [];
      // The last segment is never removed: it carries the last seq the next append continues from.
      for (let i = 0; i + 1 < segments.length; i++) {
        const seg = segments[i]!;
        const lastOfSeg = segments[i + 1]!.first - 1;
        const path = join(this.dir, seg.name);
        if (lastOfSeg <= acknowledged && statSync(path).mtimeMs < cutoff) {
          unlinkSync(path);
          removed.push(seg.name);
        } else {
          break;
        }
      }
      if (removed.length > 0) fsyncDir(this.dir);
      return removed;
    });
  }
}

/** Opens (creating) the spool of `home`, cutting away a torn last line left by a crash. */
export async function openSpool(home: string, options: SpoolOptions = {}): Promise<Spool> {
  const dir = homePaths(home).spool;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const spool = new FileSpool(dir, deviceId(home), options);
  await spool.repair();
  return spool;
}
