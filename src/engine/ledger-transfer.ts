// `trailmark ledger export` / `import`: move one ledger log between stores (the directory store
// and PostgreSQL) byte for byte, through a single portable file, so that the same verifier
// checks both. The engine works on LedgerStore objects and byte streams only; the CLI opens the
// stores and the files.
//
// The export file (docs/ledger-format.md, "Moving a log between stores"), newline-terminated lines:
//   1. header  {"format":"trailmark-ledger-export","version":1,"entries":N,"checkpoints":[sizes…],"subjects":M,"treeState":bool}
//      (version 2 when the log has a subject keyring: "subjectKeys":K after "checkpoints")
//   1b. version 2: K subject keys, exactly as the lines of subject-keys.jsonl (each still wrapped
//      under its KEK: docs/erasure.md)
//   2. M subject records, exactly as stored (sealed openings stay sealed)
//   3. the N entry lines, the exact bytes of entries.jsonl line for line, with one
//      {"size":S,"text":"…"} record of the checkpoint history right after the S-th entry line
//      (the header's sizes say where: the file is read without guessing)
//   4. {"treeState":"…"} when the header says so (a cache; carried so that nothing differs)
//   5. trailer {"end":"trailmark-ledger-export","sha256":"<hex of every byte before the trailer>"}
// Import reads the file twice: once to check it whole (structure, counts, digest) before
// writing anything, then to write it. The target must be empty. Lines are appended and each
// checkpoint written as soon as its lines are in, as the appender does, so an interrupted import
// leaves a prefix of the log that verifies on its own.
//
// Subject openings travel as they are at rest (docs/erasure.md): sealed records sealed, keys
// wrapped, nothing is unwrapped or opened in transit. A key destroyed on the source (erasure)
// is absent from the file, so its opening stays erased on the target. Importing keys needs the
// secret they are wrapped under (the same TRAILMARK_SUBJECT_KEK on the target), else the import
// fails before writing anything, naming the key id.
import { createHash } from 'node:crypto';
import { LedgerError, UsageError } from '../core/errors.js';
import { MAX_LINE_BYTES } from '../ledger/entry.js';
import { NEWLINE, type LedgerStore } from '../ledger/store.js';
import { formatWrappedKey, isSubjectSealingStore, parseWrappedKey, SUBJECT_KEK_ENV, SUBJECT_KEK_PREVIOUS_ENV, type WrappedSubjectKey } from '../ledger/subject-seal.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../ledger/subjects.js';

export const EXPORT_FORMAT = 'trailmark-ledger-export';
/** The version written when the log has no subject keyring (readers of version 1 read it). */
export const EXPORT_VERSION = 1;
/** The version written when the log has a subject keyring (the keys follow the header). */
export const EXPORT_VERSION_KEYRING = 2;

/**
 * The subject keyring of a store as stored (src/ledger/store/subject-keyring.ts): read to
 * export it, written by an import before any record it opens.
 */
export interface SubjectKeyringPort {
  read(): Promise<readonly WrappedSubjectKey[]>;
  /** Writes wrapped keys as they are into a store with no keyring yet (lock held). */
  importKeys(keys: readonly WrappedSubjectKey[]): Promise<void>;
  /** Ids of the KEKs the target's writer accepts (current first); empty without a secret. */
  readonly accepted: readonly string[];
}
/** No record of an export file may be longer (checkpoints and tree states are a few KB). */
const MAX_RECORD_BYTES = 16 << 20;

const FLUSH_BYTES = 1 << 20;
const APPEND_BATCH = 500;

export interface TransferSummary {
  readonly entries: number;
  readonly checkpoints: number;
  readonly subjects: number;
  /** Wrapped subject keys carried (0 for a log that does not seal). */
  readonly subjectKeys: number;
  /** Subject records in clear (readable by anyone who reads the file). */
  readonly clearSubjects: number;
  readonly treeState: boolean;
  /** Hex SHA-256 of the export file before its trailer. */
  readonly sha256: string;
  /** What was not carried over, and why (never silent). */
  readonly warnings: readonly string[];
  /** How subject openings travel and land: in clear, sealed on import, without keys (docs/erasure.md). */
  readonly subjectWarnings: readonly string[];
}

interface Header {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: number;
  readonly entries: number;
  readonly checkpoints: readonly number[];
  /** Version 2 only (0 in version 1). */
  readonly subjectKeys: number;
  readonly subjects: number;
  readonly treeState: boolean;
}

const enc = new TextEncoder();

/**
 * Writes the whole log of `store` to `write` (called with chunks, in order). The file names no
 * store and no log: the same log exports to the same bytes from every store.
 *
 * Subject records are exported as `store.readSubjects()` returns them: open the store WITHOUT
 * subject sealing (`subjectSealing: null`) so they come as stored, and pass its `keyring` so the
 * wrapped keys travel with them. A sealing store that returns opened records is refused.
 */
