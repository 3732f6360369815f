import { verify as cryptoVerify, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { decodeBase64, encodeBase64 } from '../../src/ledger/encoding.js';
import {
  MAX_NOTE_SIGNATURES,
  computeKeyHash,
  formatVerifierKey,
  generateNoteKey,
  keyId,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type NoteSigner,
} from '../../src/ledger/note.js';
import { vectorText } from './vectors.js';

function errorOf(fn: () => unknown): LedgerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LedgerError);
    return err as LedgerError;
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

const line = (path: string): string => vectorText(path).trim();

// golang.org/x/mod v0.7.0 sumdb/note/note_test.go
const PETER_SKEY = line('x-mod-note/peter.skey');
const PETER_VKEY = line('x-mod-note/peter.vkey');
const ENOCH_VKEY = line('x-mod-note/enoch.vkey');
const PETER_ENOCH_NOTE = vectorText('x-mod-note/peter-enoch.note');
const PETER_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";

/** A fixed seed so keys and signatures are reproducible (Ed25519 is deterministic). */
const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

describe('x/mod sumdb/note vectors (PeterNeumann, EnochRoot)', () => {
  it('the vector files hold the published keys', () => {
    expect(PETER_SKEY).toBe('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz');
    expect(PETER_VKEY).toBe('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    expect(ENOCH_VKEY).toBe('EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop');
  });

  it('generateNoteKey from the same seed reproduces both key strings', () => {
    const peterSeed = decodeBase64(PETER_SKEY.split('+').slice(4).join('+'))!.subarray(1);
    expect(peterSeed).toHaveLength(32);
    expect(generateNoteKey('PeterNeumann', peterSeed)).toEqual({ signerKey: PETER_SKEY, verifierKey: PETER_VKEY });
  });

  it('parses the keys with the published name, hash and public key', () => {
    const signer = parseSignerKey(PETER_SKEY);
    const verifier = parseVerifierKey(PETER_VKEY);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(verifier.keyHash).toBe(0xc74f20a3);
    expect(encodeBase64(signer.publicKey)).toBe(encodeBase64(verifier.publicKey));
    expect(keyId(signer)).toBe('PeterNeumann+c74f20a3');
    expect(keyId(parseVerifierKey(ENOCH_VKEY))).toBe('EnochRoot+af0cfe78');
  });

  it('formatVerifierKey gives the published verifier key for the signer and the verifier', () => {
    expect(formatVerifierKey(parseSignerKey(PETER_SKEY))).toBe(PETER_VKEY);
    expect(formatVerifierKey(parseVerifierKey(ENOCH_VKEY))).toBe(ENOCH_VKEY);
  });

  it('signing the text reproduces the published signature line byte for byte', () => {
    const signed = signNote(PETER_TEXT, [parseSignerKey(PETER_SKEY)]);
    const peterLine = PETER_ENOCH_NOTE.split('\n').find((l) => l.startsWith('\u2014 PeterNeumann '))!;
    expect(signed).toBe(`${PETER_TEXT}\n${peterLine}\n`);
  });

  it('opens the two-signature note with both keys, and with either alone', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    const enoch = parseVerifierKey(ENOCH_VKEY);
    const both = openNote(PETER_ENOCH_NOTE, [enoch, peter]);
    expect(both.text).toBe(PETER_TEXT);
    expect(both.verifiedBy.map(keyId)).toEqual(['PeterNeumann+c74f20a3', 'EnochRoot+af0cfe78']);
    expect(both.unverified).toEqual([]);
    const onlyEnoch = openNote(PETER_ENOCH_NOTE, [enoch]);
    expect(onlyEnoch.verifiedBy.map(keyId)).toEqual(['EnochRoot+af0cfe78']);
    expect(onlyEnoch.unverified).toEqual([{ name: 'PeterNeumann', keyHash: 0xc74f20a3 }]);
  });

  it('a signature by a known key over altered text is rejected', () => {
    const altered = PETER_ENOCH_NOTE.replace('cryptography', 'cryptographY');
    expect(errorOf(() => openNote(altered, [parseVerifierKey(PETER_VKEY)])).code).toBe('BAD_SIGNATURE');
  });

  it('our own verify agrees with node:crypto on the published public key', () => {
    const v = parseVerifierKey(PETER_VKEY);
    const { signatures, text } = parseNote(PETER_ENOCH_NOTE);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), v.publicKey]);
    const pub = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(cryptoVerify(null, Buffer.from(text), pub, signatures[0]!.signature)).toBe(true);
    expect(v.verify(Buffer.from(text), signatures[0]!.signature)).toBe(true);
  });
});

