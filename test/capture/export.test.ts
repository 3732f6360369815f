// `trailmark export`: committed records of a range as Agent Trace JSONL and as git-ai notes, on
// real repositories with real commits; notes read back through the existing reader
// (git/notes.ts + attest/git-ai.ts).
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAgentTrace } from '../../src/attest/agent-trace.js';
import { formatGitAiNote, parseGitAiNote, type GitAiNote } from '../../src/attest/git-ai.js';
import { exportAgentTrace, exportGitAiNotes, readCommitTraces } from '../../src/capture/export.js';
import { repoPaths } from '../../src/capture/paths.js';
import { readGitAiNotes } from '../../src/git/notes.js';
import { GitFixture } from '../support/git-fixture.js';
import { runCli } from '../cli-ledger/harness.js';

interface Range { readonly start: number; readonly end: number; readonly type?: 'ai' | 'human' | 'mixed' | 'unknown' }

let seq = 0;
/** A committed record in the shape the post-commit hook writes (docs/export.md). */
function record(revision: string, files: Readonly<Record<string, readonly Range[]>>, opts: { stage?: 'commit' | 'edit'; model?: string; tool?: string; session?: string } = {}): string {
  seq++;
  return JSON.stringify({
    version: '0.1.0',
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    timestamp: '2026-12-05T01:00:00Z',
    vcs: { type: 'git', revision },
    tool: { name: opts.tool ?? 'claude-code', version: '2.0.0' },
    files: Object.entries(files).map(([path, ranges]) => ({
      path,
      conversations: ranges.map((r) => ({
        contributor: { type: r.type ?? 'ai', ...(r.type === undefined || r.type === 'ai' ? { model_id: opts.model ?? 'claude-sonnet-4-5' } : {}) },
        ranges: [{ start_line: r.start, end_line: r.end, content_hash: 'sha256:00' }],
      })),
    })),
    metadata: { 'dev.trailmark': { stage: opts.stage ?? 'commit', device: 'device-1', seq, ...(opts.session !== undefined ? { session: opts.session } : {}) } },
  });
}

let repo: GitFixture;
let A: string; // base
let B: string; // adds src/f.ts
let C: string; // adds "src/with space.ts" and src/g.ts

async function writeRecords(lines: readonly string[]): Promise<string> {
  const common = await repo.git(['rev-parse', '--path-format=absolute', '--git-common-dir']);
  const paths = repoPaths(common);
  await mkdir(paths.root, { recursive: true });
  await writeFile(paths.records, lines.map((l) => `${l}\n`).join(''));
  return paths.records;
}

async function setUp(): Promise<void> {
  repo = await GitFixture.create();
  // The notes commit is made by trailmark's own git runner, which drops GIT_* identity variables.
  await repo.git(['config', 'user.name', 'Ada Author']);
  await repo.git(['config', 'user.email', 'ada@example.com']);
  await repo.write('README.md', 'base\n');
  A = await repo.commit('base');
  await repo.write('src/f.ts', 'a\nb\nc\nd\ne\n');
  B = await repo.commit('add f');
  await repo.writeFiles({ 'src/with space.ts': 'x\ny\n', 'src/g.ts': '1\n2\n3\n4\n' });
  C = await repo.commit('add g');
}
async function tearDown(): Promise<void> {
  await repo.cleanup();
}

