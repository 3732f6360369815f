import { createHash } from 'node:crypto';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttributionStore } from '../../src/capture/attribution.js';
import { captureEvent, detailReason, rangeHash, type CaptureResult } from '../../src/capture/capture.js';
import { attributionDir, repositoryFromRemote } from '../../src/capture/repo.js';
import type { CaptureEvent } from '../../src/capture/types.js';
import { parsePolicy } from '../../src/config/policy.js';
import { parseRecords, recordedEvidence } from '../../src/attest/match.js';
import { GitFixture } from '../support/git-fixture.js';
import { MemoryDetail, MemorySpool, testDeps } from './support.js';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

function event(cwd: string, over: Partial<CaptureEvent>): CaptureEvent {
  return { tool: 'claude-code', kind: 'edit', agent: 'claude-code', model: 'claude-opus-4-5', sessionId: 'sess-1', requestId: 'req_1', cwd, time: '2026-01-02T03:04:05.000Z', edits: [], ...over };
}

interface TraceShape {
  version: string;
  id: string;
  vcs: { type: string; revision?: string };
  tool: { name: string };
  files: { path: string; deleted?: boolean; untracked?: string; conversations: { contributor: { type: string; model_id?: string }; ranges: { start_line: number; end_line: number; content_hash: string }[] }[] }[];
  metadata: { 'dev.trailmark': Record<string, unknown> };
}

const traceOf = (spool: MemorySpool, i: number): TraceShape => spool.records[i]!.trace as unknown as TraceShape;
const rangesOf = (t: TraceShape, path: string): [number, number][] =>
  t.files.find((f) => f.path === path)!.conversations.flatMap((c) => c.ranges.map((r) => [r.start_line, r.end_line] as [number, number]));