describe('C2SP signed-note example', () => {
  const note = vectorText('c2sp/signed-note-example.note');
  const vkey = parseVerifierKey(vectorText('c2sp/signed-note-example.vkey'));

  it('verifies with its published key', () => {
    expect(keyId(vkey)).toBe('example.com/foo+530d903a');
    const opened = openNote(note, [vkey]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verifiedBy).toEqual([vkey]);
  });

  it('the key hash is SHA-256(name || 0x0A || 0x01 || pub)[:4]', () => {
    expect(computeKeyHash('example.com/foo', 0x01, vkey.publicKey)).toBe(0x530d903a);
  });
});

describe('the Go checksum database signed tree head', () => {
  it('verifies with sum.golang.org.vkey', () => {
    const vkey = parseVerifierKey(vectorText('go-sumdb/sum.golang.org.vkey'));
    expect(keyId(vkey)).toBe('sum.golang.org+033de0ae');
    const opened = openNote(vectorText('go-sumdb/latest.note'), [vkey]);
    expect(opened.text.startsWith('go.sum database tree\n65664258\n')).toBe(true);
    expect(opened.verifiedBy.map(keyId)).toEqual(['sum.golang.org+033de0ae']);
  });
});

describe('keys', () => {
  it('round-trips generated keys and signs notes that open with the verifier key', () => {
    const { signerKey, verifierKey } = generateNoteKey('example.com/trailmark', seed(7));
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+example\.com\/trailmark\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    const signer = parseSignerKey(signerKey + '\n');
    const verifier = parseVerifierKey(`  ${verifierKey}\r\n`);
    expect(keyId(signer)).toBe(keyId(verifier));
    const note = signNote('hello\n', [signer]);
    expect(openNote(note, [verifier]).text).toBe('hello\n');
    // Deterministic: same seed, same text, same note.
    expect(signNote('hello\n', [parseSignerKey(generateNoteKey('example.com/trailmark', seed(7)).signerKey)])).toBe(note);
  });

  const good = generateNoteKey('example.com/k', seed(1));
  const [, , gName, gHash, gB64] = good.signerKey.split('+', 5) as [string, string, string, string, string];
  const gMaterial = good.signerKey.slice(`PRIVATE+KEY+${gName}+${gHash}+`.length);
  const vMaterial = good.verifierKey.slice(`${gName}+${gHash}+`.length);
  const withAlg = (alg: number, b64: string): string => {
    const bytes = decodeBase64(b64)!;
    const copy = new Uint8Array(bytes);
    copy[0] = alg;
    return encodeBase64(copy);
  };
  void gB64;

  it.each<[string, string, RegExp]>([
    ['empty', '', /does not start with PRIVATE\+KEY\+/],
    ['a verifier key', good.verifierKey, /does not start/],
    ['missing parts', 'PRIVATE+KEY+name', /not of the form/],
    ['bad hash', `PRIVATE+KEY+${gName}+xyz+${gMaterial}`, /malformed key hash/],
    ['wrong hash', `PRIVATE+KEY+${gName}+00000000+${gMaterial}`, /does not match its key/],
    ['url-safe alphabet', `PRIVATE+KEY+${gName}+${gHash}+-${gMaterial.slice(1)}`, /malformed base64/],
    ['truncated base64', `PRIVATE+KEY+${gName}+${gHash}+${gMaterial.slice(0, -1)}`, /malformed base64/],
    ['short seed', `PRIVATE+KEY+${gName}+${gHash}+${gMaterial.slice(0, -4)}`, /29-byte ed25519 seed/],
    ['unknown algorithm', `PRIVATE+KEY+${gName}+${gHash}+${withAlg(0x02, gMaterial)}`, /unsupported algorithm 0x02/],
    ['space in name', `PRIVATE+KEY+a b+${gHash}+${gMaterial}`, /invalid name/],
    ['empty name', `PRIVATE+KEY++${gHash}+${gMaterial}`, /invalid name/],
  ])('parseSignerKey rejects %s with BAD_KEY and a hint, without echoing the secret', (_n, text, message) => {
    const err = errorOf(() => parseSignerKey(text));
    expect(err.code).toBe('BAD_KEY');
    expect(err.message).toMatch(message);
    expect(err.hint).toBeTruthy();
    expect(err.message).not.toContain(gMaterial);
  });

  it.each<[string, string, RegExp]>([
    ['a signer key', good.signerKey, /got a signer \(private\) key/],
    ['garbage', 'not a key', /not of the form/],
    ['wrong hash', `${gName}+deadbeef+${vMaterial}`, /does not match its key/],
    ['short key', `${gName}+${computeKeyHash(gName, 1, new Uint8Array([2, 3])).toString(16).padStart(8, '0')}+${encodeBase64(new Uint8Array([1, 2, 3]))}`, /2-byte ed25519 public key/],
    ['cosignature (0x04) key', 'witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN', /unsupported algorithm 0x04/],
    ['non-zero base64 pad bits', `${gName}+${gHash}+${vMaterial.slice(0, -1)}${vMaterial.endsWith('=') ? '=' : 'B'}`, /malformed base64|does not match/],
  ])('parseVerifierKey rejects %s with BAD_KEY', (_n, text, message) => {
    const err = errorOf(() => parseVerifierKey(text));
    expect(err.code).toBe('BAD_KEY');
    expect(err.message).toMatch(message);
  });

  it.each<[string, string, number]>([
    ['invalid name', 'a+b', 32],
    ['name with a space', 'a b', 32],
    ['name with a no-break space', 'a\u00a0b', 32],
    ['short seed', 'ok', 31],
  ])('generateNoteKey rejects %s', (_n, name, len) => {
    expect(errorOf(() => generateNoteKey(name, new Uint8Array(len))).code).toBe('BAD_KEY');
  });
});