describe('export --agent-trace', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  it('writes the committed records of the range, oldest commit first, and nothing else', async () => {
    const lines = [
      record(C, { 'src/g.ts': [{ start: 2, end: 3 }] }, { session: 's-2' }),
      record(B, { 'src/f.ts': [{ start: 1, end: 3 }] }, { session: 's-1' }),
      record(B, { 'src/f.ts': [{ start: 1, end: 5 }] }, { stage: 'edit' }),
      record(A, { 'README.md': [{ start: 1, end: 1 }] }),
      record('f'.repeat(40), { 'src/f.ts': [{ start: 1, end: 1 }] }),
    ];
    await writeRecords(lines);
    const result = await exportAgentTrace(repo.dir, `${A}..HEAD`);
    expect(result.problems).toEqual([]);
    expect(result.text).toBe(`${lines[1]}\n${lines[0]}\n`);
    expect({ records: result.records, commits: result.commits }).toEqual({ records: 2, commits: 2 });
    // What it writes is what the Agent Trace reader accepts, with the same ranges and revisions.
    const back = parseAgentTrace(result.text, 'export');
    expect(back.problems).toEqual([]);
    expect(back.ranges.map((r) => [r.revision, r.path, r.startLine, r.endLine])).toEqual([[B, 'src/f.ts', 1, 3], [C, 'src/g.ts', 2, 3]]);
  });

  it('without a range exports every commit reachable from HEAD', async () => {
    const lines = [record(A, { 'README.md': [{ start: 1, end: 1 }] }), record(C, { 'src/g.ts': [{ start: 1, end: 1 }] })];
    await writeRecords(lines);
    expect((await exportAgentTrace(repo.dir)).text).toBe(`${lines[0]}\n${lines[1]}\n`);
  });

  it('reports invalid lines by line number and exports the rest', async () => {
    const good = record(B, { 'src/f.ts': [{ start: 1, end: 2 }] });
    const noVcs = JSON.stringify({ ...(JSON.parse(good) as object), vcs: undefined });
    const badRange = good.replace('"start_line":1', '"start_line":0');
    const stage = good.replace('"stage":"commit"', '"stage":"done"');
    await writeRecords(['{not json', good, noVcs, '[1]', badRange, stage]);
    const result = await exportAgentTrace(repo.dir, `${A}..${C}`);
    expect(result.text).toBe(`${good}\n`);
    expect(result.problems.map((p) => p.message.slice(p.message.lastIndexOf('records.jsonl'))).sort()).toEqual([
      'records.jsonl:1: not valid json',
      'records.jsonl:3: a commit record needs vcs {type: "git", revision: <full commit id>}',
      'records.jsonl:4: record is not a json object',
      'records.jsonl:5: files[0].conversations[0].ranges[0]: start_line and end_line must be integers >= 1',
      'records.jsonl:6: metadata["dev.trailmark"].stage is neither "edit" nor "commit"',
    ]);
  });

  it('a missing records file exports nothing', async () => {
    const result = await exportAgentTrace(repo.dir, `${A}..HEAD`);
    expect(result).toMatchObject({ text: '', records: 0, commits: 0, problems: [] });
  });

  it('CLI: --out writes the file (exit 0); an invalid line makes exit 1; bad usage exit 2', async () => {
    const lines = [record(B, { 'src/f.ts': [{ start: 1, end: 3 }] })];
    await writeRecords(lines);
    const ok = await runCli(['export', '--agent-trace', '--range', `${A}..HEAD`, '--out', 'trace.jsonl'], { cwd: repo.dir });
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    expect(ok.stderr).toContain('wrote 1 record(s) of 1 commit(s)');
    expect(await readFile(join(repo.dir, 'trace.jsonl'), 'utf8')).toBe(`${lines[0]}\n`);

    const stdout = await runCli(['export', '--agent-trace', '--range', `${B}..${C}`], { cwd: repo.dir });
    expect(stdout).toMatchObject({ code: 0, stdout: '' });
    expect(stdout.stderr).toContain('no committed records in the range');

    await writeRecords([...lines, 'garbage']);
    const bad = await runCli(['export', '--agent-trace', '--json', '--out', 'trace2.jsonl'], { cwd: repo.dir });
    expect(bad.code).toBe(1);
    const summary = JSON.parse(bad.stdout) as { schema: string; agentTrace: { records: number }; problems: string[] };
    expect(summary.schema).toBe('trailmark.export/v1');
    expect(summary.agentTrace.records).toBe(1);
    expect(summary.problems).toHaveLength(1);
    expect(summary.problems[0]).toMatch(/records\.jsonl:2: not valid json$/);

    for (const args of [
      ['export'],
      ['export', '--agent-trace', '--range', 'main...HEAD'],
      ['export', '--agent-trace', '--range', '..HEAD'],
      ['export', '--agent-trace', '--range', '--all..HEAD'],
      ['export', '--git-ai-notes', '--out', 'x'],
      ['export', '--agent-trace', '--json'],
      ['export', '--agent-trace', '--range', 'nope..HEAD'],
    ]) {
      const r = await runCli(args, { cwd: repo.dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('hint:');
    }
  });
});

describe('export --git-ai-notes', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  it('round-trips: the existing reader reads back the ai line ranges of each commit', async () => {
    await writeRecords([
      record(B, { 'src/f.ts': [{ start: 1, end: 2 }, { start: 4, end: 5 }] }, { session: 'sess-1', model: 'claude-opus-4-5' }),
      record(C, { 'src/with space.ts': [{ start: 1, end: 2 }], 'src/g.ts': [{ start: 1, end: 1, type: 'human' }, { start: 2, end: 4 }] }, { session: 'sess-2', tool: 'cursor', model: 'gpt-5' }),
      record(C, { 'src/g.ts': [{ start: 3, end: 3 }] }, { session: 'sess-2', tool: 'cursor', model: 'gpt-5' }),
    ]);
    const result = await exportGitAiNotes(repo.dir, `${A}..HEAD`);
    expect(result).toMatchObject({ written: [B, C], unchanged: [], skipped: [], problems: [] });

    const raw = await readGitAiNotes(repo.dir, [A, B, C]);
    expect(raw.map((r) => r.commit)).toEqual([B, C]);
    const notes = raw.map((r) => parseGitAiNote(r.text, r.origin) as GitAiNote);
    const flat = (n: GitAiNote) => n.ranges.map((r) => [r.path, r.startLine, r.endLine, r.contributor]);
    expect(flat(notes[0]!)).toEqual([
      ['src/f.ts', 1, 2, { kind: 'ai', tool: 'claude-code', model: 'claude-opus-4-5' }],
      ['src/f.ts', 4, 5, { kind: 'ai', tool: 'claude-code', model: 'claude-opus-4-5' }],
    ]);
    expect(notes[0]!.baseCommit).toBe(B);
    // The human line (g.ts:1) is left untracked; two records' adjacent ranges stay distinct keys.
    const c = flat(notes[1]!).sort((x, y) => (x[0] as string).localeCompare(y[0] as string) || (x[1] as number) - (y[1] as number));
    expect(c).toEqual([
      ['src/g.ts', 2, 4, { kind: 'ai', tool: 'cursor', model: 'gpt-5' }],
      ['src/g.ts', 3, 3, { kind: 'ai', tool: 'cursor', model: 'gpt-5' }],
      ['src/with space.ts', 1, 2, { kind: 'ai', tool: 'cursor', model: 'gpt-5' }],
    ]);

    // Again: the same notes, unchanged, nothing rewritten.
    const before = await repo.git(['rev-parse', 'refs/notes/ai']);
    expect(await exportGitAiNotes(repo.dir, `${A}..HEAD`)).toMatchObject({ written: [], unchanged: [B, C], skipped: [] });
    expect(await repo.git(['rev-parse', 'refs/notes/ai'])).toBe(before);
  });

  it('never replaces a note that is there, and skips commits with no ai lines', async () => {
    const theirs = 'src/f.ts\n  h_00112233445566 1-5\n---\n{"schema_version":"authorship/3.0.0","humans":{"h_00112233445566":{"author":"Ada"}}}\n';
    await repo.note(B, theirs);
    await writeRecords([
      record(B, { 'src/f.ts': [{ start: 1, end: 3 }] }),
      record(C, { 'src/g.ts': [{ start: 1, end: 4, type: 'human' }] }),
    ]);
    const result = await exportGitAiNotes(repo.dir, `${A}..HEAD`);
    expect(result.written).toEqual([]);
    expect(result.skipped).toEqual([
      { commit: B, reason: `commit ${B} already has a different note under refs/notes/ai; left as it is` },
      { commit: C, reason: `commit ${C}: its records attribute no line to ai` },
    ]);
    expect(await repo.git(['notes', '--ref=ai', 'show', B])).toBe(theirs.trimEnd());

    const cli = await runCli(['export', '--git-ai-notes', '--range', `${A}..HEAD`], { cwd: repo.dir });
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain('git-ai notes: 0 written, 0 unchanged, 2 skipped');
    expect(cli.stderr).toContain(`skipped: commit ${B} already has a different note`);
  });
});

