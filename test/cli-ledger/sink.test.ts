// The ledger-directory sink of `trailmark scan --ledger` (engine/ledger.ts storeLedgerSink over
// a store): one append per analysis key, whatever else the entries hold, and a torn tail
// repaired (and reported) before the lookup.
import { describe, expect, it } from 'vitest';
import { storeLedgerSink } from '../../src/engine/ledger.js';
import type { EntryDraft } from '../../src/ledger/log.js';
import { MemoryLedgerData, MemoryStore } from '../../src/ledger/store/memory.js';
import { changeBody, fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from '../ledger/fixtures.js';

const key = testKey();

function drafts(i: number, job: string): EntryDraft[] {
  const [change, ...rest] = scanDrafts(i);
  return [{ ...change!, body: { ...changeBody(i), job } }, ...rest];
}

function sink(data: MemoryLedgerData, repairs: string[] = []) {
  return storeLedgerSink({ store: new MemoryStore(data, 'mem'), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom(), onRepair: (m) => repairs.push(m) });
}

describe('storeLedgerSink', () => {
  it('appends once per analysis key; another key appends', async () => {
    const data = new MemoryLedgerData();
    const first = await sink(data).appendOnce('analysis:cli:/r:a..b:default-1', drafts(1, 'analysis:cli:/r:a..b:default-1'));
    expect(first?.size).toBe(2);
    expect(await sink(data).appendOnce('analysis:cli:/r:a..b:default-1', drafts(1, 'analysis:cli:/r:a..b:default-1'))).toBeNull();
    expect(data.lines).toHaveLength(2);
    const other = await sink(data).appendOnce('analysis:cli:/r:a..c:default-1', drafts(2, 'analysis:cli:/r:a..c:default-1'));
    expect(other?.size).toBe(4);
    expect(sink(data).location).toBe('mem');
  });

  it('matches the key only in the job field', async () => {
    const data = new MemoryLedgerData();
    // The first analysis's finding message and path carry the text of the second key.
    await sink(data).appendOnce('analysis:one', drafts(1, 'analysis:one'));
    expect(new TextDecoder().decode(data.lines[1])).toContain('"src/file-1.ts"');
    const appended = await sink(data).appendOnce('src/file-1.ts', drafts(3, 'src/file-1.ts'));
    expect(appended?.size).toBe(4);
  });

  it('repairs a torn tail before the lookup and reports it; the torn bytes do not count as a record', async () => {
    const data = new MemoryLedgerData();
    await sink(data).appendOnce('analysis:one', drafts(1, 'analysis:one'));
    data.tearTail(new TextEncoder().encode('{"body":{"job":"analysis:two"'));
    const repairs: string[] = [];
    const appended = await sink(data, repairs).appendOnce('analysis:two', drafts(2, 'analysis:two'));
    expect(appended?.size).toBe(4);
    expect(repairs.join('\n')).toMatch(/torn|partial/i);
  });
});
