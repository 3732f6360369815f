// What an attacker can open from raw storage bytes (every blob of a git object database, every
// row of a database dump, every file of a directory): the openings in clear, and the sealed
// openings that any wrapped key found ANYWHERE in the same bytes opens under the given KEKs.
import { openSealed, parseWrappedKey, unwrapSubjectKey, type SubjectKek } from '../../src/ledger/subject-seal.js';
import type { Random } from '../../src/core/ports.js';
import { parseSubjectRecord, type SealedSubjectRecord } from '../../src/ledger/subjects.js';
import { randomBytes } from 'node:crypto';

/** Real randomness for subject keys and nonces (a seeded one would repeat keys across stores). */
export const realRandom: Random = { bytes: (n) => new Uint8Array(randomBytes(n)) };

/** JSON objects found in the text: every line, and every JSON-looking string inside a line. */
function candidates(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.replace(/^[+-]/, '').trim();
    if (t.startsWith('{')) out.push(t);
    // Rows of a dump: `record` columns printed among other columns, tab- or pipe-separated.
    for (const part of t.split(/\t|\|/)) if (part.trim().startsWith('{') && part.trim() !== t) out.push(part.trim());
  }
  return out;
}

/** Values readable from `chunks` with the KEKs an attacker holds. */
export function openableValues(chunks: readonly (Uint8Array | string)[], keks: readonly SubjectKek[]): Set<string> {
  const keys = new Map<string, Uint8Array[]>();
  const sealed: SealedSubjectRecord[] = [];
  const values = new Set<string>();
  for (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const c of candidates(text)) {
      const w = parseWrappedKey(c);
      if (w !== null) {
        for (const kek of keks) {
          const key = unwrapSubjectKey(kek, w);
          if (key !== null) keys.set(w.kid, [...(keys.get(w.kid) ?? []), key]);
        }
        continue;
      }
      const r = parseSubjectRecord(c);
      if (r === null) continue;
      if ('value' in r) values.add(r.value);
      else if ('sealed' in r) sealed.push(r);
    }
  }
  for (const r of sealed) {
    for (const key of keys.get(r.kid) ?? []) {
      const opened = openSealed(r, key);
      if (opened !== null) values.add(opened.value);
    }
  }
  return values;
}

/** True when `needle` occurs in any chunk as UTF-8 bytes. */
export function containsText(chunks: readonly (Uint8Array | string)[], needle: string): boolean {
  const n = Buffer.from(needle, 'utf8');
  return chunks.some((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c)).includes(n));
}
