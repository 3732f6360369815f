// The offline verifier: pure, no I/O. The caller feeds it the checkpoints and then every line
// of the log in order (bytes as stored, without newlines), then the size of any torn tail.
// Memory stays flat whatever the log size: one compact range and a few counters.
//
// Checks, per entry, in this order (the first failure stops the stream and names the seq):
// size limit, UTF-8, RFC 8785 canonical form, field set and types, contiguous seq, the prev
// chain, a known key id, the Ed25519 signature, the body schema of its kind. Per checkpoint:
// note syntax, a valid signature by a trusted key named after the origin, one origin for all,
// its root equal to the root of the first `size` lines, its size not beyond the log.
import type { LedgerCode } from '../core/errors.js';
import { LedgerError } from '../core/errors.js';
import { bodyProblem } from './body.js';
import { canonicalize, parseCanonical } from './canonical.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeBase64, decodeUtf8, encodeHex } from './encoding.js';
import { ENTRY_FIELDS, ENTRY_TIME_PATTERN, GENESIS_PREV, LEDGER_FORMAT_VERSION, MAX_LINE_BYTES, SIGNATURE_ALG, lineHash, signingBytes, type Entry } from './entry.js';
import { TreeBuilder, leafHash } from './merkle.js';
import { MAX_APPEND_ENTRIES } from './log.js';
import { keyId, parseNote, type NoteVerifier } from './note.js';

