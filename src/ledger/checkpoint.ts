// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text naming a log's tree head.
//   <origin>\n<tree size, decimal, no leading zeros>\n<base64 RFC 6962 root>\n[<extension>\n]...
// The origin must be non-empty; spaces and "+" are allowed (the Go checksum database's origin
// is "go.sum database tree"). Sizes are limited to 2^53 - 1, the largest exact JS integer.
import { LedgerError } from '../core/errors.js';
import { decodeBase64, encodeBase64 } from './encoding.js';
import { HASH_SIZE } from './merkle.js';
import { hasControlCharacter, openNote, signNote, type NoteSigner, type NoteVerifier, type OpenedNote } from './note.js';

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function formatCheckpoint(c: Checkpoint): string {
  checkLine('origin', c.origin);
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw bad(`tree size ${String(c.size)} is not a non-negative safe integer`);
  if (c.root.byteLength !== HASH_SIZE) throw bad(`root hash has ${c.root.byteLength} bytes, want ${HASH_SIZE}`);
  c.extensions.forEach((e, i) => checkLine(`extension line ${i + 1}`, e));
  let out = `${c.origin}\n${c.size}\n${encodeBase64(c.root)}\n`;
  for (const e of c.extensions) out += e + '\n';
  return out;
}

/** Parses checkpoint note text (attacker-controlled). Throws LedgerError('BAD_CHECKPOINT'). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw bad('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad(`checkpoint has ${lines.length} lines, want at least 3 (origin, size, root)`);
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine('origin', origin);
  if (!DECIMAL.test(sizeText)) throw bad(`tree size ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw bad(`tree size ${sizeText} is larger than 2^53 - 1`);
  const root = decodeBase64(rootText);
  if (root === undefined) throw bad(`root hash ${JSON.stringify(rootText)} is not standard base64`);
  if (root.byteLength !== HASH_SIZE) throw bad(`root hash has ${root.byteLength} bytes, want ${HASH_SIZE}`);
  extensions.forEach((e, i) => checkLine(`extension line ${i + 1}`, e));
  return { origin, size, root, extensions };
}

export function signCheckpoint(c: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(c), signers);
}

/**
 * Verifies a signed checkpoint note (see `openNote` for the signature rules and error codes)
 * and parses its text. With `origin`, the checkpoint must name exactly that log.
 */
export function openCheckpoint(note: string, verifiers: readonly NoteVerifier[], options: { origin?: string } = {}): OpenedNote & { checkpoint: Checkpoint } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new LedgerError('BAD_CHECKPOINT', `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(options.origin)}`, {
      hint: 'the checkpoint belongs to a different log',
    });
  }
  return { ...opened, checkpoint };
}

function checkLine(what: string, line: string): void {
  if (line === '') throw bad(`${what} is empty`);
  if (hasControlCharacter(line, false)) throw bad(`${what} contains a control character`);
  if (LONE_SURROGATE.test(line)) throw bad(`${what} is not well-formed unicode`);
}

function bad(message: string): LedgerError {
  return new LedgerError('BAD_CHECKPOINT', message);
}
