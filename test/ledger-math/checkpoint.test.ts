import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { openCheckpoint, formatCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from '../../src/ledger/checkpoint.js';
import { decodeBase64, encodeBase64, encodeHex } from '../../src/ledger/encoding.js';
import { EMPTY_ROOT, leafHash, rootOf } from '../../src/ledger/merkle.js';
import { generateNoteKey, keyId, openNote, parseNote, parseSignerKey, parseVerifierKey, signNote } from '../../src/ledger/note.js';
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

const ROOT = rootOf([leafHash(new Uint8Array([1]))]);
const key = generateNoteKey('example.com/ledger', new Uint8Array(32).fill(9));
const signer = parseSignerKey(key.signerKey);
const verifier = parseVerifierKey(key.verifierKey);

describe('the Go checksum database tree head', () => {
  const note = vectorText('go-sumdb/latest.note');
  const vkey = parseVerifierKey(vectorText('go-sumdb/sum.golang.org.vkey'));

  it('opens as a checkpoint: origin with spaces, size 65664258', () => {
    const { checkpoint, verifiedBy } = openCheckpoint(note, [vkey], { origin: 'go.sum database tree' });
    expect(checkpoint.origin).toBe('go.sum database tree');
    expect(checkpoint.size).toBe(65664258);
    expect(encodeBase64(checkpoint.root)).toBe('WVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=');
    expect(checkpoint.extensions).toEqual([]);
    expect(verifiedBy.map(keyId)).toEqual(['sum.golang.org+033de0ae']);
    expect(formatCheckpoint(checkpoint)).toBe(parseNote(note).text);
  });

  it('rejects a different expected origin and any change to the size', () => {
    expect(errorOf(() => openCheckpoint(note, [vkey], { origin: 'example.com/log' })).code).toBe('BAD_CHECKPOINT');
    expect(errorOf(() => openCheckpoint(note.replace('65664258', '65664259'), [vkey])).code).toBe('BAD_SIGNATURE');
  });
});

describe('C2SP tlog-checkpoint example (keys unpublished)', () => {
  const note = vectorText('c2sp/tlog-checkpoint-example.txt');
  it('parses as a checkpoint with a log signature and a witness cosignature', () => {
    const { text, signatures } = parseNote(note);
    expect(parseCheckpoint(text)).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      root: decodeBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='),
      extensions: [],
    });
    expect(signatures.map((s) => s.name)).toEqual(['example.com/behind-the-sofa', 'witness.example.com/w1']);
    expect(errorOf(() => openNote(note, [verifier])).code).toBe('UNKNOWN_KEY');
  });
});

describe('sunlight/skylight checkpoints with cosignature/v1 (type 0x04) signatures', () => {
  const files = [
    ['sunlight-skylight/witness/000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706/checkpoint', 'rome2026h1.example.org', 2],
    ['sunlight-skylight/witness/mirror/000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706/checkpoint', 'rome2026h1.example.org', 1],
    ['sunlight-skylight/witness2/88ad7a28caeb0b2aa890fdf0304c2fcaf59fca2ee140134ff8c1300bac493482/checkpoint', 'milan2026h1.example.org', 1],
  ] as const;

  it.each(files)('%s parses as a note and a 300-leaf checkpoint', (file, origin, nsigs) => {
    const note = vectorText(file);
    const { text, signatures } = parseNote(note);
    const c = parseCheckpoint(text);
    expect(c.origin).toBe(origin);
    expect(c.size).toBe(300);
    expect(signatures).toHaveLength(nsigs);
    expect(formatCheckpoint(c)).toBe(text);
    // No trusted key among the signers: rejected as unknown, naming them, without crashing.
    const err = errorOf(() => openNote(note, [verifier]));
    expect(err.code).toBe('UNKNOWN_KEY');
    for (const s of signatures) expect(err.message).toContain(keyId(s));
  });

  it('cosignatures next to a trusted signature are reported as unverified', () => {
    const note = vectorText(files[0][0]);
    const { text, signatures } = parseNote(note);
    const ours = signNote(text, [signer]).slice(text.length + 1);
    const combined = note + ours;
    const opened = openNote(combined, [verifier]);
    expect(opened.verifiedBy).toEqual([verifier]);
    expect(opened.unverified).toEqual(signatures.map((s) => ({ name: s.name, keyHash: s.keyHash })));
    expect(opened.unverified.map(keyId)).toContain('witness.example.org+b8a2cf20');
  });
});