describe('formatGitAiNote', () => {
  const s = 's_0123456789abcd';
  const key = `${s}::t_0123456789abcd`;
  const draft = (paths: readonly string[]) => ({
    baseCommit: 'c'.repeat(40), writer: 'trailmark test',
    sessions: [{ key: s, tool: 'codex', id: 'thread-1', model: 'gpt-5.1-codex' }],
    entries: paths.map((path) => ({ path, key, ranges: [[7, 9], [1, 2], [3, 3], [8, 12]] as [number, number][] })),
  });

  it('merges ranges and quotes paths so that the reader gets them back exactly', () => {
    const paths = ['a b.ts', '---', '"quoted"', 'tab\there', 'plain.ts', '"open'];
    const text = formatGitAiNote(draft(paths));
    expect(typeof text).toBe('string');
    const lines = (text as string).split('\n');
    expect(lines.slice(0, lines.indexOf('---'))).toEqual([
      '"open', `  ${key} 1-3,7-12`,
      '""quoted""', `  ${key} 1-3,7-12`,
      '"---"', `  ${key} 1-3,7-12`,
      '"a b.ts"', `  ${key} 1-3,7-12`,
      'plain.ts', `  ${key} 1-3,7-12`,
      '"tab\there"', `  ${key} 1-3,7-12`,
    ]);
    const back = parseGitAiNote(text as string, 'test') as GitAiNote;
    expect([...new Set(back.ranges.map((r) => r.path))].sort()).toEqual([...paths].sort());
    expect(back.ranges.filter((r) => r.path === 'a b.ts').map((r) => [r.startLine, r.endLine])).toEqual([[1, 3], [7, 12]]);
  });

  it('refuses what the format cannot say', () => {
    expect(String(formatGitAiNote(draft(['a\nb'])))).toContain('holds a line break');
    expect(String(formatGitAiNote({ ...draft(['a']), sessions: [] }))).toContain('has no session');
    expect(String(formatGitAiNote({ ...draft(['a']), sessions: [{ key: 's_x', tool: 't', id: 'i', model: 'm' }] }))).toContain('is not s_<14 hex>');
    expect(String(formatGitAiNote({ ...draft(['a']), sessions: [{ key: s, tool: 'human', id: 'i', model: 'm' }] }))).toContain('denotes a person');
    expect(String(formatGitAiNote({ ...draft(['a']), entries: [{ path: 'a', key, ranges: [[3, 2]] }] }))).toContain('is not 1-based and ascending');
  });

  it('readCommitTraces names the real line of an invalid record, whatever the origin holds', () => {
    const good = record('a'.repeat(40), { x: [{ start: 1, end: 1 }] });
    const { traces, problems } = readCommitTraces(`${good}\n${good.replace('"type":"ai"', '"type":"robot"')}\n`, '/odd: dir/records.jsonl');
    expect(traces).toHaveLength(1);
    expect(problems.map((p) => p.message)).toEqual(['/odd: dir/records.jsonl:2: files[0].conversations[0].contributor.type must be human, ai, mixed or unknown']);
  });

  it('readCommitTraces skips edit-stage records silently', () => {
    const { traces, problems } = readCommitTraces(record('a'.repeat(40), { x: [{ start: 1, end: 1 }] }, { stage: 'edit' }), 'mem');
    expect({ traces, problems }).toEqual({ traces: [], problems: [] });
  });
});