export async function exportLog(store: LedgerStore, write: (chunk: Uint8Array) => Promise<void>, keyring?: SubjectKeyringPort): Promise<TransferSummary> {
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
  const clearSubjects = subjects.filter((r) => 'value' in r).length;
  if (isSubjectSealingStore(store) && (await store.subjectsAtRest()).clear !== clearSubjects) {
    throw new LedgerError('STORE_CONTRACT', `${store.location} returned opened subject records: open the source without subject sealing, so that openings travel sealed`);
  }
  // The keyring after the records: an erasure in between removes a key whose record was read
  // sealed (it then exports unopenable, as erased), never the reverse. Sorted by key id: the
  // same keyring exports to the same bytes from every store.
  const keys = keyring === undefined ? [] : [...(await keyring.read())].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  if (keyring === undefined && subjects.some((r) => 'sealed' in r)) throw new LedgerError('STORE_CONTRACT', `${store.location} holds sealed subject records and no keyring was given to export with them`);
  const subjectWarnings: string[] = [];
  if (clearSubjects > 0) subjectWarnings.push(`${clearSubjects} subject opening${clearSubjects === 1 ? ' is' : 's are'} stored in clear in the source, and so in clear in this file: set ${SUBJECT_KEK_ENV} and run \`trailmark erase\` on the source to seal them first (docs/erasure.md)`);
  const treeState = await store.readTreeState();
  const header: Header = keys.length === 0
    ? { format: EXPORT_FORMAT, version: EXPORT_VERSION, entries, checkpoints: sizes, subjectKeys: 0, subjects: subjects.length, treeState: treeState !== null }
    : { format: EXPORT_FORMAT, version: EXPORT_VERSION_KEYRING, entries, checkpoints: sizes, subjectKeys: keys.length, subjects: subjects.length, treeState: treeState !== null };

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

  const { subjectKeys: _k, ...v1 } = header;
  await emit(enc.encode(JSON.stringify(header.version === EXPORT_VERSION ? v1 : header)));
  for (const k of keys) await emit(enc.encode(formatWrappedKey(k)));
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
  return { entries, checkpoints: sizes.length, subjects: subjects.length, subjectKeys: keys.length, clearSubjects, treeState: treeState !== null, sha256, warnings, subjectWarnings };
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
  if (h.version !== EXPORT_VERSION && h.version !== EXPORT_VERSION_KEYRING) throw bad(`format version ${JSON.stringify(h.version)} (this trailmark reads versions ${EXPORT_VERSION} and ${EXPORT_VERSION_KEYRING})`);
  const { entries, checkpoints, subjects, treeState } = h;
  const subjectKeys = h.version === EXPORT_VERSION ? 0 : h.subjectKeys;
  if (!isCount(entries) || !isCount(subjects) || !isCount(subjectKeys) || typeof treeState !== 'boolean') throw bad('the header fields are malformed');
  if (h.version === EXPORT_VERSION && 'subjectKeys' in h) throw bad('a version 1 header with subject keys');
  if (!Array.isArray(checkpoints) || !checkpoints.every(isCount) || checkpoints.some((s, i) => (i > 0 && s <= checkpoints[i - 1]!) || s > entries)) {
    throw bad('the checkpoint sizes are not ascending sizes within the entries');
  }
  return { format: EXPORT_FORMAT, version: h.version, entries, checkpoints, subjectKeys, subjects, treeState };
}

type Item =
  | { readonly kind: 'key'; readonly key: WrappedSubjectKey }
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
  const kids = new Set<string>();
  for (let i = 0; i < header.subjectKeys; i++) {
    const key = parseWrappedKey(Buffer.from(await take(`subject key ${i}`)).toString('utf8'));
    if (key === null) throw bad(`subject key ${i} is malformed`);
    if (kids.has(key.kid)) throw bad(`subject key ${key.kid} appears twice`);
    kids.add(key.kid);
    yield { kind: 'key', key };
  }
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

interface Checked {
  readonly header: Header;
  readonly sha256: string;
  readonly items: number;
  /** KEK ids the file's subject keys are wrapped under, sorted. */
  readonly keks: readonly string[];
  readonly clearSubjects: number;
  readonly sealedSubjects: number;
}

async function checkFile(chunks: AsyncIterable<Uint8Array>): Promise<Checked> {
  let header: Header | undefined;
  let sha256 = '';
  let items = 0;
  const keks = new Set<string>();
  let clearSubjects = 0;
  let sealedSubjects = 0;
  for await (const item of readExport(chunks, { header: (h) => void (header = h), digest: (d) => void (sha256 = d) })) {
    items++;
    if (item.kind === 'key') keks.add(item.key.kek);
    else if (item.kind === 'subject' && 'value' in item.record) clearSubjects++;
    else if (item.kind === 'subject' && 'sealed' in item.record) sealedSubjects++;
  }
  return { header: header!, sha256, items, keks: [...keks].sort(), clearSubjects, sealedSubjects };
}

