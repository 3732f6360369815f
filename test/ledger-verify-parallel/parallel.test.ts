// The parallel verifier (worker threads past a threshold) against the sequential one: the same
// report, field for field, on valid ledgers and on seeded corruptions; the first bad seq even
// when a later batch finishes first; worker failures surface as errors; small logs start no
// worker. Real Ed25519 keys, real worker threads, the real directory store.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { verifyStore, type VerifyStoreOptions } from '../../src/ledger/check-store.js';
import { canonicalize } from '../../src/ledger/canonical.js';
import { signEntry, type Entry } from '../../src/ledger/entry.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { LedgerVerifier } from '../../src/ledger/verify.js';
import { PARALLEL_THRESHOLD, ParallelFeed } from '../../src/ledger/verify-pool.js';
import { runCli } from '../cli-ledger/harness.js';
import { fixedClock, ORIGIN, prng, scanDrafts, seededRandom, testKey } from '../ledger/fixtures.js';
import { bytesOf, key, mutate, type Ledger } from '../ledger/mutations.js';

const SEQUENTIAL: VerifyStoreOptions = { threads: 1 };
/** Workers from the first line, small batches: many batches in flight, several per worker. */
const PARALLEL: VerifyStoreOptions = { threads: 2, threshold: 0, batchLines: 8 };

let base: Ledger;
let root: string;
let count = 0;

