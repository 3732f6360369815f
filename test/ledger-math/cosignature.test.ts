import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { cosignatureTimestamp, parseCosignatureVerifierKey } from '../../src/ledger/cosignature.js';
import { keyId, openNote, parseNote } from '../../src/ledger/note.js';
import { vectorText } from './vectors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LedgerError);
    return (err as LedgerError).code;
  }
  return undefined;
}

// FiloSottile/sunlight cmd/skylight/testdata: real witness and mirror cosignatures.
const WITNESS = 'sunlight-skylight/witness';
const CASES = [
  [`${WITNESS}/000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706/checkpoint`, `${WITNESS}/witness.v0.json`, 'witness.example.org+b8a2cf20', ['rome2026h1.example.org']],
  [`${WITNESS}/mirror/000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706/checkpoint`, `${WITNESS}/mirror/mirror.v0.json`, 'mirror.example.org+3fb148ef', []],
  ['sunlight-skylight/witness2/88ad7a28caeb0b2aa890fdf0304c2fcaf59fca2ee140134ff8c1300bac493482/checkpoint', 'sunlight-skylight/witness2/witness.v0.json', 'witness2.example.org+2e55b896', []],
] as const;

const keyOf = (file: string): string => (JSON.parse(vectorText(file)) as { verifier_keys: string[] }).verifier_keys[0]!;

describe('cosignature/v1 (type 0x04) on real sunlight checkpoints', () => {
  it.each(CASES)('%s verifies with the published witness key', (file, keyFile, id, unverified) => {
    const note = vectorText(file);
    const v = parseCosignatureVerifierKey(keyOf(keyFile));
    expect(keyId(v)).toBe(id);
    const opened = openNote(note, [v]);
    expect(opened.verifiedBy).toEqual([v]);
    expect(opened.unverified.map((u) => u.name)).toEqual(unverified);
    expect(parseCheckpoint(opened.text).size).toBe(300);
    const sig = parseNote(note).signatures.find((s) => keyId(s) === id)!;
    expect(cosignatureTimestamp(sig.signature)).toBe(1767139200n);
  });

  it('rejects the cosignature over an altered checkpoint, or carried to another log', () => {
    const [file, keyFile] = CASES[0];
    const v = parseCosignatureVerifierKey(keyOf(keyFile));
    const note = vectorText(file);
    expect(codeOf(() => openNote(note.replace('\n300\n', '\n301\n'), [v]))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openNote(note.replace('rome2026h1', 'milan2026h1'), [v]))).toBe('BAD_SIGNATURE');
  });

  it('the witness key does not verify the other witness checkpoint (different key: ignored, not verified)', () => {
    const v = parseCosignatureVerifierKey(keyOf(CASES[0][1]));
    expect(codeOf(() => openNote(vectorText(CASES[2][0]), [v]))).toBe('UNKNOWN_KEY');
  });

  it('refuses log (0x01) keys and malformed timestamps', () => {
    expect(codeOf(() => parseCosignatureVerifierKey(vectorText('go-sumdb/sum.golang.org.vkey')))).toBe('BAD_KEY');
    expect(cosignatureTimestamp(new Uint8Array(71))).toBeUndefined();
    const tooLate = new Uint8Array(72).fill(0xff);
    expect(cosignatureTimestamp(tooLate)).toBeUndefined();
    const v = parseCosignatureVerifierKey(keyOf(CASES[0][1]));
    expect(v.verify(new Uint8Array(1), tooLate)).toBe(false);
  });
});
