// Where ledger keys come from on a machine: the signing key from TRAILMARK_SIGNING_KEY (key
// text, for CI secrets) or a key file; verifier keys from arguments that are either a key or a
// file holding keys (one per line, `#` comments). Key files are read here because only
// ledger/store/ touches the file system.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { LedgerError, UsageError } from '../../core/errors.js';
import { parseSignerKey, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../note.js';

export const SIGNING_KEY_ENV = 'TRAILMARK_SIGNING_KEY';

function resolve(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError('NOT_FOUND', `cannot read ${what} ${path}`, { cause: err, hint: 'check the path; keys are created by `trailmark keygen --name ORIGIN --out PREFIX`' });
  }
}

/**
 * The signing key: `keyFile` when given, else the TRAILMARK_SIGNING_KEY variable. Without one,
 * refuses (never writes unsigned entries). Key text is secret and never echoed.
 */
export function loadSigner(source: { readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string; readonly keyFile?: string }): NoteSigner {
  if (source.keyFile !== undefined) return parseSignerKey(readText(resolve(source.cwd, source.keyFile), 'signing key file'));
  const text = source.env[SIGNING_KEY_ENV];
  if (text !== undefined && text.trim() !== '') return parseSignerKey(text);
  throw new UsageError('NO_KEY', 'no ledger signing key: refusing to write unsigned ledger entries', {
    hint: `set ${SIGNING_KEY_ENV} to the contents of a PRIVATE+KEY file or pass --key-file PATH (create one with \`trailmark keygen --name ORIGIN --out PREFIX\`)`,
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Verifier keys from `--key` values: each a key or a file of keys. At least one is required. */
export function loadVerifiers(values: readonly string[], cwd: string): NoteVerifier[] {
  if (values.length === 0) {
    throw new UsageError('NO_KEY', 'no verifier key given', { hint: 'pass --key PUB (a name+hash+base64 key, or the .pub file written by `trailmark keygen`); repeat it for rotated keys' });
  }
  const out: NoteVerifier[] = [];
  for (const value of values) {
    const path = resolve(cwd, value);
    if (isFile(path)) {
      const keys = readText(path, 'key file')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'));
      if (keys.length === 0) throw new LedgerError('BAD_KEY', `key file ${value} holds no key`, { hint: 'a .pub file holds one name+hash+base64 key per line' });
      out.push(...keys.map(parseVerifierKey));
    } else {
      out.push(parseVerifierKey(value));
    }
  }
  return out;
}
