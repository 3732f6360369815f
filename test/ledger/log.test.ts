import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { MemoryLedgerData, MemoryStore } from '../../src/ledger/store/memory.js';
import { changeBody, fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from './fixtures.js';

describe('ledger facade over the memory store', () => {
  it('appends atomically, chains, checkpoints and verifies', async () => {
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const r1 = await ledger.append(scanDrafts(0));
    expect(r1.size).toBe(2);
    expect(r1.entries.map((e) => e.seq)).toEqual([0, 1]);
    expect(r1.entries[1]!.entry.prev).toBe(r1.entries[0]!.hash);
    const r2 = await ledger.append(scanDrafts(1));
    expect(r2.size).toBe(4);
    expect(r2.entries[0]!.entry.prev).toBe(r1.entries[1]!.hash);
    const report = await verifyStore(store, [key.verifier]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: 4, checkpoints: 2, origin: ORIGIN, kinds: { 'change.analyzed': 2, finding: 2 } });
    expect(report.checkpoint).toEqual({ size: 4, root: r2.root });
  });

  it('rejects an invalid body before writing anything', async () => {
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const bad = { ...changeBody(0), hunkPages: -1 };
    await expect(ledger.append([{ kind: 'change.analyzed', policy: 'p', body: bad }])).rejects.toMatchObject({ code: 'BAD_BODY' });
    expect(store.data.lines).toHaveLength(0);
  });

  it('rejects entries over 64 KiB with ENTRY_TOO_LARGE', async () => {
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const body = changeBody(0);
    const big = { ...body, hunks: Array.from({ length: 600 }, (_, i) => ({ ...body.hunks[0]!, path: `src/${'x'.repeat(100)}-${i}.ts` })) };
    const err = await ledger.append([{ kind: 'change.analyzed', policy: 'p', body: big }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('ENTRY_TOO_LARGE');
    expect(store.data.lines).toHaveLength(0);
  });

  it('repairs a torn tail and removes uncommitted lines, saying so', async () => {
    const key = testKey();
    const data = new MemoryLedgerData();
    const ledger = await openLedger({ store: new MemoryStore(data), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append(scanDrafts(0));
    data.tearTail(new TextEncoder().encode('{"body":{"sch'));
    const torn = await verifyStore(new MemoryStore(data), [key.verifier]);
    expect(torn.ok).toBe(false);
    expect(torn.problems[0]).toMatchObject({ code: 'TRUNCATED', seq: 2 });
    const r = await ledger.append(scanDrafts(1));
    expect(r.repairs.map((x) => x.kind)).toEqual(['torn-tail']);
    expect((await verifyStore(new MemoryStore(data), [key.verifier])).ok).toBe(true);
  });
});

describe('reading entries for reports', () => {
  it('yields parsed entries with seq and hash, and resolves subjects until erased', async () => {
    const { readEntries, subjectIndex } = await import('../../src/ledger/read.js');
    const { displaySubject } = await import('../../src/ledger/subjects.js');
    const { eraseSubject } = await import('../../src/ledger/erase.js');
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const r = await ledger.append([{ kind: 'change.analyzed', policy: 'p', body: (ctx) => ({ ...changeBody(0), subjects: { 'pr.author': ctx.commit('octocat') } }) }, ...scanDrafts(1)]);
    const read = [];
    for await (const e of readEntries(store)) read.push(e);
    expect(read.map((e) => [e.seq, e.hash, e.entry.kind])).toEqual(r.entries.map((e) => [e.seq, e.hash, e.kind]));
    const commitment = (read[0]!.entry.body as unknown as { subjects: Record<string, string> }).subjects['pr.author']!;
    expect(displaySubject(commitment, await subjectIndex(store))).toBe('octocat');
    expect(await eraseSubject(store, 'octocat', fixedClock())).toEqual({ erased: 1, seqs: [0] });
    expect(displaySubject(commitment, await subjectIndex(store))).toBe('[erased]');
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
    const tail = [];
    for await (const e of readEntries(store, 2)) tail.push(e.seq);
    expect(tail).toEqual([2]);
  });
});
