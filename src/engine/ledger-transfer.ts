// `trailmark ledger export` / `import`: move one ledger log between stores (the directory store
// and PostgreSQL) byte for byte, through a single portable file, so that the same verifier
// checks both. The engine works on LedgerStore objects and byte streams only; the CLI opens the
// stores and the files.
//
// The export file (docs/ledger-format.md, "Moving a log between stores"), newline-terminated lines:
//   1. header  {"format":"trailmark-ledger-export","version":1,"entries":N,"checkpoints":[sizes…],"subjects":M,"treeState":bool}
//   2. M subject records, exactly as the lines of subjects.jsonl
//   3. the N entry lines, the exact bytes of entries.jsonl line for line, with one
//      {"size":S,"text":"…"} record of the checkpoint history right after the S-th entry line
//      (the header's sizes say where: the file is read without guessing)
//   4. {"treeState":"…"} when the header says so (a cache; carried so that nothing differs)
//   5. trailer {"end":"trailmark-ledger-export","sha256":"<hex of every byte before the trailer>"}
// Import reads the file twice: once to check it whole (structure, counts, digest) before
// writing anything, then to write it. The target must be empty. Lines are appended and each
// checkpoint written as soon as its lines are in, as the appender does, so an interrupted import
// leaves a prefix of the log that verifies on its own.
import { createHash } from 'node:crypto';
import { LedgerError, UsageError } from '../core/errors.js';
import { MAX_LINE_BYTES } from '../ledger/entry.js';
import { NEWLINE, type LedgerStore } from '../ledger/store.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../ledger/subjects.js';

export const EXPORT_FORMAT = 'trailmark-ledger-export';
export const EXPORT_VERSION = 1;
/** No record of an export file may be longer (checkpoints and tree states are a few KB). */
const MAX_RECORD_BYTES = 16 << 20;

const FLUSH_BYTES = 1 << 20;
const APPEND_BATCH = 500;

export interface TransferSummary {
  readonly entries: number;
  readonly checkpoints: number;
  readonly subjects: number;
  readonly treeState: boolean;
  /** Hex SHA-256 of the export file before its trailer. */
  readonly sha256: string;
  /** What was not carried over, and why (never silent). */
  readonly warnings: readonly string[];
}

interface Header {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: number;
  readonly entries: number;
  readonly checkpoints: readonly number[];
  readonly subjects: number;
  readonly treeState: boolean;
}

const enc = new TextEncoder();

/**
 * Writes the whole log of `store` to `write` (called with chunks, in order). The file names no
 * store and no log: the same log exports to the same bytes from every store.
 */
export async function exportLog(store: LedgerStore, write: (chunk: Uint8Array) => Promise<void>): Promise<TransferSummary> {
  // Checkpoints first, then the tail: a checkpoint is written after its lines, so every
  // listed size is covered by the lines counted next, even while an appender runs.
  const sizes = await store.listCheckpoints();
  const { size: entries, tornBytes } = await store.tail();
  const last = sizes.at(-1);
  if (last !== undefined && last > entries) {
    throw new LedgerError('TRUNCATED', `${store.location} has a checkpoint at size ${last} but only ${entries} entries: it cannot be exported as it is`, { hint: 'run `trailmark verify` on it first' });
  }
  const warnings: string[] = [];
  if (tornBytes > 0) warnings.push(`${tornBytes} bytes of a partial last line (an interrupted append) were not exported`);
  const pointer = await store.readCheckpoint();
  const lastText = last === undefined ? null : await store.readCheckpointAt(last);
  if (pointer !== lastText) warnings.push('the latest-checkpoint pointer lags the history; the import points at the largest checkpoint (as recovery would)');
  const subjects = await store.readSubjects();
  const treeState = await store.readTreeState();
  const header: Header = { format: EXPORT_FORMAT, version: EXPORT_VERSION, entries, checkpoints: sizes, subjects: subjects.length, treeState: treeState !== null };

  const hash = createHash('sha256');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await write(chunk);
  };
  const emit = async (bytes: Uint8Array, hashed = true) => {
    const line = new Uint8Array(bytes.byteLength + 1);
    line.set(bytes);
    line[bytes.byteLength] = NEWLINE;
    if (hashed) hash.update(line);
    pending.push(line);
    pendingBytes += line.byteLength;
    if (pendingBytes >= FLUSH_BYTES) await flush();
  };

  await emit(enc.encode(JSON.stringify(header)));
  for (const r of subjects) await emit(enc.encode(formatSubjectRecord(r)));
  // Checkpoint records sit right after the line that completes their size, as an importer
  // writes them: each one as soon as its lines are in.
  let cp = 0;
  const emitCheckpoints = async (n: number) => {
    for (; cp < sizes.length && sizes[cp] === n; cp++) {
      const text = await store.readCheckpointAt(n);
      if (text === null) throw new LedgerError('IO', `checkpoint ${n} of ${store.location} vanished during the export`, { hint: 'export again' });
      await emit(enc.encode(JSON.stringify({ size: n, text })));
    }
  };
  let n = 0;
  await emitCheckpoints(0);
  if (entries > 0) {
    for await (const line of store.readLines(0)) {
      await emit(line);
      await emitCheckpoints(++n);
      if (n === entries) break;
    }
  }
  if (n !== entries) throw new LedgerError('IO', `${store.location} yielded ${n} of its ${entries} entries during the export (truncated meanwhile?)`, { hint: 'export again' });
  if (treeState !== null) await emit(enc.encode(JSON.stringify({ treeState })));
  const sha256 = hash.digest('hex');
  await emit(enc.encode(JSON.stringify({ end: EXPORT_FORMAT, sha256 })), false);
  await flush();
  return { entries, checkpoints: sizes.length, subjects: subjects.length, treeState: treeState !== null, sha256, warnings };
}