function writeLedger(entries: Buffer, pointer: string, history: Map<number, string>): string {
  const dir = join(root, String(count++));
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'entries.jsonl'), entries);
  writeFileSync(join(dir, 'checkpoint'), pointer);
  for (const [s, t] of history) writeFileSync(join(dir, 'checkpoints', String(s)), t);
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trailmark-verify-parallel-'));
  const store = new MemoryStore();
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  // 120 appends of 1 or 2 entries: 180 lines, a checkpoint after each append.
  for (let i = 0; i < 120; i++) await ledger.append(scanDrafts(i).slice(0, 1 + (i % 2)));
  base = { lines: store.data.lines.map((l) => Buffer.from(l)), pointer: (await store.readCheckpoint())!, history: new Map(store.data.checkpoints) };
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parallel verification', () => {
  it('gives the sequential report on a valid ledger, with workers from the start or past a threshold', async () => {
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    const sequential = await verifyStore(openDirStore(dir), [key.verifier], SEQUENTIAL);
    expect(sequential.ok).toBe(true);
    expect(sequential.entries).toBe(180);
    expect(sequential.checkpoints).toBe(120);
    expect(await verifyStore(openDirStore(dir), [key.verifier], PARALLEL)).toEqual(sequential);
    expect(await verifyStore(openDirStore(dir), [key.verifier], { threads: 2, threshold: 61, batchLines: 5 })).toEqual(sequential);
  });

  it('gives the sequential report, problems and all, on 32 seeded corruptions (the tamper generator)', async () => {
    const rand = prng(20261204);
    const families = new Set<string>();
    for (let i = 0; i < 32; i++) {
      const m = mutate(rand, base);
      const dir = writeLedger(m.entries, m.pointer, m.history);
      const sequential = await verifyStore(openDirStore(dir), [key.verifier], SEQUENTIAL);
      const parallel = await verifyStore(openDirStore(dir), [key.verifier], PARALLEL);
      expect(sequential.ok, m.name).toBe(false);
      expect(parallel, m.name).toEqual(sequential);
      if (m.seq !== undefined) expect(parallel.problems[0]?.seq, m.name).toBe(m.seq);
      families.add(m.name.replace(/[\d,]+/g, '#'));
    }
    expect(families.size).toBeGreaterThanOrEqual(8);
  });

  it('reports the first bad seq when a later batch finishes first', async () => {
    // seq 3 carries a forged signature (batch 0, whose reply is held back), seq 150 a bad byte.
    const intruder = testKey('intruder');
    const lines = [...base.lines];
    const e = JSON.parse(lines[3]!.toString()) as Entry;
    const { sig, ...unsigned } = e;
    const forged = signEntry({ ...unsigned, policy: 'forged' }, intruder.signer).entry;
    lines[3] = Buffer.from(canonicalize({ ...forged, sig: { ...forged.sig, kid: sig.kid } }));
    lines[150] = Buffer.from(lines[150]!.toString().replace('"policy":"default-1"', '"policy":"default-2"'));
    const dir = writeLedger(bytesOf(lines), base.pointer, base.history);
    const sequential = await verifyStore(openDirStore(dir), [key.verifier], SEQUENTIAL);
    expect(sequential.problems[0]).toMatchObject({ seq: 3, code: 'BAD_SIGNATURE' });
    const slow = { ...PARALLEL, workerFile: new URL('./slow-first-worker.ts', import.meta.url) };
    expect(await verifyStore(openDirStore(dir), [key.verifier], slow)).toEqual(sequential);
    // And a problem only in a later batch is still found behind the slow first one.
    const later = writeLedger(bytesOf([...base.lines.slice(0, 150), lines[150], ...base.lines.slice(151)]), base.pointer, base.history);
    const laterSequential = await verifyStore(openDirStore(later), [key.verifier], SEQUENTIAL);
    expect(laterSequential.problems[0]).toMatchObject({ seq: 150, code: 'BAD_SIGNATURE' });
    expect(await verifyStore(openDirStore(later), [key.verifier], slow)).toEqual(laterSequential);
  });

  it('checks batches on the calling thread while the workers start, with the same report', async () => {
    const slowStart = new URL('./slow-start-worker.ts', import.meta.url);
    const run = async (lines: readonly Buffer[]) => {
      const verifier = new LedgerVerifier({ keys: [key.verifier], latest: base.pointer });
      const feed = new ParallelFeed(verifier, [key.verifier], { ...PARALLEL, workerFile: slowStart });
      const sizes = [...base.history.keys()].sort((a, b) => a - b);
      let next = 0;
      let fed = 0;
      try {
        for (const line of lines) {
          while (next < sizes.length && sizes[next]! <= fed) feed.checkpoint(sizes[next]!, base.history.get(sizes[next++]!)!);
          if (!(await feed.line(line))) break;
          fed++;
        }
        while (next < sizes.length) feed.checkpoint(sizes[next]!, base.history.get(sizes[next++]!)!);
        await feed.finish();
      } finally {
        await feed.close();
      }
      return { report: verifier.end(0), local: feed.localLines };
    };
    const good = await run(base.lines);
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    expect(good.report).toEqual(await verifyStore(openDirStore(dir), [key.verifier], SEQUENTIAL));
    // 4 batches of 8 wait for the two starting workers; the other 148 lines are checked here.
    expect(good.local).toBe(148);
    // A bad line among the locally checked ones: the sequential problem, at its seq.
    const lines = [...base.lines];
    lines[100] = Buffer.from(lines[100]!.toString().replace('"policy":"default-1"', '"policy":"default-2"'));
    const bad = await run(lines);
    const badDir = writeLedger(bytesOf(lines), base.pointer, base.history);
    const sequential = await verifyStore(openDirStore(badDir), [key.verifier], SEQUENTIAL);
    expect(sequential.problems[0]).toMatchObject({ seq: 100, code: 'BAD_SIGNATURE' });
    expect(bad.report).toEqual(sequential);
    expect(bad.local).toBeGreaterThan(0);
  });

  it('fails with a clear error, not a verdict, when a worker throws', async () => {
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    const run = verifyStore(openDirStore(dir), [key.verifier], { ...PARALLEL, workerFile: new URL('./throw-worker.ts', import.meta.url) });
    await expect(run).rejects.toThrow(LedgerError);
    await expect(run).rejects.toThrow(/signature worker \d failed: simulated worker bug/);
  });

  it('fails with a clear error when a worker thread dies without replying', async () => {
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    const run = verifyStore(openDirStore(dir), [key.verifier], { ...PARALLEL, workerFile: new URL('./exit-worker.ts', import.meta.url) });
    await expect(run).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/signature worker \d exited with code 3 before verification finished/) as unknown });
  });

  it('starts no worker below the threshold or with one thread', async () => {
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    // Workers that would fail every batch: a log below the threshold never reaches them.
    const broken = new URL('./throw-worker.ts', import.meta.url);
    const below = await verifyStore(openDirStore(dir), [key.verifier], { threads: 2, threshold: 180, batchLines: 8, workerFile: broken });
    expect(below.ok).toBe(true);
    expect((await verifyStore(openDirStore(dir), [key.verifier], { threads: 1, threshold: 0, workerFile: broken })).ok).toBe(true);
    await expect(verifyStore(openDirStore(dir), [key.verifier], { threads: 2, threshold: 179, batchLines: 8, workerFile: broken })).rejects.toThrow(/signature worker/);

    const feed = (threads: number, threshold: number) => new ParallelFeed(new LedgerVerifier({ keys: [key.verifier], latest: null }), [key.verifier], { threads, threshold });
    const run = async (f: ParallelFeed) => {
      for (const line of base.lines) expect(await f.line(line)).toBe(true);
      const parallel = f.parallel;
      await f.finish();
      return parallel;
    };
    expect(await run(feed(2, 180))).toBe(false);
    expect(await run(feed(2, 100))).toBe(true);
    expect(await run(feed(1, 0))).toBe(false);
    expect(PARALLEL_THRESHOLD).toBeGreaterThanOrEqual(1000);
  });

  it('`trailmark verify --threads N`: the same output with 1 or 2 threads, and a usage error for a bad N', async () => {
    const dir = writeLedger(bytesOf(base.lines), base.pointer, base.history);
    const pub = join(root, 'key.pub');
    writeFileSync(pub, `${key.verifierKey}\n`);
    const one = await runCli(['verify', '--ledger', dir, '--key', pub, '--threads', '1', '--json'], { cwd: root });
    const two = await runCli(['verify', '--ledger', dir, '--key', pub, '--threads', '2', '--json'], { cwd: root });
    expect(one.code).toBe(0);
    expect(two).toEqual(one);
    for (const bad of ['0', 'two', '-1', '1.5']) {
      const r = await runCli(['verify', '--ledger', dir, '--key', pub, '--threads', bad], { cwd: root });
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--threads .* is not a whole number from 1 to 256/);
    }
  });
});
