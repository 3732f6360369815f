// Group commit (docs/ledger-format.md §8.1): appends in flight together in one process are
// written as one physical append. Each caller must still get exactly its own entries, a bad
// draft must fail only its caller, and a crash in the middle of a group must take out the whole
// group and nothing else. Real directory stores, real keys, real verification.
import { readFileSync, rmSync, writeFileSync, mkdtempSync, readdirSync, unlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/ports.js';
import { LedgerError } from '../../src/core/errors.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { lineHash, type Entry } from '../../src/ledger/entry.js';
import { openLedger, type AppendResult, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { nodeFileOps, type FileOps } from '../../src/ledger/store/file-ops.js';
import { readSubjects } from './support.js';
import { changeBody, findingBody, ORIGIN, scanDrafts, seededRandom, testKey } from '../ledger/fixtures.js';

const key = testKey();
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-group-'));
  roots.push(root);
  return join(root, 'ledger');
}

/** A clock that moves one second at every reading: one reading per physical append shows. */
function steppingClock(): Clock & { readings: () => number } {
  let n = 0;
  return { now: () => Date.UTC(2026, 0, 2) + 1000 * n++, readings: () => n };
}

async function open(dir: string, clock: Clock = steppingClock(), ops?: FileOps) {
  return openLedger({ store: openDirStore(dir, { create: true, ...(ops ? { ops } : {}) }), signer: key.signer, origin: ORIGIN, clock, random: seededRandom() });
}

function fileLines(dir: string): Entry[] {
  return readFileSync(join(dir, 'entries.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Entry);
}

async function verified(dir: string): Promise<number> {
  const report = await verifyStore(openDirStore(dir), [key.verifier]);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  return report.entries;
}

/** Checks that `r` holds exactly the caller's drafts, contiguous, and matches the file. */
function expectOwnEntries(r: AppendResult, drafts: readonly EntryDraft[], onDisk: readonly Entry[], rawLines: readonly string[]): void {
  expect(r.entries).toHaveLength(drafts.length);
  r.entries.forEach((e, j) => {
    expect(e.seq).toBe(r.entries[0]!.seq + j);
    expect(e.kind).toBe(drafts[j]!.kind);
    expect(onDisk[e.seq]).toEqual(e.entry);
    expect(e.hash).toBe(lineHash(Buffer.from(rawLines[e.seq]!, 'utf8')));
    const body = drafts[j]!.body;
    if (typeof body !== 'function') expect(e.entry.body).toEqual(body);
  });
  expect(r.size).toBeGreaterThan(r.entries.at(-1)!.seq);
}

describe('group commit of concurrent appends in one process', () => {
  it('coalesces appends in flight: contiguous seqs, each caller gets its own entries, one time and one checkpoint per group', async () => {
    const dir = tempDir();
    const clock = steppingClock();
    const ledger = await open(dir, clock);
    const readingsAtOpen = clock.readings();
    const callers = 8;
    const rounds = 5;
    const results: { drafts: EntryDraft[]; result: AppendResult }[] = [];
    await Promise.all(Array.from({ length: callers }, async (_, c) => {
      for (let r = 0; r < rounds; r++) {
        const drafts = scanDrafts(c * 100 + r);
        results.push({ drafts, result: await ledger.append(drafts) });
      }
    }));
    const onDisk = fileLines(dir);
    const raw = readFileSync(join(dir, 'entries.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
    expect(onDisk).toHaveLength(callers * rounds * 2);
    onDisk.forEach((e, i) => expect(e.seq).toBe(i));
    for (const { drafts, result } of results) expectOwnEntries(result, drafts, onDisk, raw);
    // Every seq belongs to exactly one caller.
    const seqs = results.flatMap((x) => x.result.entries.map((e) => e.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(onDisk.map((_, i) => i));
    // The finding of each caller references that caller's own change entry.
    for (const { result } of results) {
      const [change, finding] = result.entries;
      expect((finding!.entry.body as unknown as { change: unknown }).change).toEqual({ seq: change!.seq, hash: change!.hash });
    }
    // Groups: the appends sharing a checkpoint share one time; there were fewer physical
    // appends (checkpoints, clock readings) than append calls.
    const bySize = new Map<number, AppendResult[]>();
    for (const { result } of results) bySize.set(result.size, [...(bySize.get(result.size) ?? []), result]);
    expect(bySize.size).toBeLessThan(callers * rounds);
    expect(clock.readings() - readingsAtOpen).toBe(bySize.size);
    expect(readdirSync(join(dir, 'checkpoints')).length).toBe(bySize.size);
    for (const [size, group] of bySize) {
      expect(new Set(group.flatMap((r) => r.entries.map((e) => e.entry.time))).size).toBe(1);
      expect(new Set(group.map((r) => r.checkpoint)).size).toBe(1);
      // The group's entries are exactly the lines up to its checkpoint after the previous one.
      expect(Math.max(...group.flatMap((r) => r.entries.map((e) => e.seq)))).toBe(size - 1);
    }
    expect(await verified(dir)).toBe(callers * rounds * 2);
  });

  it('a bad draft fails only its own caller; the others commit, contiguous, in one group', async () => {
    const dir = tempDir();
    const ledger = await open(dir);
    await ledger.append(scanDrafts(0));
    const good1 = scanDrafts(1);
    const bad: EntryDraft[] = [{ kind: 'change.analyzed', policy: 'default-1', body: changeBody(2) }, { kind: 'finding', policy: 'default-1', body: { schema: 'trailmark.finding/v1', nonsense: true } }];
    const throwing: EntryDraft[] = [{ kind: 'finding', policy: 'default-1', body: () => { throw new Error('caller bug'); } }];
    const tooLarge: EntryDraft[] = [{ kind: 'change.analyzed', policy: 'default-1', body: { ...changeBody(3), hunks: Array.from({ length: 20 }, (_, h) => ({ ...changeBody(3).hunks[0]!, path: `src/${String(h).padStart(4000, 'p')}.ts` })) } }];
    const good2: EntryDraft[] = [
      { kind: 'change.analyzed', policy: 'default-1', body: (ctx) => changeBody(4, { author: ctx.commit('octocat') }) },
      { kind: 'finding', policy: 'default-1', body: ({ previous }) => findingBody({ seq: previous[0]!.seq, hash: previous[0]!.hash }, 4) },
    ];
    const settled = await Promise.allSettled([ledger.append(good1), ledger.append(bad), ledger.append(throwing), ledger.append(tooLarge), ledger.append(good2)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    const reason = (i: number) => (settled[i] as PromiseRejectedResult).reason as unknown;
    expect(reason(1)).toBeInstanceOf(LedgerError);
    expect((reason(1) as LedgerError).code).toBe('BAD_BODY');
    expect((reason(2) as Error).message).toBe('caller bug');
    expect((reason(3) as LedgerError).code).toBe('ENTRY_TOO_LARGE');
    const r1 = (settled[0] as PromiseFulfilledResult<AppendResult>).value;
    const r2 = (settled[4] as PromiseFulfilledResult<AppendResult>).value;
    // The bad callers' seqs went to nobody: the good ones are contiguous after seq 1.
    expect(r1.entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(r2.entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(r1.size).toBe(6);
    expect(r2.checkpoint).toBe(r1.checkpoint);
    const onDisk = fileLines(dir);
    const raw = readFileSync(join(dir, 'entries.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
    expect(onDisk).toHaveLength(6);
    expectOwnEntries(r1, good1, onDisk, raw);
    expectOwnEntries(r2, good2, onDisk, raw);
    // The commitment of the good caller is opened in the side store; the bad ones left nothing.
    const author = (r2.entries[0]!.entry.body as unknown as { subjects: { author: string } }).subjects.author;
    const subjects = readSubjects(dir);
    expect(subjects.map((s) => s.commitment)).toEqual([author]);
    expect(subjects[0]!.seq).toBe(4);
    expect(await verified(dir)).toBe(6);
  });

  it('a group whose every caller is bad writes nothing', async () => {
    const dir = tempDir();
    const ledger = await open(dir);
    const first = await ledger.append(scanDrafts(0));
    const before = readFileSync(join(dir, 'entries.jsonl'));
    const bad: EntryDraft[] = [{ kind: 'no.such.kind', policy: 'default-1', body: { schema: 'x' } }];
    const settled = await Promise.allSettled([ledger.append(bad), ledger.append(bad)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(readFileSync(join(dir, 'entries.jsonl')).equals(before)).toBe(true);
    expect((await ledger.head()).checkpoint).toBe(first.checkpoint);
    // And the ledger goes on appending after that.
    expect((await ledger.append(scanDrafts(1))).entries.map((e) => e.seq)).toEqual([2, 3]);
    expect(await verified(dir)).toBe(4);
  });

  it('a failure of the shared write fails every caller of the group, and recovery removes the whole group', async () => {
    const dir = tempDir();
    let failCheckpoint = false;
    const ops: FileOps = {
      ...nodeFileOps,
      // The commit point: the rename of checkpoints/<N> into place.
      renameSync: (from, to) => {
        if (failCheckpoint && to.includes('checkpoints')) throw Object.assign(new Error('injected EIO'), { code: 'EIO' });
        nodeFileOps.renameSync(from, to);
      },
    };
    const ledger = await open(dir, steppingClock(), ops);
    await ledger.append(scanDrafts(0));
    failCheckpoint = true;
    const settled = await Promise.allSettled([1, 2, 3, 4].map((i) => ledger.append(scanDrafts(i))));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    // The group's lines are on disk beyond the checkpoint, as after a crash at the commit point.
    expect(fileLines(dir)).toHaveLength(10);
    failCheckpoint = false;
    const reopened = await open(dir);
    expect(reopened.repairedOnOpen.map((r) => r.kind)).toContain('uncommitted-lines');
    expect(fileLines(dir)).toHaveLength(2);
    expect(await verified(dir)).toBe(2);
  });
});

describe('the bound of one append', () => {
  it('a group never holds more than MAX_APPEND_ENTRIES entries: later callers go to the next group', async () => {
    const dir = tempDir();
    const ledger = await open(dir);
    const big = (c: number): EntryDraft[] => Array.from({ length: 4_000 }, (_, i) => ({ kind: 'change.analyzed', policy: 'default-1', body: changeBody(c * 10_000 + i) }));
    const results = await Promise.all([0, 1, 2].map((c) => ledger.append(big(c))));
    expect(results.map((r) => r.entries[0]!.seq)).toEqual([0, 4_000, 8_000]);
    // 8,000 entries fit one append of at most 10,000; the third caller's 4,000 do not.
    expect(results.map((r) => r.size)).toEqual([8_000, 8_000, 12_000]);
    expect(results[2]!.entries[0]!.entry.time).not.toBe(results[0]!.entries[0]!.entry.time);
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['12000', '8000']);
    expect(await verified(dir)).toBe(12_000);
  });
});

describe('a crash in the middle of a group', () => {
  it('at any byte of the group write, recovery leaves exactly the entries before the group, verified', async () => {
    const dir = tempDir();
    const ledger = await open(dir);
    await ledger.append(scanDrafts(0));
    await ledger.append(scanDrafts(1));
    const before = readFileSync(join(dir, 'entries.jsonl'));
    const checkpointBefore = readFileSync(join(dir, 'checkpoint'));
    const results = await Promise.all([2, 3, 4, 5].map((i) => ledger.append(scanDrafts(i))));
    // One group of four callers, eight entries, one checkpoint.
    expect(new Set(results.map((r) => r.size))).toEqual(new Set([12]));
    const after = readFileSync(join(dir, 'entries.jsonl'));
    const groupBytes = after.subarray(before.byteLength);
    // Crash states: a prefix of the group's bytes written (torn or whole lines), the group's
    // checkpoint never made durable. Cut points: every line boundary and inside every line.
    const cuts = new Set<number>([0, groupBytes.byteLength]);
    for (let i = groupBytes.indexOf(0x0a); i !== -1; i = groupBytes.indexOf(0x0a, i + 1)) cuts.add(i + 1).add(i).add(i + 1 + 7);
    const crashDir = tempDir();
    for (const cut of [...cuts].filter((c) => c <= groupBytes.byteLength).sort((a, b) => a - b)) {
      rmSync(crashDir, { recursive: true, force: true });
      openDirStore(crashDir, { create: true });
      for (const name of readdirSync(join(dir, 'checkpoints'))) {
        if (Number(name) <= 4) copyFileSync(join(dir, 'checkpoints', name), join(crashDir, 'checkpoints', name));
      }
      writeFileSync(join(crashDir, 'checkpoint'), checkpointBefore);
      writeFileSync(join(crashDir, 'entries.jsonl'), Buffer.concat([before, groupBytes.subarray(0, cut)]));
      const reopened = await open(crashDir);
      const kinds = reopened.repairedOnOpen.map((r) => r.kind);
      if (cut > 0) expect(kinds.some((k) => k === 'torn-tail' || k === 'uncommitted-lines')).toBe(true);
      expect(readFileSync(join(crashDir, 'entries.jsonl')).equals(before)).toBe(true);
      expect(await verified(crashDir)).toBe(4);
      // The ledger appends on from there.
      expect((await reopened.append(scanDrafts(9))).entries.map((e) => e.seq)).toEqual([4, 5]);
      expect(await verified(crashDir)).toBe(6);
    }
  });

  it('lines of two groups beyond the checkpoint are refused, not removed (two times: committed appends)', async () => {
    const dir = tempDir();
    const ledger = await open(dir);
    await ledger.append(scanDrafts(0));
    const first = await Promise.all([1, 2].map((i) => ledger.append(scanDrafts(i))));
    const second = await Promise.all([3, 4].map((i) => ledger.append(scanDrafts(i))));
    expect(first[0]!.size).toBe(6);
    expect(second[0]!.size).toBe(10);
    // Both groups' checkpoints lost: eight lines at two different times lie beyond size 2.
    for (const size of [6, 10]) unlinkSync(join(dir, 'checkpoints', String(size)));
    writeFileSync(join(dir, 'checkpoint'), readFileSync(join(dir, 'checkpoints', '2')));
    unlinkSync(join(dir, 'tree-state.json'));
    await expect(open(dir)).rejects.toMatchObject({ code: 'BAD_CHECKPOINT' });
    expect(fileLines(dir)).toHaveLength(10);
  });
});