describe('signNote and openNote', () => {
  const a = parseSignerKey(generateNoteKey('example.com/a', seed(1)).signerKey);
  const b = parseSignerKey(generateNoteKey('example.com/b', seed(2)).signerKey);
  const va = parseVerifierKey(generateNoteKey('example.com/a', seed(1)).verifierKey);
  const vb = parseVerifierKey(generateNoteKey('example.com/b', seed(2)).verifierKey);
  const vOther = parseVerifierKey(generateNoteKey('example.com/other', seed(3)).verifierKey);

  it('signs with every signer in order, after a blank line', () => {
    const note = signNote('line one\n\nline three\n', [a, b]);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual(['line one', '', 'line three', '']);
    expect(lines[4]).toMatch(/^\u2014 example\.com\/a [A-Za-z0-9+/]{91}=$/);
    expect(lines[5]).toMatch(/^\u2014 example\.com\/b /);
    expect(lines[6]).toBe('');
    // Text with its own blank lines: the last blank line separates text from signatures.
    const opened = openNote(note, [vb]);
    expect(opened.text).toBe('line one\n\nline three\n');
    expect(opened.unverified).toEqual([{ name: 'example.com/a', keyHash: a.keyHash }]);
  });

  it('a signature-like line before the last blank line is text, not a signature', () => {
    const note = `x\n\n${signNote('x\n', [a]).split('\n')[2]!}\n${signNote('x\n', [b]).slice(2)}`;
    expect(parseNote(note).signatures).toHaveLength(1);
    expect(errorOf(() => openNote(note, [vb])).code).toBe('BAD_SIGNATURE');
  });

  it('text ending in a blank line round-trips', () => {
    expect(openNote(signNote('a\n\n', [a]), [va]).text).toBe('a\n\n');
  });

  it.each<[string, string]>([
    ['no final newline', 'abc'],
    ['empty text', ''],
    ['control character', 'a\u0007b\n'],
    ['carriage return', 'a\r\n'],
    ['lone surrogate', 'a\uD800\n'],
  ])('refuses to sign text with %s', (_n, text) => {
    expect(errorOf(() => signNote(text, [a])).code).toBe('BAD_CHECKPOINT');
  });

  it('refuses no signers and duplicate signers', () => {
    expect(errorOf(() => signNote('x\n', [])).code).toBe('BAD_SIGNATURE');
    expect(errorOf(() => signNote('x\n', [a, a])).code).toBe('BAD_SIGNATURE');
  });

  it('ignores signatures by unknown keys that share a name or a hash with a known key', () => {
    const note = signNote('x\n', [a]);
    const impostorName: NoteSigner = { ...b, name: 'example.com/a' };
    const impostorHash: NoteSigner = { ...b, keyHash: a.keyHash };
    const mixed = signNote('x\n', [impostorName, impostorHash, a]);
    const opened = openNote(mixed, [va]);
    expect(opened.verifiedBy).toEqual([va]);
    expect(opened.unverified).toEqual([
      { name: 'example.com/a', keyHash: b.keyHash },
      { name: 'example.com/b', keyHash: a.keyHash },
    ]);
    expect(openNote(note, [va, vb]).verifiedBy).toEqual([va]);
  });

  it('rejects a note no trusted key signed, naming the signers and the trusted keys', () => {
    const err = errorOf(() => openNote(signNote('x\n', [a]), [vOther]));
    expect(err.code).toBe('UNKNOWN_KEY');
    expect(err.message).toContain('example.com/a+');
    expect(err.hint).toContain('example.com/other+');
    expect(errorOf(() => openNote(signNote('x\n', [a]), [])).code).toBe('UNKNOWN_KEY');
  });

  it('rejects a note where a known key signature fails even if another verifies', () => {
    const note = signNote('x\n', [a, b]);
    const sigs = note.split('\n');
    const forgedB = sigs[3]!.slice(0, -8) + (sigs[3]!.endsWith('AAAAAAA=') ? 'BBBBBBB=' : 'AAAAAAA=');
    const forged = [sigs[0], sigs[1], sigs[2], forgedB, ''].join('\n');
    expect(errorOf(() => openNote(forged, [va, vb])).code).toBe('BAD_SIGNATURE');
    expect(openNote(forged, [va]).verifiedBy).toEqual([va]);
  });

  it('verifies a repeated signature line once and reports repeated unknown ones once', () => {
    const note = signNote('x\n', [a, b]);
    const [text, sigA, sigB] = [note.slice(0, 3), note.split('\n')[2]!, note.split('\n')[3]!];
    const doubled = `${text}${sigA}\n${sigA}\n${sigB}\n${sigB}\n`;
    const opened = openNote(doubled, [va]);
    expect(opened.verifiedBy).toEqual([va]);
    expect(opened.unverified).toHaveLength(1);
  });

  const sig = (signer: NoteSigner): string => signNote('x\n', [signer]).split('\n')[2]!;
  it.each<[string, string]>([
    ['no blank line', `x\n${'\u2014'} a AAAAAAAA\n`],
    ['no signature lines', 'x\n\n'],
    ['missing final newline', signNote('x\n', [a]).slice(0, -1)],
    ['hyphen instead of em dash', signNote('x\n', [a]).replace('\u2014', '-')],
    ['no space after the dash', signNote('x\n', [a]).replace('\u2014 ', '\u2014')],
    ['empty name', `x\n\n\u2014  AAAAAAAA\n`],
    ['no signature', 'x\n\n\u2014 example.com/a\n'],
    ['empty signature', 'x\n\n\u2014 example.com/a \n'],
    ['too short a signature', 'x\n\n\u2014 example.com/a AAAAAA==\n'],
    ['invalid base64', 'x\n\n\u2014 example.com/a !!!!\n'],
    ['unpadded base64', signNote('x\n', [a]).replace(/=\n$/, '\n')],
    ['trailing space', signNote('x\n', [a]).replace(/\n$/, ' \n')],
    ['carriage returns', signNote('x\n', [a]).replaceAll('\n', '\r\n')],
    ['control character in the text', `x\u0001\n\n${sig(a)}\n`],
    ['lone surrogate in the text', `x\uDC00\n\n${sig(a)}\n`],
    ['a name with a plus', `x\n\n\u2014 a+b AAAAAAAA\n`],
  ])('rejects a malformed note: %s', (_n, note) => {
    expect(errorOf(() => openNote(note, [va])).code).toMatch(/^(BAD_CHECKPOINT|UNKNOWN_KEY)$/);
    expect(errorOf(() => parseNote(note)).code).toBe('BAD_CHECKPOINT');
  });

  it(`accepts ${MAX_NOTE_SIGNATURES} signatures and rejects ${MAX_NOTE_SIGNATURES + 1}`, () => {
    const unknown = sig(b);
    const many = (n: number): string => `x\n\n${sig(a)}\n${`${unknown}\n`.repeat(n - 1)}`;
    expect(openNote(many(MAX_NOTE_SIGNATURES), [va]).verifiedBy).toEqual([va]);
    expect(errorOf(() => openNote(many(MAX_NOTE_SIGNATURES + 1), [va])).code).toBe('BAD_CHECKPOINT');
  });
});