describe('captureEvent', () => {
  let repo: GitFixture;
  let spool: MemorySpool;
  let store: AttributionStore;
  let shared: ReturnType<typeof testDeps>;

  beforeEach(async () => {
    repo = await GitFixture.create();
    spool = new MemorySpool();
    shared = testDeps(repo.dir, repo.env(), spool);
    await repo.write('src/a.ts', text('one', 'two', 'three', 'four', 'five'));
    await repo.commit('base');
    store = new AttributionStore(attributionDir({ root: repo.dir, commonDir: join(repo.dir, '.git') }));
  });
  afterEach(async () => {
    await repo.cleanup();
  });

  const capture = (over: Partial<CaptureEvent>, deps = shared): Promise<CaptureResult> => captureEvent(event(repo.dir, over), deps);

  it('writes one stage "edit" Agent Trace draft for a new file, with hashes, revision, session, request and repository', async () => {
    await repo.git(['remote', 'add', 'origin', 'git@github.com:acme/widgets.git']);
    await repo.write('src/new.ts', text('export const x = 1;', 'export const y = 2;'));
    const r = await capture({ edits: [{ path: join(repo.dir, 'src/new.ts'), operation: 'write', content: text('export const x = 1;', 'export const y = 2;') }] });
    expect(r).toMatchObject({ files: [{ path: 'src/new.ts', ranges: [{ start: 1, end: 2 }] }] });
    expect(spool.records).toHaveLength(1);
    const rec = spool.records[0]!;
    expect(rec).toMatchObject({ stage: 'edit', repository: 'acme/widgets', time: '2026-01-02T03:04:05.000Z' });
    const t = traceOf(spool, 0);
    expect(t.id).toBe(rec.id);
    expect(t).toMatchObject({ version: '0.1.0', vcs: { type: 'git', revision: await repo.rev('HEAD') }, tool: { name: 'claude-code' } });
    expect(t.metadata['dev.trailmark']).toEqual({ stage: 'edit', device: 'dev-test', session: 'sess-1', request: 'req_1' });
    const conv = t.files[0]!.conversations[0]!;
    expect(conv.contributor).toEqual({ type: 'ai', model_id: 'claude-opus-4-5' });
    expect(conv.ranges[0]!.content_hash).toBe(`sha256:${createHash('sha256').update('export const x = 1;\nexport const y = 2;').digest('hex')}`);
    expect((await store.read('src/new.ts'))?.owners).toEqual([{ edit: rec.id, agent: 'claude-code', model: 'claude-opus-4-5', session: 'sess-1' }]);
  });

  it('two agent edits in a row: the second shifts the first one\'s lines, and each keeps its own', async () => {
    await repo.write('src/a.ts', text('// header 1', '// header 2', 'one', 'two', 'three', 'four', 'five'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'edit', replacements: [{ oldText: 'one\n', newText: '// header 1\n// header 2\none\n' }] }] });
    expect(rangesOf(traceOf(spool, 0), 'src/a.ts')).toEqual([[1, 2]]);
    // A human adds a line at the top, then the agent rewrites "four".
    await repo.write('src/a.ts', text('// human', '// header 1', '// header 2', 'one', 'two', 'three', 'FOUR()', 'five'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'edit', replacements: [{ oldText: 'four', newText: 'FOUR()' }] }], sessionId: 'sess-2', model: 'gpt-5' , agent: 'codex' });
    expect(rangesOf(traceOf(spool, 1), 'src/a.ts')).toEqual([[7, 7]]);
    const state = (await store.read('src/a.ts'))!;
    const byLine = state.lines.map((k) => (k === 0 ? null : state.owners[k - 1]!.agent));
    expect(byLine).toEqual([null, 'claude-code', 'claude-code', null, null, null, 'codex', null]);
  });

  it('a human edit of the agent\'s line makes it human at the next capture', async () => {
    await repo.write('src/a.ts', text('one', 'AI', 'three', 'four', 'five'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 2, end: 2 }] }] });
    await repo.write('src/a.ts', text('one', 'AI edited by hand', 'three', 'four', 'AI 2'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 5, end: 5 }] }] });
    const state = (await store.read('src/a.ts'))!;
    expect(state.lines.map((k) => k !== 0)).toEqual([false, false, false, false, true]);
  });

  it('a deleted file drops its attribution and is recorded as deleted', async () => {
    await repo.write('src/a.ts', text('one', 'AI'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'write' }] });
    expect(await store.read('src/a.ts')).toBeDefined();
    await repo.remove('src/a.ts');
    const r = await capture({ edits: [{ path: 'src/a.ts', operation: 'delete' }] });
    expect(r).toMatchObject({ files: [{ path: 'src/a.ts', deleted: true }] });
    expect(traceOf(spool, 1).files[0]).toEqual({ path: 'src/a.ts', conversations: [], deleted: true });
    expect(await store.read('src/a.ts')).toBeUndefined();
  });

  it('binary and oversized files are recorded untracked, never crash', async () => {
    await repo.write('bin.dat', new Uint8Array([1, 0, 2, 3]));
    await repo.write('big.txt', 'x'.repeat(2 * 1024 * 1024 + 1));
    const r = await capture({ edits: [{ path: 'bin.dat', operation: 'write' }, { path: 'big.txt', operation: 'write' }] });
    expect(r).toMatchObject({ files: [{ path: 'bin.dat', untracked: 'binary' }, { path: 'big.txt', untracked: 'over 2097152 bytes' }] });
    expect(await store.list()).toEqual([]);
  });

  it('refuses paths outside the repository and skips events outside any repository', async () => {
    const deps = testDeps(repo.dir, repo.env(), spool);
    const r = await capture({ edits: [{ path: '../escape.ts', operation: 'write' }, { path: '/etc/passwd', operation: 'write' }, { path: '.git/config', operation: 'write' }] }, deps);
    expect(r).toEqual({ skipped: 'every edited path is outside the repository' });
    expect(deps.notes).toHaveLength(3);
    const outside = await mkdtemp(join(tmpdir(), 'trailmark-norepo-'));
    try {
      const s = await captureEvent(event(outside, { edits: [{ path: 'x.ts', operation: 'write' }] }), testDeps(outside, repo.env(), spool));
      expect(s).toMatchObject({ skipped: expect.stringContaining('not inside a git work tree') });
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    expect(spool.records).toEqual([]);
  });

  it('finds the repository from an absolute edit path when the hook runs elsewhere', async () => {
    await repo.write('src/a.ts', text('one', 'two', 'three', 'four', 'five', 'six'));
    const r = await captureEvent(event(tmpdir(), { edits: [{ path: join(repo.dir, 'src/a.ts'), operation: 'edit', newRanges: [{ start: 6, end: 6 }] }] }), testDeps(tmpdir(), repo.env(), spool));
    expect(r).toMatchObject({ files: [{ path: 'src/a.ts', ranges: [{ start: 6, end: 6 }] }] });
  });

  it('linked worktrees keep their own attribution for the same path', async () => {
    const other = join(dirname(repo.dir), 'other-worktree');
    await repo.git(['worktree', 'add', '-q', '-b', 'other', other]);
    await repo.write('src/a.ts', text('main agent', 'one', 'two', 'three', 'four', 'five'));
    await writeFile(join(other, 'src', 'a.ts'), text('one', 'two', 'three', 'four', 'five', 'other agent'));
    await capture({ edits: [{ path: 'src/a.ts', operation: 'write' }] });
    await captureEvent(event(other, { edits: [{ path: 'src/a.ts', operation: 'write' }] }), shared);
    const otherStore = new AttributionStore(attributionDir({ root: await realpath(other), commonDir: join(repo.dir, '.git') }));
    expect((await store.read('src/a.ts'))?.lines).toEqual([1, 0, 0, 0, 0, 0]);
    expect((await otherStore.read('src/a.ts'))?.lines).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('an unborn branch gives a record without revision', async () => {
    const fresh = await GitFixture.create();
    try {
      await fresh.write('a.ts', text('x'));
      await captureEvent(event(fresh.dir, { edits: [{ path: 'a.ts', operation: 'write' }] }), testDeps(fresh.dir, fresh.env(), spool));
      expect(traceOf(spool, 0).vcs).toEqual({ type: 'git' });
      expect(rangesOf(traceOf(spool, 0), 'a.ts')).toEqual([[1, 1]]);
    } finally {
      await fresh.cleanup();
    }
  });

  it('prompts go to the detailed tier; session start and end are logged only', async () => {
    const detail = new MemoryDetail();
    const deps = testDeps(repo.dir, repo.env(), spool, { detail });
    await capture({ kind: 'prompt', prompt: 'write the parser' }, deps);
    await capture({ kind: 'session-start' }, deps);
    expect(detail.prompts).toEqual([{ sessionId: 'sess-1', prompt: 'write the parser' }]);
    expect(deps.notes).toEqual([expect.stringContaining('session-start claude-code')]);
    expect(spool.records).toEqual([]);
  });

  it('keeps the detailed tier for sensitive paths (policy) and carries its commitment', async () => {
    await repo.write('.github/trailmark.yml', 'sensitive-paths:\n  - "src/auth/**"\n');
    await repo.write('src/auth/login.ts', text('check()'));
    await repo.write('src/plain.ts', text('plain()'));
    const detail = new MemoryDetail();
    const deps = testDeps(repo.dir, repo.env(), spool, { detail });
    await capture({ edits: [{ path: 'src/plain.ts', operation: 'write' }] }, deps);
    await capture({ edits: [{ path: 'src/auth/login.ts', operation: 'write' }] }, deps);
    expect(traceOf(spool, 0).metadata['dev.trailmark']['detail']).toBeUndefined();
    expect(traceOf(spool, 1).metadata['dev.trailmark']['detail']).toBe(`sha256:${'0'.repeat(63)}1`);
    expect(detail.kept).toEqual([{ path: 'src/auth/login.ts', output: '--- src/auth/login.ts\ncheck()' }]);
  });

  it('keeps the detailed tier for an edit of at least capture.detail.min-lines added lines (policy file), and the light tier below it', async () => {
    await repo.write('.github/trailmark.yml', 'capture:\n  detail:\n    min-lines: 3\n');
    await repo.write('src/small.ts', text('s1', 's2'));
    await repo.write('src/large.ts', text('l1', 'l2', 'l3'));
    const detail = new MemoryDetail();
    const deps = testDeps(repo.dir, repo.env(), spool, { detail });
    await capture({ edits: [{ path: 'src/small.ts', operation: 'write' }] }, deps);
    await capture({ edits: [{ path: 'src/large.ts', operation: 'write' }] }, deps);
    expect(traceOf(spool, 0).metadata['dev.trailmark']['detail']).toBeUndefined();
    expect(traceOf(spool, 1).metadata['dev.trailmark']['detail']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(detail.kept.map((k) => k.path)).toEqual(['src/large.ts']);
    // The light tier of both: who, tool, model, file, ranges and digests; never the text itself.
    for (const i of [0, 1]) {
      const t = traceOf(spool, i);
      expect(JSON.stringify(t)).not.toMatch(/"l1|"s1/);
      expect(t.files[0]!.conversations[0]!.ranges[0]!.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('concurrent captures serialize: every file keeps a consistent state', async () => {
    const files = ['c1.ts', 'c2.ts', 'c3.ts', 'c4.ts', 'c5.ts'];
    for (const f of files) await repo.write(f, text(`agent ${f}`));
    // The same file, edited by two agents before either hook ran: one of the two serial orders.
    await repo.write('src/a.ts', text('A', 'two', 'three', 'four', 'B'));
    await Promise.all([
      ...files.map((f) => capture({ edits: [{ path: f, operation: 'write' }] })),
      capture({ agent: 'agent-a', edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 1, end: 1 }] }] }),
      capture({ agent: 'agent-b', edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 5, end: 5 }] }] }),
    ]);
    expect(spool.records).toHaveLength(7);
    expect((await store.list()).map((s) => s.path)).toEqual([...files, 'src/a.ts'].sort());
    const a = (await store.read('src/a.ts'))!;
    const owned = a.lines.map((k) => (k === 0 ? null : a.owners[k - 1]!.agent));
    expect([JSON.stringify(['agent-a', null, null, null, null]), JSON.stringify([null, null, null, null, 'agent-b'])]).toContain(JSON.stringify(owned));
  });
});