describe('formatCheckpoint / parseCheckpoint', () => {
  it('formats origin, size, base64 root and extension lines, each ending in a newline', () => {
    const c: Checkpoint = { origin: 'example.com/ledger', size: 1, root: ROOT, extensions: ['ext one', 'ext+two'] };
    const text = formatCheckpoint(c);
    expect(text).toBe(`example.com/ledger\n1\n${encodeBase64(ROOT)}\next one\next+two\n`);
    const back = parseCheckpoint(text);
    expect(back).toEqual({ ...c, root: back.root });
    expect(encodeHex(back.root)).toBe(encodeHex(ROOT));
  });

  it('formats the empty tree', () => {
    expect(formatCheckpoint({ origin: 'o', size: 0, root: EMPTY_ROOT, extensions: [] })).toBe('o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n');
  });

  const r = encodeBase64(ROOT);
  it.each<[string, string, RegExp]>([
    ['leading zero', `o\n01\n${r}\n`, /leading zeros/],
    ['zero padded zero', `o\n00\n${r}\n`, /leading zeros/],
    ['negative size', `o\n-1\n${r}\n`, /not a decimal/],
    ['plus sign', `o\n+1\n${r}\n`, /not a decimal/],
    ['space before size', `o\n 1\n${r}\n`, /not a decimal/],
    ['fractional size', `o\n1.0\n${r}\n`, /not a decimal/],
    ['empty size', `o\n\n${r}\n`, /not a decimal/],
    ['size above 2^53 - 1', `o\n9007199254740992\n${r}\n`, /larger than 2\^53/],
    ['root of 31 bytes', `o\n1\n${encodeBase64(ROOT.subarray(1))}\n`, /31 bytes/],
    ['root in url-safe base64', `o\n1\n-${r.slice(1)}\n`, /not standard base64/],
    ['root without padding', `o\n1\n${r.replace(/=+$/, '')}\n`, /not standard base64/],
    ['empty origin', `\n1\n${r}\n`, /origin is empty/],
    ['empty extension line', `o\n1\n${r}\n\next\n`, /extension line 1 is empty/],
    ['two lines only', `o\n1\n`, /want at least 3/],
    ['no final newline', `o\n1\n${r}`, /end with a newline/],
    ['control character in origin', `o\u0007\n1\n${r}\n`, /control character/],
    ['carriage return line ends', `o\r\n1\r\n${r}\r\n`, /control character/],
  ])('parseCheckpoint rejects %s', (_n, text, message) => {
    const err = errorOf(() => parseCheckpoint(text));
    expect(err.code).toBe('BAD_CHECKPOINT');
    expect(err.message).toMatch(message);
  });

  it.each<[string, Checkpoint]>([
    ['empty origin', { origin: '', size: 0, root: EMPTY_ROOT, extensions: [] }],
    ['newline in origin', { origin: 'a\nb', size: 0, root: EMPTY_ROOT, extensions: [] }],
    ['negative size', { origin: 'o', size: -1, root: EMPTY_ROOT, extensions: [] }],
    ['fractional size', { origin: 'o', size: 1.5, root: EMPTY_ROOT, extensions: [] }],
    ['unsafe size', { origin: 'o', size: 2 ** 53, root: EMPTY_ROOT, extensions: [] }],
    ['short root', { origin: 'o', size: 0, root: new Uint8Array(31), extensions: [] }],
    ['empty extension', { origin: 'o', size: 0, root: EMPTY_ROOT, extensions: [''] }],
    ['newline in extension', { origin: 'o', size: 0, root: EMPTY_ROOT, extensions: ['a\n'] }],
  ])('formatCheckpoint rejects %s', (_n, c) => {
    expect(errorOf(() => formatCheckpoint(c)).code).toBe('BAD_CHECKPOINT');
  });
});

describe('signCheckpoint / openCheckpoint', () => {
  const c: Checkpoint = { origin: 'example.com/ledger', size: 1, root: ROOT, extensions: [] };

  it('signs with the origin as key name and opens again', () => {
    const note = signCheckpoint(c, [signer]);
    expect(note.startsWith(`${formatCheckpoint(c)}\n\u2014 example.com/ledger `)).toBe(true);
    const opened = openCheckpoint(note, [verifier], { origin: 'example.com/ledger' });
    expect(opened.checkpoint.size).toBe(1);
    expect(encodeHex(opened.checkpoint.root)).toBe(encodeHex(ROOT));
  });

  it('a validly signed note whose text is not a checkpoint is BAD_CHECKPOINT', () => {
    const note = signNote('just text\n', [signer]);
    expect(errorOf(() => openCheckpoint(note, [verifier])).code).toBe('BAD_CHECKPOINT');
  });

  it('a tampered root fails the signature', () => {
    const note = signCheckpoint(c, [signer]);
    const other = encodeBase64(EMPTY_ROOT);
    expect(errorOf(() => openCheckpoint(note.replace(encodeBase64(ROOT), other), [verifier])).code).toBe('BAD_SIGNATURE');
  });
});
