import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/ledger/canonical.js';
import { ENTRY_TIME_PATTERN, GENESIS_PREV, entryTime, lineHash, signEntry, signEntryLine, signingBytes } from '../../src/ledger/entry.js';
import { leafHash } from '../../src/ledger/merkle.js';
import { keyRing, verifyEntryLine } from '../../src/ledger/verify.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { changeBody, findingBody, prng, testKey } from './fixtures.js';

const key = testKey();

describe('entries', () => {
  it('a signed line is the canonical JSON of the signed entry, and its signature covers the entry without sig', () => {
    const rand = prng(3);
    for (let i = 0; i < 200; i++) {
      const body = rand() < 0.5 ? changeBody(i) : findingBody({ seq: i, hash: lineHash(Buffer.from(String(i))) }, i);
      const kind = body.schema === 'trailmark.finding/v1' ? 'finding' : 'change.analyzed';
      const unsigned = { v: 1 as const, seq: i * 7919, time: entryTime(Math.floor(rand() * 4e12)), kind, prev: GENESIS_PREV, policy: `p-ü-${i}`, body };
      const { entry, line } = signEntry(unsigned, key.signer);
      expect(Buffer.from(line).toString('utf8')).toBe(canonicalize(entry));
      expect(key.verifier.verify(signingBytes(unsigned), Buffer.from(entry.sig.value, 'base64'))).toBe(true);
      expect(verifyEntryLine(line, keyRing([key.verifier]), null).seq).toBe(i * 7919);
      expect(entry.time).toMatch(ENTRY_TIME_PATTERN);
    }
  });

  it('signEntryLine gives signEntry\'s line with its line hash and leaf hash, and earlier lines stay intact', () => {
    const rand = prng(5);
    const kept: { line: Uint8Array; copy: Buffer }[] = [];
    for (let i = 0; i < 120; i++) {
      // Paths of every size up to a line of ~60 KB, some with multi-byte and astral characters.
      const long = 'é'.repeat(Math.floor(rand() * 4000)) + (i % 3 === 0 ? '\u{1F600}' : '');
      const base = changeBody(i);
      const hunk = { ...base.hunks[0]!, path: `src/${long}/f-${i}.ts` };
      const body = { ...base, hunks: Array.from({ length: 1 + Math.floor(rand() * 6) }, () => hunk) };
      const unsigned = { v: 1 as const, seq: i, time: entryTime(Math.floor(rand() * 4e12)), kind: 'change.analyzed', prev: GENESIS_PREV, policy: `p-ü-${i}`, body };
      const signed = signEntryLine(unsigned, key.signer);
      const { line } = signEntry(unsigned, key.signer);
      expect(Buffer.from(signed.line).equals(Buffer.from(line))).toBe(true);
      expect(Buffer.from(signed.line).toString('utf8')).toBe(canonicalize(signed.entry));
      expect(signed.hash).toBe(lineHash(line));
      expect(Buffer.from(signed.leaf).equals(Buffer.from(leafHash(line)))).toBe(true);
      kept.push({ line: signed.line, copy: Buffer.from(signed.line) });
    }
    for (const k of kept) expect(Buffer.from(k.line).equals(k.copy)).toBe(true);
    const huge = { ...changeBody(0), hunks: changeBody(0).hunks.map((h) => ({ ...h, path: 'x'.repeat(4000) })) };
    const many = { ...huge, hunks: Array.from({ length: 20 }, () => huge.hunks[0]!) };
    expect(() => signEntryLine({ v: 1, seq: 0, time: entryTime(0), kind: 'change.analyzed', prev: GENESIS_PREV, policy: 'p', body: many }, key.signer)).toThrow(expect.objectContaining({ code: 'ENTRY_TOO_LARGE' }));
  });

  it('names the signing key by its note key id', () => {
    const { entry } = signEntry({ v: 1, seq: 0, time: entryTime(0), kind: 'change.analyzed', prev: GENESIS_PREV, policy: 'p', body: changeBody(0) }, key.signer);
    expect(entry.sig.kid).toBe(key.verifierKey.split('+').slice(0, 2).join('+'));
    expect(entry.sig.alg).toBe('ed25519');
  });

  it('rejects unknown kinds and mismatched schemas on write', () => {
    const base = { v: 1 as const, seq: 0, time: entryTime(0), prev: GENESIS_PREV, policy: 'p' };
    expect(() => signEntry({ ...base, kind: 'no.such.kind', body: changeBody(0) }, key.signer)).toThrow(/unknown entry kind "no.such.kind"/);
    expect(() => signEntry({ ...base, kind: 'finding', body: changeBody(0) }, key.signer)).toThrow(/does not match kind finding/);
    expect(() => signEntry({ ...base, kind: 'change.analyzed', body: { ...changeBody(0), subjects: { 'PR Author': 'x' } } }, key.signer)).toThrow(/body\/subjects must match pattern/);
  });
});

describe('memory store fake fails loudly on contract breaches', () => {
  it('non-contiguous seq, newline inside a line, shrinking checkpoint', async () => {
    const store = new MemoryStore();
    const lock = await store.lock();
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    await expect(store.append([enc({ seq: 1 })])).rejects.toThrow(/non-contiguous seq: line at index 0 carries seq 1/);
    await store.append([enc({ seq: 0 }), enc({ seq: 1 })]);
    await store.writeCheckpoint(2, 'two\n');
    await expect(store.truncate(1)).rejects.toThrow(/below the latest checkpoint/);
    await expect(store.append([enc({ seq: 2 }), new TextEncoder().encode('{"seq":3}\n')])).rejects.toThrow(/contains a newline/);
    await expect(store.writeCheckpoint(1, 'one\n')).rejects.toThrow(/checkpoint for size 1 over 2 lines/);
    await lock.release();
    await expect(store.writeTreeState('x')).rejects.toThrow(/without holding the lock/);
  });
});
