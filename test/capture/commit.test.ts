// prepare-commit-msg and post-commit through real git hooks: each hook is a shell script that
// runs the CLI from source (`node --import tsx test/capture/cli-entry.ts capture … --strict`),
// so a hook error aborts the commit (prepare-commit-msg) or shows in the capture log.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttributionStore } from '../../src/capture/attribution.js';
import { captureEvent } from '../../src/capture/capture.js';
import { prepareCommitMsg } from '../../src/capture/commit.js';
import { repoPaths } from '../../src/capture/paths.js';
import { attributionDir } from '../../src/capture/repo.js';
import type { CaptureEvent } from '../../src/capture/types.js';
import { parseTrailers } from '../../src/attest/trailers.js';
import { runCli } from '../cli-ledger/harness.js';
import { GitFixture } from '../support/git-fixture.js';
import { MemorySpool, testDeps } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = join(ROOT, 'test', 'capture', 'cli-entry.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Evidence { class: string; source: string; says: string; detail?: string }
interface ScanHunk { path: string; newStart: number; newLines: number; evidence: Evidence[] }

describe('capture through git hooks', () => {
  let repo: GitFixture;
  let home: string;
  let spool: MemorySpool;
  let deps: ReturnType<typeof testDeps>;

  beforeEach(async () => {
    repo = await GitFixture.create();
    home = await mkdtemp(join(tmpdir(), 'trailmark-home-'));
    spool = new MemorySpool();
    deps = testDeps(repo.dir, repo.env(), spool);
    await repo.write('src/a.ts', text('a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await repo.write('src/b.ts', text('b1', 'b2', 'b3', 'b4', 'b5'));
    await repo.commit('base');
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  /** The hooks (each run costs a node start with tsx: installed only by the tests that commit). */
  const installHooks = async (): Promise<void> => {
    for (const hook of ['prepare-commit-msg', 'commit-msg', 'post-commit']) {
      const file = join(repo.dir, '.git', 'hooks', hook);
      await writeFile(file, `#!/bin/sh\nexec ${shq(process.execPath)} --import ${shq(TSX)} ${shq(ENTRY)} capture ${hook} --strict "$@"\n`);
      await chmod(file, 0o755);
    }
  };
  const agentEdit = (over: Partial<CaptureEvent>) =>
    captureEvent({ tool: 'claude-code', kind: 'edit', agent: 'claude-code', model: 'claude-opus-4-5', sessionId: 'sess-1', cwd: repo.dir, time: '2026-01-02T03:04:05.000Z', edits: [], ...over }, deps);
  const gitCommit = async (args: readonly string[]): Promise<string> => {
    await repo.run(['commit', '-q', ...args], { env: { ...repo.env(), TRAILMARK_HOME: home } });
    return repo.rev('HEAD');
  };
  const message = async (): Promise<string> => repo.git(['log', '-1', '--format=%B']);
  const assistedBy = async (): Promise<string[]> => parseTrailers(await message()).filter((t) => t.key.toLowerCase() === 'assisted-by').map((t) => t.value);
  const records = async (): Promise<Record<string, unknown>[]> => {
    const t = await readFile(repoPaths(join(repo.dir, '.git')).records, 'utf8').catch(() => '');
    return t.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const captureLog = async (): Promise<string> => readFile(join(home, 'capture.log'), 'utf8').catch(() => '');
  const store = (): AttributionStore => new AttributionStore(attributionDir({ root: repo.dir, commonDir: join(repo.dir, '.git') }));

  it('agent edit, then a human edit of some of its lines and of another file: one trailer, the agent\'s lines recorded, recorded evidence only on the agent hunk', async () => {
    await installHooks();
    // The agent inserts three lines after a3.
    await repo.write('src/a.ts', text('a1', 'a2', 'a3', 'ai-1', 'ai-2', 'ai-3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'edit', replacements: [{ oldText: 'a3\n', newText: 'a3\nai-1\nai-2\nai-3\n' }] }] });
    // A human rewrites the agent's middle line, adds a line at the top of a.ts, and edits b.ts.
    await repo.write('src/a.ts', text('human-top', 'a1', 'a2', 'a3', 'ai-1', 'human-2', 'ai-3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await repo.write('src/b.ts', text('b1', 'b2', 'human-b', 'b4', 'b5'));
    await repo.git(['add', '-A']);
    const sha = await gitCommit(['-m', 'feat: thing']);

    expect(await assistedBy()).toEqual(['claude-code:claude-opus-4-5']);
    const recs = await records();
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({
      version: '0.1.0',
      vcs: { type: 'git', revision: sha },
      tool: { name: 'claude-code' },
      files: [{ path: 'src/a.ts', conversations: [{ contributor: { type: 'ai', model_id: 'claude-opus-4-5' }, ranges: [{ start_line: 5, end_line: 5 }, { start_line: 7, end_line: 7 }] }] }],
      metadata: { 'dev.trailmark': { stage: 'commit', edits: [spool.records[0]!.id] } },
    });
    expect(await captureLog()).not.toContain('error');
    expect(await store().list()).toEqual([]);

    const scan = await runCli(['scan', '--base', 'HEAD~1', '--format', 'json'], { cwd: repo.dir });
    expect(scan.code, scan.stderr).toBe(0);
    const hunks = (JSON.parse(scan.stdout) as { hunks: ScanHunk[] }).hunks;
    const recorded = (path: string): Evidence[] => hunks.filter((h) => h.path === path).flatMap((h) => h.evidence.filter((e) => e.class === 'recorded'));
    expect(recorded('src/a.ts')).toEqual([expect.objectContaining({ source: 'agent-trace', says: 'ai', detail: expect.stringContaining('2 of 4 added lines') })]);
    expect(recorded('src/a.ts')[0]!.detail).toContain('.git/trailmark/records.jsonl');
    expect(recorded('src/b.ts')).toEqual([]);

    // Past 16 MiB the scan streams the records file and keeps the lines naming its commits.
    const file = repoPaths(join(repo.dir, '.git')).records;
    const other = JSON.stringify({ ...recs[0], id: 'other', vcs: { type: 'git', revision: 'f'.repeat(40) }, pad: 'x'.repeat(4000) });
    await writeFile(file, `${`${other}\n`.repeat(4200)}${await readFile(file, 'utf8')}`);
    const big = await runCli(['scan', '--base', 'HEAD~1', '--format', 'json'], { cwd: repo.dir });
    const bigHunks = (JSON.parse(big.stdout) as { hunks: ScanHunk[] }).hunks;
    // (The line number in the detail depends on how the parser reads the kept lines.)
    const lineless = (e: Evidence): Evidence => ({ ...e, detail: e.detail!.replace(/records\.jsonl:\d+ /, 'records.jsonl:N ') });
    expect(bigHunks.filter((h) => h.path === 'src/a.ts').flatMap((h) => h.evidence.filter((e) => e.class === 'recorded')).map(lineless)).toEqual(recorded('src/a.ts').map(lineless));
  });

  it('a commit with nothing from the agent gets no trailer and no record; the agent\'s unstaged lines wait for their commit', async () => {
    await installHooks();
    await repo.write('src/a.ts', text('a1', 'agent', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 2, end: 2 }] }] });
    await repo.write('src/b.ts', text('b1', 'human', 'b3', 'b4', 'b5'));
    await repo.git(['add', 'src/b.ts']);
    await gitCommit(['-m', 'human only']);
    expect(await assistedBy()).toEqual([]);
    expect(await records()).toEqual([]);
    expect((await store().list()).map((s) => s.path)).toEqual(['src/a.ts']);

    // `commit -a` stages through a temporary index (GIT_INDEX_FILE): the hook must read that one.
    const sha = await gitCommit(['-a', '-m', 'now the agent line']);
    expect(await assistedBy()).toEqual(['claude-code:claude-opus-4-5']);
    expect(await records()).toEqual([expect.objectContaining({ vcs: { type: 'git', revision: sha }, files: [expect.objectContaining({ path: 'src/a.ts' })] })]);
    expect(await store().list()).toEqual([]);
    expect(await captureLog()).not.toContain('error');
  });

  it('never duplicates an existing Assisted-by trailer (any case); adds one per distinct agent:model', async () => {
    await installHooks();
    await repo.write('src/a.ts', text('a1', 'claude line', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 2, end: 2 }] }] });
    await repo.write('src/b.ts', text('b1', 'b2', 'b3', 'b4', 'b5', 'aider line'));
    await agentEdit({ agent: 'aider', model: undefined, edits: [{ path: 'src/b.ts', operation: 'unknown' }] });
    await gitCommit(['-a', '-m', 'both\n\nAssisted-by: Claude-Code:Claude-Opus-4-5']);
    expect((await assistedBy()).sort()).toEqual(['Claude-Code:Claude-Opus-4-5', 'aider']);
    const [rec] = await records();
    expect(rec).toMatchObject({ tool: { name: 'aider,claude-code' } });
    expect((rec!['files'] as { path: string }[]).map((f) => f.path)).toEqual(['src/a.ts', 'src/b.ts']);
  });

  it('a file the agent wrote and a human deleted before the commit: no trailer, no record, no error, attribution dropped', async () => {
    await installHooks();
    await repo.write('src/c.ts', text('agent file'));
    await agentEdit({ edits: [{ path: 'src/c.ts', operation: 'write' }] });
    await repo.remove('src/c.ts');
    await repo.write('src/b.ts', text('b1', 'b2', 'b3', 'b4', 'b5', 'human'));
    await gitCommit(['-a', '-m', 'human']);
    expect(await assistedBy()).toEqual([]);
    expect(await records()).toEqual([]);
    expect(await store().list()).toEqual([]);
    expect(await captureLog()).not.toContain('error');
  });

  it('an editor commit keeps the trailer; quitting the editor with an empty message still aborts', async () => {
    await installHooks();
    await repo.write('src/a.ts', text('a1', 'agent', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'edit', newRanges: [{ start: 2, end: 2 }] }] });
    await repo.git(['add', '-A']);
    const before = await repo.rev('HEAD');
    // GIT_EDITOR=true leaves the prepared message as it is: only comments and the trailer.
    await expect(repo.run(['commit', '-q'], { env: { ...repo.env(), TRAILMARK_HOME: home, GIT_EDITOR: 'true' } })).rejects.toThrow(/empty commit message/);
    expect(await repo.rev('HEAD')).toBe(before);
    // An editor that writes a subject keeps the trailer.
    const editor = join(home, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\n{ printf "feat: from the editor\\n"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n');
    await chmod(editor, 0o755);
    await repo.run(['commit', '-q'], { env: { ...repo.env(), TRAILMARK_HOME: home, GIT_EDITOR: editor } });
    expect((await message()).trimEnd()).toBe('feat: from the editor\n\nAssisted-by: claude-code:claude-opus-4-5');
    expect(await captureLog()).not.toContain('error');
  });

  it('leaves merge and squash messages alone', async () => {
    await repo.write('src/a.ts', text('x'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'write' }] });
    await repo.git(['add', '-A']);
    const msg = join(repo.dir, '.git', 'MSG');
    await writeFile(msg, 'merge\n');
    for (const source of ['merge', 'squash']) {
      expect(await prepareCommitMsg(msg, source, { env: repo.env(), cwd: repo.dir, log: () => undefined })).toEqual({ skipped: `${source} message left alone` });
    }
    expect(await prepareCommitMsg(msg, 'message', { env: repo.env(), cwd: repo.dir, log: () => undefined })).toEqual({ added: ['claude-code:claude-opus-4-5'] });
    expect(await readFile(msg, 'utf8')).toBe('merge\n\nAssisted-by: claude-code:claude-opus-4-5\n');
  });

  it('hooks exit 0 and log when something goes wrong (without --strict)', async () => {
    const r = await runCli(['capture', 'prepare-commit-msg', join(repo.dir, 'no-such-file')], { cwd: repo.dir, env: { TRAILMARK_HOME: home } });
    expect(r.code).toBe(0);
    // Nothing staged by an agent: nothing to read, nothing logged.
    expect(await captureLog()).toBe('');
    await repo.write('src/a.ts', text('x'));
    await agentEdit({ edits: [{ path: 'src/a.ts', operation: 'write' }] });
    await repo.git(['add', '-A']);
    const again = await runCli(['capture', 'prepare-commit-msg', join(repo.dir, 'no-such-file')], { cwd: repo.dir, env: { TRAILMARK_HOME: home } });
    expect(again.code).toBe(0);
    expect(await captureLog()).toMatch(/^\d{4}-\d\d-\d\dT[^ ]+ capture prepare-commit-msg: error: .*no-such-file/m);
    const strict = await runCli(['capture', 'prepare-commit-msg', '--strict', join(repo.dir, 'no-such-file')], { cwd: repo.dir, env: { TRAILMARK_HOME: home } });
    expect(strict.code).toBe(2);
  });

  it('capture generic records the named files through the CLI', async () => {
    await repo.write('src/b.ts', text('b1', 'b2', 'b3', 'b4', 'b5', 'generic'));
    const r = await runCli(['capture', 'generic', '--strict', '--agent', 'aider', '--model', 'gpt-5', '--files', 'src/b.ts'], { cwd: repo.dir, env: { TRAILMARK_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const state = await store().read('src/b.ts');
    expect(state?.owners).toEqual([expect.objectContaining({ agent: 'aider', model: 'gpt-5' })]);
    expect(state?.lines).toEqual([0, 0, 0, 0, 0, 1]);
  });
});
