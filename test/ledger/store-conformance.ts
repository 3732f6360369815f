// The conformance suite every LedgerStore implementation passes (directory, memory, and later
// git-branch and database stores): `runStoreConformance(name, factory)` inside a test file.
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { MAX_LINE_BYTES } from '../../src/ledger/entry.js';
import type { LedgerStore } from '../../src/ledger/store.js';
import type { SubjectRecord } from '../../src/ledger/subjects.js';

export interface StoreHarness {
  /** A fresh, empty ledger. */
  readonly store: LedgerStore;
  /** Another independent handle on the same ledger (as another process would open it). */
  connect(): LedgerStore | Promise<LedgerStore>;
  /**
   * Appends a partial line after the last newline, as a crash in the middle of an append does.
   * Absent for stores whose appends are transactions (PostgreSQL): they cannot hold a torn tail.
   */
  tearTail?(partial: Uint8Array): Promise<void>;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const line = (seq: number, pad = 0) => enc.encode(JSON.stringify({ seq, pad: 'x'.repeat(pad) }));

async function collect(it: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(Buffer.from(l).toString('utf8'));
  return out;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LedgerError) return err.code;
    throw err;
  }
  return 'resolved';
}

export function runStoreConformance(name: string, factory: () => Promise<StoreHarness>): void {
  const withStore = (fn: (h: StoreHarness) => Promise<void>) => async () => {
    const h = await factory();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  };

  describe(`LedgerStore conformance: ${name}`, () => {
    it('starts empty', withStore(async ({ store }) => {
      expect(await store.tail()).toEqual({ size: 0, tornBytes: 0 });
      expect(await collect(store.readLines())).toEqual([]);
      expect(await store.lastLine()).toBeNull();
      expect(await store.readCheckpoint()).toBeNull();
      expect(await store.listCheckpoints()).toEqual([]);
      expect(await store.readCheckpointAt(0)).toBeNull();
      expect(await store.readTreeState()).toBeNull();
      expect(await store.readSubjects()).toEqual([]);
    }));

    it('refuses every mutation without the lock', withStore(async ({ store }) => {
      expect(await code(store.append([line(0)]))).toBe('STORE_CONTRACT');
      expect(await code(store.truncate(0))).toBe('STORE_CONTRACT');
      expect(await code(store.writeCheckpoint(0, 'x\n'))).toBe('STORE_CONTRACT');
      expect(await code(store.writeTreeState('{}'))).toBe('STORE_CONTRACT');
      expect(await code(store.appendSubjects([]))).toBe('STORE_CONTRACT');
      expect(await code(store.rewriteSubjects([]))).toBe('STORE_CONTRACT');
      expect(await store.tail()).toEqual({ size: 0, tornBytes: 0 });
    }));

    it('appends lines and reads back the exact bytes, from any index', withStore(async ({ store }) => {
      const lock = await store.lock();
      await store.append([line(0), line(1)]);
      await store.append([line(2)]);
      await lock.release();
      expect(await store.tail()).toEqual({ size: 3, tornBytes: 0 });
      expect(await collect(store.readLines())).toEqual([0, 1, 2].map((i) => JSON.stringify({ seq: i, pad: '' })));
      expect(await collect(store.readLines(2))).toEqual([JSON.stringify({ seq: 2, pad: '' })]);
      expect(await collect(store.readLines(3))).toEqual([]);
      expect(Buffer.from((await store.lastLine())!).toString()).toBe(JSON.stringify({ seq: 2, pad: '' }));
    }));

    it('reads long logs of large lines across buffer boundaries', withStore(async ({ store }) => {
      const lock = await store.lock();
      const lines = Array.from({ length: 40 }, (_, i) => line(i, (i * 7919) % (MAX_LINE_BYTES - 100)));
      await store.append(lines);
      await lock.release();
      const read = await collect(store.readLines());
      expect(read).toEqual(lines.map((l) => Buffer.from(l).toString()));
      expect(await collect(store.readLines(37))).toEqual(read.slice(37));
      expect(Buffer.from((await store.lastLine())!).toString()).toBe(read[39]);
    }));

    it('rejects malformed lines and writes none of the batch', withStore(async ({ store }) => {
      const lock = await store.lock();
      expect(await code(store.append([line(0), enc.encode('a\nb')]))).toBe('STORE_CONTRACT');
      expect(await code(store.append([new Uint8Array(0)]))).toBe('STORE_CONTRACT');
      expect(await code(store.append([new Uint8Array(MAX_LINE_BYTES + 1).fill(0x61)]))).toBe('STORE_CONTRACT');
      await lock.release();
      expect(await store.tail()).toEqual({ size: 0, tornBytes: 0 });
    }));

    it('keeps every checkpoint and never replaces or shrinks one', withStore(async ({ store }) => {
      const lock = await store.lock();
      await store.append([line(0)]);
      await store.writeCheckpoint(1, 'cp1\n');
      await store.append([line(1), line(2)]);
      await store.writeCheckpoint(3, 'cp3\n');
      expect(await store.readCheckpoint()).toBe('cp3\n');
      expect(await store.listCheckpoints()).toEqual([1, 3]);
      expect(await store.readCheckpointAt(1)).toBe('cp1\n');
      expect(await code(store.writeCheckpoint(1, 'cp1\n'))).toBe('STORE_CONTRACT');
      expect(await code(store.writeCheckpoint(3, 'other\n'))).toBe('STORE_CONTRACT');
      expect(await code(store.writeCheckpoint(4, 'cp4\n'))).toBe('STORE_CONTRACT');
      await store.writeCheckpoint(3, 'cp3\n');
      await lock.release();
      expect(await store.readCheckpoint()).toBe('cp3\n');
    }));

    it('commitAppend, where a store has it, is append then writeCheckpoint with their contract', withStore(async (h) => {
      const { store } = h;
      if (store.commitAppend === undefined) return;
      expect(await code(store.commitAppend([line(0)], 1, 'cp1\n'))).toBe('STORE_CONTRACT');
      const lock = await store.lock();
      await store.commitAppend([line(0)], 1, 'cp1\n');
      await store.commitAppend([line(1), line(2)], 3, 'cp3\n');
      expect(await collect(store.readLines())).toEqual([0, 1, 2].map((seq) => JSON.stringify({ seq, pad: '' })));
      expect(await store.tail()).toEqual({ size: 3, tornBytes: 0 });
      expect(await store.readCheckpoint()).toBe('cp3\n');
      expect(await store.listCheckpoints()).toEqual([1, 3]);
      expect(await store.readCheckpointAt(1)).toBe('cp1\n');
      // A size that is not the line count after the append, a bad line, a checkpoint below the
      // committed one: refused, and nothing is written.
      expect(await code(store.commitAppend([line(3)], 5, 'cp5\n'))).toBe('STORE_CONTRACT');
      expect(await code(store.commitAppend([line(3), enc.encode('a\nb')], 5, 'cp5\n'))).toBe('STORE_CONTRACT');
      expect(await code(store.commitAppend([line(3)], 1, 'cp1\n'))).toBe('STORE_CONTRACT');
      expect(await store.tail()).toEqual({ size: 3, tornBytes: 0 });
      expect(await store.listCheckpoints()).toEqual([1, 3]);
      if (h.tearTail !== undefined) {
        await h.tearTail(enc.encode('{"seq":3,"pa'));
        expect(await code(store.commitAppend([line(3)], 4, 'cp4\n'))).toBe('STORE_CONTRACT');
        await store.truncate(3);
      }
      await store.commitAppend([line(3)], 4, 'cp4\n');
      await lock.release();
      expect(await store.readCheckpoint()).toBe('cp4\n');
      expect(await store.listCheckpoints()).toEqual([1, 3, 4]);
      expect(await collect(store.readLines(3))).toEqual([JSON.stringify({ seq: 3, pad: '' })]);
    }));

    it('truncates a torn tail and uncommitted lines, never below the checkpoint', withStore(async (h) => {
      const { store } = h;
      const lock = await store.lock();
      await store.append([line(0), line(1)]);
      await store.writeCheckpoint(2, 'cp2\n');
      await store.append([line(2)]);
      const torn = h.tearTail === undefined ? 0 : 12;
      if (h.tearTail !== undefined) await h.tearTail(enc.encode('{"seq":3,"pa'));
      expect(await store.tail()).toEqual({ size: 3, tornBytes: torn });
      expect(await collect(store.readLines())).toHaveLength(3);
      if (torn > 0) expect(await code(store.append([line(3)]))).toBe('STORE_CONTRACT');
      expect(await code(store.truncate(1))).toBe('STORE_CONTRACT');
      const removed = await store.truncate(2);
      expect(removed).toBe(line(2).byteLength + 1 + torn);
      expect(await store.tail()).toEqual({ size: 2, tornBytes: 0 });
      expect(await store.truncate(2)).toBe(0);
      await store.append([line(2)]);
      await lock.release();
      expect(await collect(store.readLines(2))).toEqual([JSON.stringify({ seq: 2, pad: '' })]);
    }));

    it('serializes lock holders across handles and is not re-entrant', withStore(async (h) => {
      const other = await h.connect();
      const first = await h.store.lock();
      expect(await code(h.store.lock())).toBe('STORE_CONTRACT');
      const order: string[] = [];
      const second = other.lock().then((l) => {
        order.push('second acquired');
        return l;
      });
      await new Promise((r) => setTimeout(r, 50));
      order.push('first releasing');
      await first.release();
      const l2 = await second;
      expect(order).toEqual(['first releasing', 'second acquired']);
      expect(await code(h.store.append([line(0)]))).toBe('STORE_CONTRACT');
      await other.append([line(0)]);
      await l2.release();
      await l2.release();
      expect((await h.store.tail()).size).toBe(1);
    }));

    it('stores subjects, tombstones and the tree-state cache', withStore(async (h) => {
      const { store } = h;
      const lock = await store.lock();
      const a: SubjectRecord = { commitment: `sha256:${'1'.repeat(64)}`, seq: 0, salt: '00'.repeat(16), value: 'octocat' };
      const b: SubjectRecord = { commitment: `sha256:${'2'.repeat(64)}`, seq: 1, salt: '01'.repeat(16), value: 'ünïcødé <a@b.c>' };
      await store.appendSubjects([a]);
      await store.appendSubjects([b]);
      expect(await store.readSubjects()).toEqual([a, b]);
      const tomb: SubjectRecord = { commitment: a.commitment, seq: 0, erased: '2026-01-01T00:00:00.000Z' };
      await store.rewriteSubjects([tomb, b]);
      await store.writeTreeState('{"v":1}');
      await lock.release();
      const again = await h.connect();
      expect(await again.readSubjects()).toEqual([tomb, b]);
      expect(await again.readTreeState()).toBe('{"v":1}');
    }));

    it('shows committed data to a new handle', withStore(async (h) => {
      const lock = await h.store.lock();
      await h.store.append([line(0)]);
      await h.store.writeCheckpoint(1, 'cp1\n');
      await lock.release();
      const again = await h.connect();
      expect(await again.tail()).toEqual({ size: 1, tornBytes: 0 });
      expect(await again.readCheckpoint()).toBe('cp1\n');
      expect(await collect(again.readLines())).toEqual([JSON.stringify({ seq: 0, pad: '' })]);
    }));
  });
}