describe('trailmark export as a child process', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  const CLI_MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
  const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const SCRIPT = `const { main } = await import(${JSON.stringify(pathToFileURL(CLI_MAIN).href)}); process.exitCode = await main(process.argv.slice(1));`;
  /** `trailmark …` run the way a user runs it: its own process, its cwd the repository. */
  const cli = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, ['--import', TSX, '--input-type=module', '-e', SCRIPT, ...args], { cwd: repo.dir, encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });

  it('writes Agent Trace to stdout and notes git reads, exit 0; exit 2 on a bad range', async () => {
    const lines = [record(B, { 'src/f.ts': [{ start: 2, end: 4 }] }, { session: 'sess-9' })];
    await writeRecords(lines);
    const trace = await cli(['export', '--agent-trace', '--git-ai-notes', '--range', `${A}..HEAD`]);
    expect(trace.code).toBe(0);
    expect(trace.stdout).toBe(`${lines[0]}\n`);
    expect(trace.stderr).toContain('git-ai notes: 1 written, 0 unchanged, 0 skipped');
    const note = await repo.git(['notes', '--ref=ai', 'show', B]);
    expect(note.split('\n').slice(0, 2)).toEqual(['src/f.ts', expect.stringMatching(/^ {2}s_[0-9a-f]{14}::t_[0-9a-f]{14} 2-4$/)]);

    const bad = await cli(['export', '--agent-trace', '--range', `${A}...HEAD`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not BASE..HEAD');
  });
});