describe('rangeHash, repositoryFromRemote, detailReason', () => {
  it('hashes lines joined by newlines', () => {
    expect(rangeHash(['a', 'b'])).toBe(`sha256:${createHash('sha256').update('a\nb').digest('hex')}`);
  });
  it.each([
    ['git@github.com:acme/widgets.git', 'acme/widgets'],
    ['https://github.com/acme/widgets', 'acme/widgets'],
    ['https://github.com/acme/widgets.git/', 'acme/widgets'],
    ['ssh://git@github.example.com:2222/acme/widgets.git', 'acme/widgets'],
    ['https://ghes.example.com/code/acme/widgets.git', 'acme/widgets'],
    ['/srv/git/widgets.git', undefined],
    ['https://github.com/acme', undefined],
    ['git@github.com:acme/wid gets.git', undefined],
  ])('%s', (url, want) => {
    expect(repositoryFromRemote(url)).toBe(want);
  });
  it('keeps detail for sensitive paths when the policy says so, and for large edits', () => {
    const policy = parsePolicy('sensitive-paths: ["secrets/**"]\ncapture:\n  detail:\n    sensitive: true\n    min-lines: 3\n');
    expect(detailReason(policy, 'secrets/k.ts', 1)).toBe('sensitive-path');
    expect(detailReason(policy, 'src/k.ts', 3)).toBe('size');
    expect(detailReason(policy, 'src/k.ts', 2)).toBeNull();
  });
});

