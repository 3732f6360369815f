// Tamper suite: thousands of seeded random mutations of a real ledger (bytes flipped, lines
// deleted, swapped, moved, duplicated, inserted, truncated, re-signed, checkpoints edited or
// replaced by one of a different tree). Every one must be detected, with the right first bad
// seq or checkpoint location. A sample also runs through the directory store's reader.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { verifyLog, type VerifyReport } from '../../src/ledger/verify.js';
import { fixedClock, ORIGIN, prng, scanDrafts, seededRandom } from './fixtures.js';
import { bytesOf, key, mutate, type Ledger } from './mutations.js';

const NL = 0x0a;

let base: Ledger;

/** Splits stored bytes the way a store reads them: complete lines, then the torn remainder. */
function verifyBytes(entries: Buffer, pointer: string | null, history: Map<number, string>): VerifyReport {
  let start = 0;
  const lines: Buffer[] = [];
  for (let i = entries.indexOf(NL); i !== -1; i = entries.indexOf(NL, start)) {
    lines.push(entries.subarray(start, i));
    start = i + 1;
  }
  return verifyLog({ keys: [key.verifier], latest: pointer, history: [...history].map(([size, text]) => ({ size, text })) }, lines, entries.byteLength - start);
}

beforeAll(async () => {
  const store = new MemoryStore();
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  for (let i = 0; i < 12; i++) {
    const drafts = scanDrafts(i).slice(0, 1 + (i % 2));
    await ledger.append(drafts);
  }
  base = {
    lines: store.data.lines.map((l) => Buffer.from(l)),
    pointer: (await store.readCheckpoint())!,
    history: new Map(store.data.checkpoints),
  };
});

describe('tamper detection', () => {
  it('the untouched ledger verifies', () => {
    const r = verifyBytes(bytesOf(base.lines), base.pointer, base.history);
    expect(r.problems).toEqual([]);
    expect(r.entries).toBe(18);
  });

  it('detects 3600 seeded random mutations with the right first bad seq or location', () => {
    const rand = prng(20261123);
    const tally = new Map<string, number>();
    for (let i = 0; i < 3600; i++) {
      const m = mutate(rand, base);
      const r = verifyBytes(m.entries, m.pointer, m.history);
      const first = r.problems[0];
      const label = `#${i} ${m.name}: ${JSON.stringify(first)}`;
      expect(r.ok, label).toBe(false);
      if (m.seq !== undefined) expect(first?.seq, label).toBe(m.seq);
      if (m.location !== undefined) expect(first?.location, label).toBe(m.location);
      if (m.codes !== undefined) expect(m.codes, label).toContain(first?.code);
      const kind = m.name.replace(/[\d,]+/g, '#');
      tally.set(kind, (tally.get(kind) ?? 0) + 1);
    }
    // Every mutation family was exercised, many times.
    expect(tally.size).toBeGreaterThanOrEqual(12);
    for (const [kind, count] of tally) expect(count, kind).toBeGreaterThan(100);
  });

  it('reports the same first problem through the directory store reader', async () => {
    const rand = prng(7);
    const root = mkdtempSync(join(tmpdir(), 'trailmark-tamper-'));
    try {
      for (let i = 0; i < 60; i++) {
        const m = mutate(rand, base);
        const dir = join(root, String(i));
        mkdirSync(join(dir, 'checkpoints'), { recursive: true });
        writeFileSync(join(dir, 'entries.jsonl'), m.entries);
        writeFileSync(join(dir, 'checkpoint'), m.pointer);
        for (const [s, t] of m.history) writeFileSync(join(dir, 'checkpoints', String(s)), t);
        const fromDir = await verifyStore(openDirStore(dir), [key.verifier]);
        const direct = verifyBytes(m.entries, m.pointer, m.history);
        expect(fromDir.problems[0], m.name).toEqual(direct.problems[0]);
        expect(fromDir.ok).toBe(false);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
