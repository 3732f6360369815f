// Property tests on attacker-controlled note and checkpoint text: random mutations never crash
// the parsers, never make a changed text verify, and whatever parses has exactly one spelling.
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { formatCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/ledger/checkpoint.js';
import { encodeBase64 } from '../../src/ledger/encoding.js';
import { leafHash, rootOf } from '../../src/ledger/merkle.js';
import { generateNoteKey, openNote, parseNote, parseSignerKey, parseVerifierKey } from '../../src/ledger/note.js';
import { prng } from '../support/prng.js';

const rand = prng(0x6e6f7465);
const pick = (n: number): number => Math.floor(rand() * n);
const oneOf = <T,>(xs: readonly T[]): T => xs[pick(xs.length)]!;

const PIECES = ['\n', '\n\n', ' ', '\u2014', '\u2014 ', '+', '=', '/', 'A', 'a', '0', '9', '-', '\r', '\u0000', '\uD800', '\u00a0', 'é', '\u{1F600}', 'example.com/log', '01', '18446744073709551616'];

function mutate(text: string): string {
  let out = text;
  for (let n = 1 + pick(2); n > 0; n--) {
    const at = pick(out.length + 1);
    const cut = pick(3);
    out = out.slice(0, at) + (pick(3) === 0 ? '' : oneOf(PIECES)) + out.slice(at + cut);
  }
  return out;
}

const ALLOWED = new Set(['BAD_CHECKPOINT', 'BAD_SIGNATURE', 'UNKNOWN_KEY']);

describe('signed checkpoints under random mutation', () => {
  const log = generateNoteKey('example.com/log', new Uint8Array(32).fill(1));
  const witness = generateNoteKey('example.com/witness', new Uint8Array(32).fill(2));
  const signer = parseSignerKey(log.signerKey);
  const verifier = parseVerifierKey(log.verifierKey);
  const root = rootOf([leafHash(new Uint8Array([1])), leafHash(new Uint8Array([2])), leafHash(new Uint8Array([3]))]);
  const note = signCheckpoint({ origin: 'example.com/log', size: 3, root, extensions: ['ext'] }, [signer, parseSignerKey(witness.signerKey)]);
  const text = parseNote(note).text;

  it('either rejects with a ledger code or yields the original text, verified', () => {
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const m = mutate(note);
      try {
        const opened = openNote(m, [verifier]);
        expect(opened.text, JSON.stringify(m)).toBe(text);
        expect(opened.verifiedBy).toEqual([verifier]);
        accepted++;
      } catch (err) {
        expect(err, JSON.stringify(m)).toBeInstanceOf(LedgerError);
        expect(ALLOWED.has((err as LedgerError).code)).toBe(true);
        rejected++;
      }
    }
    // Mutations of the unknown witness line may still open; most mutations must not.
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(3000);
  });
});

describe('checkpoint text under random mutation', () => {
  const base = formatCheckpoint({ origin: 'example.com/log', size: 12345, root: rootOf([leafHash(new Uint8Array([9]))]), extensions: [] });

  it('parses only texts that format back to themselves byte for byte', () => {
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      const m = mutate(base);
      try {
        const c = parseCheckpoint(m);
        expect(formatCheckpoint(c), JSON.stringify(m)).toBe(m);
        expect(c.root.byteLength).toBe(32);
        expect(Number.isSafeInteger(c.size)).toBe(true);
        parsed++;
      } catch (err) {
        expect(err, JSON.stringify(m)).toBeInstanceOf(LedgerError);
        expect((err as LedgerError).code).toBe('BAD_CHECKPOINT');
      }
    }
    expect(parsed).toBeGreaterThan(500);
  });

  it('round-trips random valid checkpoints', () => {
    for (let i = 0; i < 2000; i++) {
      const root = new Uint8Array(32).map(() => pick(256));
      const c = {
        origin: `example.com/${'x'.repeat(pick(5))}${oneOf(['', ' log', '+1', 'é'])}`,
        size: oneOf([0, 1, pick(2 ** 31), Number.MAX_SAFE_INTEGER]),
        root,
        extensions: Array.from({ length: pick(3) }, () => `ext ${pick(100)}`),
      };
      const back = parseCheckpoint(formatCheckpoint(c));
      expect({ ...back, root: encodeBase64(back.root) }).toEqual({ ...c, root: encodeBase64(root) });
    }
  });
});