/** Lines of a byte stream, without their newline; a last line without one is an error. */
async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const buf = carry.byteLength === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let i = buf.indexOf(NEWLINE, start); i !== -1; i = buf.indexOf(NEWLINE, start)) {
      const line = buf.subarray(start, i);
      start = i + 1;
      yield line;
    }
    carry = Buffer.from(buf.subarray(start));
    if (carry.byteLength > MAX_RECORD_BYTES) throw bad(`a line longer than ${MAX_RECORD_BYTES} bytes`);
  }
  if (carry.byteLength > 0) throw bad('it ends in the middle of a line (truncated file?)');
}

function bad(what: string): UsageError {
  return new UsageError('BAD_INPUT', `not a valid ledger export: ${what}`, { hint: 'pass a file written by `trailmark ledger export`, complete and unmodified' });
}

function parseJson(line: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(line).toString('utf8'));
  } catch {
    throw bad(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseHeader(line: Uint8Array | undefined): Header {
  if (line === undefined) throw bad('the file is empty');
  const h = parseJson(line, 'the header');
  if (h.format !== EXPORT_FORMAT) throw bad('the header does not name the format');
  if (h.version !== EXPORT_VERSION) throw bad(`format version ${JSON.stringify(h.version)} (this trailmark reads version ${EXPORT_VERSION})`);
  const { entries, checkpoints, subjects, treeState } = h;
  if (!isCount(entries) || !isCount(subjects) || typeof treeState !== 'boolean') throw bad('the header fields are malformed');
  if (!Array.isArray(checkpoints) || !checkpoints.every(isCount) || checkpoints.some((s, i) => (i > 0 && s <= checkpoints[i - 1]!) || s > entries)) {
    throw bad('the checkpoint sizes are not ascending sizes within the entries');
  }
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, entries, checkpoints, subjects, treeState };
}

type Item =
  | { readonly kind: 'entry'; readonly bytes: Uint8Array }
  | { readonly kind: 'checkpoint'; readonly size: number; readonly text: string }
  | { readonly kind: 'subject'; readonly record: SubjectRecord }
  | { readonly kind: 'treeState'; readonly text: string };

/** Parses and checks a whole export file, yielding its items in order; throws on any defect. */
async function* readExport(chunks: AsyncIterable<Uint8Array>, on: { header(h: Header): void; digest(hex: string): void }): AsyncGenerator<Item> {
  const hash = createHash('sha256');
  const lines = splitLines(chunks);
  const next = async () => {
    const r = await lines.next();
    return r.done === true ? undefined : r.value;
  };
  const newline = Uint8Array.of(NEWLINE);
  const first = await next();
  if (first !== undefined) hash.update(first).update(newline);
  const header = parseHeader(first);
  on.header(header);
  const take = async (what: string) => {
    const line = await next();
    if (line === undefined) throw bad(`it ends before ${what} (truncated file?)`);
    hash.update(line).update(newline);
    return line;
  };
  for (let i = 0; i < header.subjects; i++) {
    const record = parseSubjectRecord(Buffer.from(await take(`subject record ${i}`)).toString('utf8'));
    if (record === null) throw bad(`subject record ${i} is malformed`);
    yield { kind: 'subject', record };
  }
  let cp = 0;
  for (let n = 0; ; n++) {
    for (; cp < header.checkpoints.length && header.checkpoints[cp] === n; cp++) {
      const r = parseJson(await take(`checkpoint ${n}`), `the record of checkpoint ${n}`);
      if (r.size !== n || typeof r.text !== 'string') throw bad(`the record of checkpoint ${n} is malformed`);
      yield { kind: 'checkpoint', size: n, text: r.text };
    }
    if (n === header.entries) break;
    const line = await take(`entry ${n}`);
    if (line.byteLength === 0 || line.byteLength > MAX_LINE_BYTES) throw bad(`entry ${n} is empty or longer than ${MAX_LINE_BYTES} bytes`);
    // A copy: the splitter's buffer is reused for the next lines while a batch is pending.
    yield { kind: 'entry', bytes: Uint8Array.from(line) };
  }
  if (header.treeState) {
    const r = parseJson(await take('the tree state'), 'the tree-state record');
    if (typeof r.treeState !== 'string') throw bad('the tree-state record is malformed');
    yield { kind: 'treeState', text: r.treeState };
  }
  const trailerLine = await next();
  if (trailerLine === undefined) throw bad('it has no trailer (truncated file?)');
  const trailer = parseJson(trailerLine, 'the trailer');
  if (trailer.end !== EXPORT_FORMAT || typeof trailer.sha256 !== 'string') throw bad('the trailer is malformed');
  const digest = hash.digest('hex');
  if (trailer.sha256 !== digest) throw bad('its SHA-256 does not match the trailer (damaged or edited)');
  if ((await next()) !== undefined) throw bad('there is data after the trailer');
  on.digest(digest);
}

async function checkFile(chunks: AsyncIterable<Uint8Array>): Promise<{ header: Header; sha256: string; items: number }> {
  let header: Header | undefined;
  let sha256 = '';
  let items = 0;
  for await (const _item of readExport(chunks, { header: (h) => void (header = h), digest: (d) => void (sha256 = d) })) items++;
  return { header: header!, sha256, items };
}

/** Checks a whole export file without writing anything (an importer calls it before creating its target). */
export async function checkExport(chunks: AsyncIterable<Uint8Array>): Promise<TransferSummary> {
  const { header: h, sha256 } = await checkFile(chunks);
  return { entries: h.entries, checkpoints: h.checkpoints.length, subjects: h.subjects, treeState: h.treeState, sha256, warnings: [] };
}

/**
 * Imports an export file into an empty store. `open` is called twice: the first pass checks
 * the whole file, the second writes it.
 */
export async function importLog(store: LedgerStore, open: () => AsyncIterable<Uint8Array>): Promise<TransferSummary> {
  const { header: h, sha256, items: checked } = await checkFile(open());

  const lock = await store.lock();
  try {
    const tail = await store.tail();
    if (tail.size > 0 || tail.tornBytes > 0 || (await store.listCheckpoints()).length > 0 || (await store.readSubjects()).length > 0) {
      throw new UsageError('BAD_INPUT', `${store.location} is not empty: import only into a new ledger`, { hint: 'pass a new --ledger directory or a new --log name' });
    }
    let batch: Uint8Array[] = [];
    let subjects: SubjectRecord[] = [];
    const flush = async () => {
      if (subjects.length > 0) await store.appendSubjects(subjects);
      subjects = [];
      if (batch.length > 0) await store.append(batch);
      batch = [];
    };
    let written = 0;
    let secondDigest = '';
    // The second pass re-checks everything (the file could change in between) while writing.
    for await (const item of readExport(open(), { header: () => undefined, digest: (d) => void (secondDigest = d) })) {
      written++;
      if (item.kind === 'subject') {
        subjects.push(item.record);
        if (subjects.length >= APPEND_BATCH) await flush();
      } else if (item.kind === 'entry') {
        batch.push(item.bytes);
        if (batch.length >= APPEND_BATCH) await flush();
      } else if (item.kind === 'checkpoint') {
        await flush();
        await store.writeCheckpoint(item.size, item.text);
      } else {
        await flush();
        await store.writeTreeState(item.text);
      }
    }
    await flush();
    if (written !== checked || secondDigest !== sha256) throw new UsageError('BAD_INPUT', 'the export file changed between the check and the import', { hint: 'import again from a file nobody writes to' });
  } finally {
    await lock.release();
  }
  return { entries: h.entries, checkpoints: h.checkpoints.length, subjects: h.subjects, treeState: h.treeState, sha256, warnings: [] };
}