/** Refuses keys the target cannot hold: wrapped under a KEK its writer does not accept (or no target keyring at all). */
function checkKeks(c: Checked, accepted: readonly string[] | undefined, target: string): void {
  if (c.header.subjectKeys === 0) return;
  const known = new Set(accepted ?? []);
  const foreign = c.keks.filter((k) => !known.has(k));
  if (foreign.length === 0) return;
  const have = accepted === undefined ? `${target} cannot hold a subject keyring` : accepted.length === 0 ? `no ${SUBJECT_KEK_ENV} is configured` : `the configured secret is key ${accepted[0]}`;
  throw new UsageError('NO_KEY', `the export's ${c.header.subjectKeys} subject key${c.header.subjectKeys === 1 ? ' is' : 's are'} wrapped under key ${foreign.join(', ')}, and ${have}`, {
    hint: `set ${SUBJECT_KEK_ENV} to the source ledger's secret (or put it in ${SUBJECT_KEK_PREVIOUS_ENV} during a rotation): sealed openings travel sealed and open only with that secret`,
  });
}

function importWarnings(c: Checked, keyring: SubjectKeyringPort | undefined): string[] {
  const warnings: string[] = [];
  const sealing = keyring !== undefined && keyring.accepted.length > 0;
  if (c.clearSubjects > 0) {
    warnings.push(sealing
      ? `${c.clearSubjects} subject opening${c.clearSubjects === 1 ? ' was' : 's were'} in clear in the file and ${c.clearSubjects === 1 ? 'is' : 'are'} sealed in the target; the file itself still holds ${c.clearSubjects === 1 ? 'it' : 'them'} in clear: delete it`
      : `${c.clearSubjects} subject opening${c.clearSubjects === 1 ? ' is' : 's are'} stored in clear in the target (no ${SUBJECT_KEK_ENV} configured; docs/erasure.md)`);
  }
  if (c.header.subjectKeys === 0 && c.sealedSubjects > 0) {
    warnings.push(`${c.sealedSubjects} sealed subject opening${c.sealedSubjects === 1 ? '' : 's'} came without keys (an export of version 1): ${c.sealedSubjects === 1 ? 'it shows' : 'they show'} as [erased]; export again with this version to carry the keyring`);
  }
  return warnings;
}

/**
 * Checks a whole export file without writing anything (an importer calls it before creating its
 * target). With `accepted` (the KEK ids the target's writer holds), also that every subject key
 * in the file can be kept there.
 */
export async function checkExport(chunks: AsyncIterable<Uint8Array>, accepted?: readonly string[], target = 'the target'): Promise<TransferSummary> {
  const c = await checkFile(chunks);
  if (accepted !== undefined) checkKeks(c, accepted, target);
  const h = c.header;
  return { entries: h.entries, checkpoints: h.checkpoints.length, subjects: h.subjects, subjectKeys: h.subjectKeys, clearSubjects: c.clearSubjects, treeState: h.treeState, sha256: c.sha256, warnings: [], subjectWarnings: [] };
}

/**
 * Imports an export file into an empty store. `open` is called twice: the first pass checks
 * the whole file, the second writes it. Subject keys are written through `keyring` (as they
 * are, before any record), and need a target whose secret is the one they are wrapped under;
 * records go through `store.appendSubjects` (a sealing store keeps sealed records as they are
 * and seals clear ones).
 */
export async function importLog(store: LedgerStore, open: () => AsyncIterable<Uint8Array>, keyring?: SubjectKeyringPort): Promise<TransferSummary> {
  const c = await checkFile(open());
  const { header: h, sha256, items: checked } = c;
  checkKeks(c, keyring?.accepted, store.location);

  const lock = await store.lock();
  try {
    const tail = await store.tail();
    if (tail.size > 0 || tail.tornBytes > 0 || (await store.listCheckpoints()).length > 0 || (await store.readSubjects()).length > 0 || ((await keyring?.read()) ?? []).length > 0) {
      throw new UsageError('BAD_INPUT', `${store.location} is not empty: import only into a new ledger`, { hint: 'pass a new --ledger directory or a new --log name' });
    }
    let batch: Uint8Array[] = [];
    let subjects: SubjectRecord[] = [];
    let keys: WrappedSubjectKey[] = [];
    const flush = async () => {
      // Keys before the records they open (docs/erasure.md, crash consistency).
      if (keys.length > 0) await keyring!.importKeys(keys);
      keys = [];
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
      if (item.kind === 'key') {
        keys.push(item.key);
      } else if (item.kind === 'subject') {
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
  return { entries: h.entries, checkpoints: h.checkpoints.length, subjects: h.subjects, subjectKeys: h.subjectKeys, clearSubjects: c.clearSubjects, treeState: h.treeState, sha256, warnings: [], subjectWarnings: importWarnings(c, keyring) };
}