export interface Problem {
  readonly code: LedgerCode;
  /** The first bad entry, when the problem is in an entry (or the first missing one). */
  readonly seq: number | null;
  /** `entry <seq>`, `checkpoint` (the latest pointer) or `checkpoints/<size>`. */
  readonly location: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly origin: string | null;
  /** Complete lines read (including uncommitted ones). */
  readonly entries: number;
  /** Size and hex root of the largest verified checkpoint. */
  readonly checkpoint: { readonly size: number; readonly root: string } | null;
  readonly checkpoints: number;
  /** Entries beyond the largest checkpoint: an interrupted append, removed by the next writer. */
  readonly uncommitted: number;
  readonly tornBytes: number;
  /** Entry counts by kind and by key id, keys sorted. */
  readonly kinds: Readonly<Record<string, number>>;
  readonly keys: Readonly<Record<string, number>>;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

export interface VerifierInput {
  readonly keys: readonly NoteVerifier[];
  /** The latest-checkpoint pointer's text, or null. */
  readonly latest: string | null;
}

/** What the main thread needs of an entry checked elsewhere: the chain fields and the counters' keys. */
export interface CheckedFields {
  readonly seq: number;
  readonly prev: string;
  readonly time: string;
  readonly kind: string;
  readonly kid: string;
  /** Hex SHA-256 of the line (what the next entry's `prev` must name). */
  readonly hash: string;
  /** Its Merkle leaf hash, SHA-256(0x00 || line). */
  readonly leaf: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SIG_FIELDS = ['alg', 'kid', 'value'];

/** Key ids (`name+hash`) to verifiers. */
export function keyRing(keys: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const ring = new Map<string, NoteVerifier>();
  for (const k of keys) if (!ring.has(keyId(k))) ring.set(keyId(k), k);
  return ring;
}

/**
 * Checks one line as an entry: size, UTF-8, canonical form, fields, signature by a key of the
 * ring, body schema, and, when `expected` is given, its seq and prev. Throws LedgerError with
 * the problem's code; returns the parsed entry.
 */
export function verifyEntryLine(bytes: Uint8Array, keys: ReadonlyMap<string, NoteVerifier>, expected: { seq: number; prev: string } | null): Entry {
  if (bytes.byteLength > MAX_LINE_BYTES) throw fail('ENTRY_TOO_LARGE', `line is ${bytes.byteLength} bytes, over the ${MAX_LINE_BYTES}-byte limit`);
  // Attacker-controlled bytes: fatal UTF-8 decoding, then strict canonical JSON.
  const text = decodeUtf8(bytes);
  if (text === undefined) throw fail('NOT_CANONICAL', 'line is not well-formed utf-8');
  let value: unknown;
  try {
    value = parseCanonical(text);
  } catch (err) {
    throw fail('NOT_CANONICAL', err instanceof Error ? err.message : String(err));
  }
  const entry = checkShape(value);
  if (expected !== null) {
    const seq = expected.seq;
    if (entry.seq !== seq) {
      throw fail(
        'SEQ_GAP',
        entry.seq > seq ? `gap: expected seq ${seq}, found seq ${entry.seq}` : `out of order: found seq ${entry.seq} where seq ${seq} belongs (duplicated or reordered entry)`,
      );
    }
    if (entry.prev !== expected.prev) throw fail('CHAIN_MISMATCH', `prev hash mismatch: entry says ${entry.prev}, previous line hashes to ${expected.prev}`);
  }
  const key = keys.get(entry.sig.kid);
  if (key === undefined) throw fail('UNKNOWN_KEY', `signed by unknown key ${JSON.stringify(entry.sig.kid)}`);
  const sig = decodeBase64(entry.sig.value);
  if (sig === undefined || sig.byteLength !== 64) throw fail('BAD_SIGNATURE', 'signature value is not 64 bytes of standard base64');
  if (!key.verify(signingBytesOf(bytes, text, entry), sig)) throw fail('BAD_SIGNATURE', `bad signature by ${entry.sig.kid}`);
  const problem = bodyProblem(entry.kind, entry.body);
  if (problem !== null) throw fail('BAD_BODY', problem);
  return entry;
}

function fail(code: LedgerCode, message: string): LedgerError {
  return new LedgerError(code, message);
}

function sortedRecord(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface PendingCheckpoint {
  readonly location: string;
  readonly root: Uint8Array;
}

/**
 * Streaming verifier. Feed, in order: `checkpoint(size, text)` for each history checkpoint when
 * exactly `size` lines have been fed (sizes ascending; those beyond the log after the last
 * line), `line(bytes)` for each line, then `end(tornBytes)`. State: one compact range, the
 * checkpoints not yet reached, counters.
 */
export class LedgerVerifier {
  readonly #keys: Map<string, NoteVerifier>;
  readonly #builder = new TreeBuilder();
  /** Verified checkpoints whose size the stream has not reached yet, by size. */
  readonly #pending = new Map<number, PendingCheckpoint[]>();
  readonly #checkpointProblems: Problem[] = [];
  readonly #warnings: string[] = [];
  readonly #kinds = new Map<string, number>();
  readonly #kids = new Map<string, number>();
  readonly #pointer: { readonly size: number; readonly text: string } | null = null;
  #origin: string | null = null;
  #prev = GENESIS_PREV;
  #entryProblem: Problem | null = null;
  #ended = false;
  #lastHistory = -1;
  #historyCount = 0;
  #largest: { size: number; root: Uint8Array } | null = null;
  /** The time of the last entry and the seq where the run of entries with that time began. */
  #runTime: string | null = null;
  #runStart = 0;

  constructor(input: VerifierInput) {
    this.#keys = keyRing(input.keys);
    if (input.latest !== null) {
      const cp = this.#open('checkpoint', input.latest);
      if (cp !== null) {
        this.#pointer = { size: cp.size, text: input.latest };
        this.#accept('checkpoint', cp);
      }
    }
  }

  /** A history checkpoint (`checkpoints/<size>`); see the class comment for when to call it. */
  checkpoint(size: number, text: string): void {
    if (this.#ended) throw new Error('LedgerVerifier.checkpoint() after end()');
    if (size <= this.#lastHistory) throw new Error(`LedgerVerifier.checkpoint(${size}) after ${this.#lastHistory}: sizes must ascend`);
    if (this.#entryProblem === null && size < this.#builder.size) throw new Error(`LedgerVerifier.checkpoint(${size}) after ${this.#builder.size} lines`);
    this.#lastHistory = size;
    const location = `checkpoints/${size}`;
    const cp = this.#open(location, text);
    if (cp === null) return;
    if (cp.size !== size) {
      this.#checkpointProblem('BAD_CHECKPOINT', location, `${location} holds a checkpoint of size ${cp.size}`);
      return;
    }
    this.#historyCount++;
    // Same body, different signature lines (a witness cosignature added to one copy, e.g. a
    // cosigning interrupted between the history and the pointer): one checkpoint, not a fork.
    if (this.#pointer !== null && this.#pointer.size === size && noteBody(this.#pointer.text) !== noteBody(text)) {
      this.#checkpointProblem('BAD_CHECKPOINT', 'checkpoint', `checkpoint differs from ${location}: two checkpoints for one tree size`);
    }
    if (this.#pointer !== null && this.#pointer.size === size) this.#pointerInHistory = true;
    if (this.#pointer !== null && this.#pointer.size < size) this.#pointerLag = size;
    this.#accept(location, cp);
  }

  #pointerLag: number | null = null;
  #pointerInHistory = false;

  /** Opens a signed checkpoint: syntax, signature by a trusted key named after its origin, one origin. */
  #open(location: string, text: string): Checkpoint | null {
    let checkpoint: Checkpoint;
    try {
      // Attacker-controlled note text: openCheckpoint parses it strictly.
      const opened = openCheckpoint(text, [...this.#keys.values()]);
      checkpoint = opened.checkpoint;
      if (!opened.verifiedBy.some((v) => v.name === checkpoint.origin)) {
        this.#checkpointProblem('UNKNOWN_KEY', location, `${location} is not signed by a trusted key named ${JSON.stringify(checkpoint.origin)}`);
        return null;
      }
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      this.#checkpointProblem(err.code === 'UNKNOWN_KEY' ? 'UNKNOWN_KEY' : 'BAD_CHECKPOINT', location, `${location}: ${err.message}`);
      return null;
    }
    this.#origin ??= checkpoint.origin;
    if (checkpoint.origin !== this.#origin) {
      this.#checkpointProblem('BAD_CHECKPOINT', location, `${location} names origin ${JSON.stringify(checkpoint.origin)}, not ${JSON.stringify(this.#origin)}`);
      return null;
    }
    return checkpoint;
  }

  /** Compares now when the stream is at the checkpoint's size, else keeps it until it is. */
  #accept(location: string, cp: Checkpoint): void {
    if (cp.size === this.#builder.size && this.#entryProblem === null) {
      this.#compare(cp.size, { location, root: cp.root });
      return;
    }
    const list = this.#pending.get(cp.size) ?? [];
    list.push({ location, root: cp.root });
    this.#pending.set(cp.size, list);
  }

  #compare(size: number, p: PendingCheckpoint): void {
    const root = this.#builder.root();
    if (!Buffer.from(root).equals(Buffer.from(p.root))) {
      this.#checkpointProblem('ROOT_MISMATCH', p.location, `${p.location}: root of the first ${size} entries is ${encodeHex(root)}, the checkpoint says ${encodeHex(p.root)}`);
    }
    if (this.#largest === null || size >= this.#largest.size) this.#largest = { size, root: p.root };
  }

  #checkpointProblem(code: LedgerCode, location: string, message: string, seq: number | null = null): void {
    this.#checkpointProblems.push({ code, seq, location, message });
  }

  /** Feeds the next line; returns false once a problem stopped verification (stop feeding). */
  line(bytes: Uint8Array): boolean {
    if (this.#ended) throw new Error('LedgerVerifier.line() after end()');
    if (this.#entryProblem !== null) return false;
    const seq = this.#builder.size;
    let entry: Entry;
    try {
      entry = verifyEntryLine(bytes, this.#keys, { seq, prev: this.#prev });
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      this.#entryProblem = { code: err.code, seq, location: `entry ${seq}`, message: `seq ${seq}: ${err.message}` };
      return false;
    }
    this.#accepted(leafHash(bytes), lineHash(bytes), entry.time, entry.kind, entry.sig.kid);
    return true;
  }

  /**
   * Feeds the next line whose entry checks (everything but seq and prev: size, UTF-8,
   * canonical form, fields, key, signature, body) already passed elsewhere, on these exact
   * bytes, which also gave its two digests (./verify-batch.ts: `verifyEntryLine(bytes, keys,
   * null)`, the line hash and the leaf hash). Chaining, counting and the Merkle tree stay here,
   * in order. When the seq or prev does not
   * follow, the line goes through `line()`, so the problem reported is exactly the sequential one.
   */
  lineChecked(bytes: Uint8Array, fields: CheckedFields): boolean {
    if (this.#ended) throw new Error('LedgerVerifier.lineChecked() after end()');
    if (this.#entryProblem !== null) return false;
    if (fields.seq !== this.#builder.size || fields.prev !== this.#prev) return this.line(bytes);
    this.#accepted(fields.leaf, fields.hash, fields.time, fields.kind, fields.kid);
    return true;
  }

  #accepted(leaf: Uint8Array, hash: string, time: string, kind: string, kid: string): void {
    const seq = this.#builder.size;
    if (time !== this.#runTime) {
      this.#runTime = time;
      this.#runStart = seq;
    }
    this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
    this.#kids.set(kid, (this.#kids.get(kid) ?? 0) + 1);
    this.#builder.append(leaf);
    this.#prev = hash;
    const reached = this.#pending.get(this.#builder.size);
    if (reached !== undefined) {
      this.#pending.delete(this.#builder.size);
      for (const p of reached) this.#compare(this.#builder.size, p);
    }
  }

  /** Ends the stream. `tornBytes`: bytes after the last complete line (a partial line). */
  end(tornBytes = 0): VerifyReport {
    this.#ended = true;
    const entries = this.#builder.size;
    const problems: Problem[] = [];
    if (this.#entryProblem !== null) problems.push(this.#entryProblem);
    else if (tornBytes > 0) {
      problems.push({
        code: 'TRUNCATED',
        seq: entries,
        location: `entry ${entries}`,
        message: `truncated tail: ${tornBytes} bytes after entry ${entries - 1} are a partial line (an interrupted append; the next writer or \`trailmark verify --repair\` removes it)`,
      });
    }
    const checkpointProblems = [...this.#checkpointProblems];
    if (this.#entryProblem === null) {
      for (const [size, list] of this.#pending) {
        for (const p of list) {
          checkpointProblems.push({ code: 'TRUNCATED', seq: entries, location: p.location, message: `${p.location} covers ${size} entries but the log has ${entries}: entries from seq ${entries} are missing` });
        }
      }
    }
    checkpointProblems.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
    problems.push(...checkpointProblems);
    const warnings = [...this.#warnings];
    if (this.#pointer === null && this.#historyCount > 0) warnings.push('the checkpoint pointer is missing; using the history in checkpoints/');
    if (this.#pointerLag !== null && this.#pointer !== null) {
      warnings.push(`the checkpoint pointer (size ${this.#pointer.size}) lags checkpoints/${this.#pointerLag}: an append was interrupted after its commit point; the next writer updates it`);
    }
    const largest = this.#largest;
    if (largest === null && entries > 0) warnings.push('no checkpoint covers the entries');
    if (this.#pointer !== null && !this.#pointerInHistory && this.#pointerLag === null) {
      // The history file is written before the pointer: a pointer without one means the history was altered.
      problems.push({ code: 'BAD_CHECKPOINT', seq: null, location: `checkpoints/${this.#pointer.size}`, message: `checkpoints/${this.#pointer.size} is missing: the checkpoint pointer names size ${this.#pointer.size} but the history has no checkpoint for it (history files were removed)` });
    }
    const uncommitted = this.#entryProblem === null ? entries - (largest?.size ?? 0) : 0;
    const base = largest?.size ?? 0;
    if (uncommitted > 0 && (this.#runStart > base || uncommitted > MAX_APPEND_ENTRIES)) {
      // One append writes all its entries with one time and commits them with one checkpoint:
      // uncovered entries from several appends are committed entries whose checkpoints are gone.
      problems.push({
        code: 'BAD_CHECKPOINT',
        seq: base,
        location: 'checkpoints/',
        message: `entries seq ${base}..${entries - 1} are not covered by a checkpoint and cannot be one interrupted append (${uncommitted > MAX_APPEND_ENTRIES ? `more than ${MAX_APPEND_ENTRIES} entries` : `written at different times, the last run from seq ${this.#runStart}`}): the checkpoint history is missing committed checkpoints`,
      });
    } else if (uncommitted > 0 && largest !== null) {
      warnings.push(`${uncommitted} entries after checkpoint size ${largest.size} are not covered by a checkpoint (an interrupted append; the next writer removes them)`);
    }
    return {
      ok: problems.length === 0,
      origin: this.#origin,
      entries,
      checkpoint: largest === null ? null : { size: largest.size, root: encodeHex(largest.root) },
      checkpoints: this.#historyCount + (this.#pointer !== null && !this.#pointerInHistory ? 1 : 0),
      uncommitted,
      tornBytes,
      kinds: sortedRecord(this.#kinds),
      keys: sortedRecord(this.#kids),
      problems,
      warnings,
    };
  }
}

/**
 * Verifies a whole log held in memory or produced lazily: interleaves the history checkpoints
 * with the lines as LedgerVerifier requires.
 */
export function verifyLog(input: VerifierInput & { readonly history: readonly { readonly size: number; readonly text: string }[] }, lines: Iterable<Uint8Array>, tornBytes = 0): VerifyReport {
  const v = new LedgerVerifier(input);
  const history = [...input.history].sort((a, b) => a.size - b.size);
  let next = 0;
  let fed = 0;
  const feed = () => {
    while (next < history.length && history[next]!.size <= fed) {
      const h = history[next++]!;
      v.checkpoint(h.size, h.text);
    }
  };
  feed();
  for (const line of lines) {
    if (!v.line(line)) break;
    fed++;
    feed();
  }
  for (; next < history.length; next++) v.checkpoint(history[next]!.size, history[next]!.text);
  return v.end(tornBytes);
}

/** The text of a signed note (before its signature block), or the whole text when malformed (opening it reports that). */
function noteBody(note: string): string {
  try {
    return parseNote(note).text;
  } catch {
    return note;
  }
}

function checkShape(value: unknown): Entry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('BAD_ENTRY', 'entry is not a json object');
  const e = value as Record<string, unknown>;
  const fields = Object.keys(e).sort();
  if (fields.join(',') !== ENTRY_FIELDS.join(',')) throw fail('BAD_ENTRY', `entry fields are ${fields.join(',')}, want ${ENTRY_FIELDS.join(',')}`);
  if (e.v !== LEDGER_FORMAT_VERSION) throw fail('BAD_ENTRY', `unsupported format version ${JSON.stringify(e.v)}`);
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 0) throw fail('BAD_ENTRY', 'seq is not a non-negative integer');
  if (typeof e.time !== 'string' || !ENTRY_TIME_PATTERN.test(e.time)) throw fail('BAD_ENTRY', 'time is not an rfc 3339 utc time');
  if (typeof e.kind !== 'string' || typeof e.policy !== 'string') throw fail('BAD_ENTRY', 'kind and policy must be strings');
  if (typeof e.prev !== 'string' || !HEX64.test(e.prev)) throw fail('BAD_ENTRY', 'prev is not 64 lowercase hex digits');
  if (typeof e.body !== 'object' || e.body === null || Array.isArray(e.body)) throw fail('BAD_ENTRY', 'body is not an object');
  const sig = e.sig as Record<string, unknown> | null;
  if (typeof sig !== 'object' || sig === null || Object.keys(sig).sort().join(',') !== SIG_FIELDS.join(',')) throw fail('BAD_ENTRY', 'sig must have exactly alg, kid, value');
  if (sig.alg !== SIGNATURE_ALG || typeof sig.kid !== 'string' || typeof sig.value !== 'string') throw fail('BAD_ENTRY', `sig.alg must be ${SIGNATURE_ALG} with string kid and value`);
  return value as Entry;
}

/**
 * The signed bytes of a canonical line. `sig` sorts between `seq` and `time`, and the line is
 * canonical, so the line ends with `,"sig":<sig>,"time":<time>,"v":1}`: cutting the `sig`
 * member out of the text gives the canonical entry without it, without re-serializing the body.
 */
function signingBytesOf(bytes: Uint8Array, text: string, entry: Entry): Uint8Array {
  const tail = `,"time":${JSON.stringify(entry.time)},"v":${LEDGER_FORMAT_VERSION}}`;
  const withSig = `,"sig":${canonicalize(entry.sig)}${tail}`;
  if (!text.endsWith(withSig)) return signingBytes(entry);
  // Byte slicing instead of re-encoding the text: the prefix bytes are the line's own.
  const cut = bytes.byteLength - Buffer.byteLength(withSig, 'utf8');
  return Buffer.concat([bytes.subarray(0, cut), Buffer.from(tail, 'utf8')]);
}