describe('scan matching of trailmark records', () => {
  const record = (stage: 'edit' | 'commit'): string => JSON.stringify({
    version: '0.1.0', id: `r-${stage}`, timestamp: '2026-01-02T03:04:05Z', vcs: { type: 'git', revision: 'c'.repeat(40) }, tool: { name: 'claude-code' },
    files: [{ path: 'a.ts', conversations: [{ contributor: { type: 'ai', model_id: 'm' }, ranges: [{ start_line: 1, end_line: 2, content_hash: rangeHash(['x', 'y']) }] }] }],
    metadata: { 'dev.trailmark': { stage, device: 'd' } },
  });
  const hunk = { path: 'a.ts', startLine: 1, endLine: 2, addedLines: [{ line: 1, text: 'x' }, { line: 2, text: 'y' }], commits: ['c'.repeat(40)] };

  it('never matches stage "edit" ranges, by line or by hash; stage "commit" ranges match', () => {
    const parsed = parseRecords([{ format: 'agent-trace', origin: '.git/trailmark/records.jsonl', text: `${record('edit')}\n` }]);
    expect(parsed.problems).toEqual([]);
    expect(recordedEvidence(hunk, parsed.records, 'c'.repeat(40))).toEqual([]);
    expect(recordedEvidence({ ...hunk, commits: ['d'.repeat(40)] }, parsed.records, 'd'.repeat(40))).toEqual([]);
    const committed = parseRecords([{ format: 'agent-trace', origin: '.git/trailmark/records.jsonl', text: `${record('commit')}\n` }]);
    expect(recordedEvidence(hunk, committed.records, 'c'.repeat(40))).toEqual([expect.objectContaining({ class: 'recorded', says: 'ai', agent: 'claude-code', model: 'm' })]);
  });
});
