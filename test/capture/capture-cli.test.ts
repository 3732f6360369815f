// `trailmark capture <tool>` as the hooks run it: each tool's real payload fixture
// (test/fixtures/capture/, sources in its README) on stdin of the command, in a real git
// repository, with the real spool. And the hook contract (cli/commands/capture.ts): whatever
// goes wrong, the command exits 0 and says nothing on stdout, so the agent's action never fails;
// the reason goes to the capture log. `--strict` exits 2 instead.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpool } from '../../src/capture/spool.js';
import type { CaptureTool, SpoolRecord } from '../../src/capture/types.js';
import { runCli } from '../cli-ledger/harness.js';
import { GitFixture } from '../support/git-fixture.js';

const FIXTURES = new URL('../fixtures/capture/', import.meta.url);
const fixture = async (tool: string, name: string): Promise<string> => readFile(new URL(`${tool}/${name}`, FIXTURES), 'utf8');

interface Trace {
  tool?: { name?: string };
  files: { path: string; conversations: { contributor: { type: string; model_id?: string }; ranges: { start_line: number; end_line: number; content_hash?: string }[] }[] }[];
  metadata: Record<string, { stage?: string; session?: string; request?: string }>;
}

/**
 * Each tool's edit fixture, its project paths moved into the test repository, and the files as
 * they are once the tool has edited them (the hook runs after the edit).
 */
const CASES: readonly {
  readonly tool: Exclude<CaptureTool, 'generic'>;
  readonly file: string;
  /** Project paths of the fixture, replaced by the repository's. */
  readonly project: string;
  readonly before: Record<string, string>;
  readonly after: Record<string, string>;
  readonly expect: { readonly paths: readonly string[]; readonly model?: string; readonly session?: string; readonly request?: string };
}[] = [
  {
    tool: 'claude-code', file: 'post-tool-use-edit.json', project: '/home/ada/repo',
    before: { 'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n' },
    after: { 'src/math.ts': 'export function add(a: number, b: number): number {\n  const sum = a + b;\n  return sum;\n}\n' },
    // The fixture's transcript path does not exist here: no model, the edit is still captured.
    expect: { paths: ['src/math.ts'], session: '00893aaf-19fa-41d2-8238-13269b9b3ca0' },
  },
  {
    tool: 'cursor', file: 'after-file-edit.json', project: '/home/ada/repo',
    before: { 'src/main.ts': 'const foo = 1\nexport { foo }\n' },
    after: { 'src/main.ts': 'const foo = 2\nexport { foo }\n' },
    expect: { paths: ['src/main.ts'], model: 'claude-4.5-sonnet', session: '668320d2-2fd8-4888-b33c-2a466fec86e7', request: '490b90b7-a2ce-4c2c-bb76-cb77b125df2f' },
  },
  {
    tool: 'codex', file: 'post-tool-use-apply-patch.json', project: '/home/ada/repo',
    before: { 'src/app.py': "def main():\n    print('old')\n    return 0\n", 'src/obsolete.py': 'pass\n' },
    after: { 'src/app.py': "def main():\n    print('new')\n    return 0\n", 'src/new.py': "def greet():\n    return 'hi'\n" },
    expect: { paths: ['src/app.py', 'src/new.py', 'src/obsolete.py'], model: 'gpt-5.1-codex', session: '019a2b3c-4d5e-7f60-8192-a3b4c5d6e7f8', request: '019a2b3c-0001-7000-8000-000000000001' },
  },
  {
    tool: 'copilot', file: 'post-tool-use-edit.json', project: '/path/to/project',
    before: { 'src/auth.ts': 'export function allowed(): boolean {\n  return false;\n}\n' },
    after: { 'src/auth.ts': 'export function allowed(): boolean {\n  return true;\n}\n' },
    // The Copilot payload names no model, session or request.
    expect: { paths: ['src/auth.ts'] },
  },
];

describe('trailmark capture <tool> (the command the hooks run)', () => {
  let repo: GitFixture;
  let home: string;

  beforeEach(async () => {
    repo = await GitFixture.create();
    home = await mkdtemp(join(tmpdir(), 'trailmark-capture-cli-'));
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  const env = (): Record<string, string> => ({ ...(repo.env() as Record<string, string>), TRAILMARK_HOME: home });
  const capture = (tool: string, stdin: string, extra: readonly string[] = [], cwd = repo.dir) => runCli(['capture', tool, ...extra], { cwd, env: env(), stdin });
  const captureLog = async (): Promise<string> => readFile(join(home, 'capture.log'), 'utf8').catch(() => '');
  const spooled = async (): Promise<readonly SpoolRecord[]> => (await openSpool(home)).read(0, 100);

  for (const c of CASES) {
    it(`${c.tool}/${c.file}: exit 0, nothing on stdout, one edit record in the spool with the payload's ids`, async () => {
      for (const [p, t] of Object.entries(c.before)) await repo.write(p, t);
      await repo.commit('base');
      for (const p of Object.keys(c.before)) if (!(p in c.after)) await repo.remove(p);
      for (const [p, t] of Object.entries(c.after)) await repo.write(p, t);
      const payload = (await fixture(c.tool, c.file)).split(c.project).join(repo.dir);

      const r = await capture(c.tool, payload);
      expect(r, r.stderr).toEqual({ code: 0, stdout: '', stderr: '' });
      const records = await spooled();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ seq: 1, stage: 'edit' });
      const trace = records[0]!.trace as unknown as Trace;
      expect(trace.tool?.name).toBe(c.tool);
      expect(trace.files.map((f) => f.path).sort()).toEqual([...c.expect.paths]);
      const meta = trace.metadata['dev.trailmark']!;
      expect(meta.stage).toBe('edit');
      expect(meta.session).toBe(c.expect.session);
      expect(meta.request).toBe(c.expect.request);
      // The lines the agent left carry a content digest and, when the payload names it, the model.
      const conversations = trace.files.flatMap((f) => f.conversations);
      const withRanges = conversations.filter((v) => v.ranges.length > 0);
      expect(withRanges.length).toBeGreaterThan(0);
      for (const v of withRanges) {
        expect(v.contributor).toEqual({ type: 'ai', ...(c.expect.model !== undefined ? { model_id: c.expect.model } : {}) });
        for (const g of v.ranges) expect(g.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
      expect(await captureLog()).toBe('');
    });
  }

  it('every tool: a payload that is not json, one of no known shape, or a non-edit tool is skipped: exit 0, reason logged, nothing spooled', async () => {
    const cases: [string, string, RegExp][] = [
      ['claude-code', '{"hook_event_name": ', /capture claude-code: payload skipped: claude-code payload is not valid json/],
      ['cursor', '[]', /capture cursor: payload skipped: cursor payload is not a json object/],
      ['codex', await fixture('codex', 'post-tool-use-bash.json'), /capture codex: payload skipped: not an edit/],
      ['copilot', await fixture('copilot', 'post-tool-use-denied.json'), /capture copilot: payload skipped: tool result is denied, not success/],
      ['claude-code', await fixture('claude-code', 'post-tool-use-read.json'), /capture claude-code: payload skipped: not an edit/],
    ];
    for (const [tool, stdin, logged] of cases) {
      const r = await capture(tool, stdin);
      expect(r, `${tool}: ${stdin.slice(0, 40)}`).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await captureLog()).toMatch(logged);
    }
    expect(await spooled()).toEqual([]);
  });

  it('an edit outside any repository is skipped and logged, exit 0', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'trailmark-no-repo-'));
    try {
      await writeFile(join(elsewhere, 'main.ts'), 'const foo = 2\n');
      const payload = (await fixture('cursor', 'after-file-edit.json')).split('/home/ada/repo/src').join(elsewhere).split('/home/ada/repo').join(elsewhere);
      const r = await capture('cursor', payload, [], elsewhere);
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await captureLog()).toMatch(/capture cursor: skipped: not inside a git work tree/);
      expect(await spooled()).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('a spool that cannot be written: exit 0 and the error in the capture log; --strict exits 2 and says where the log is', async () => {
    await repo.write('src/main.ts', 'const foo = 1\n');
    await repo.commit('base');
    await repo.write('src/main.ts', 'const foo = 2\n');
    const payload = (await fixture('cursor', 'after-file-edit.json')).split('/home/ada/repo').join(repo.dir);
    // The spool directory is taken by a file: every append fails.
    await writeFile(join(home, 'spool'), 'not a directory\n');
    const r = await capture('cursor', payload);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await captureLog()).toMatch(/^\d{4}-\d\d-\d\dT\S+ capture cursor: error: /m);
    const strict = await capture('cursor', payload, ['--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toContain(`hint: see ${join(home, 'capture.log')}`);
  });

  it('Copilot: the event the installed handler sets in TRAILMARK_HOOK_EVENT is checked against the payload', async () => {
    await repo.write('src/auth.ts', 'export function allowed(): boolean {\n  return false;\n}\n');
    await repo.commit('base');
    await repo.write('src/auth.ts', 'export function allowed(): boolean {\n  return true;\n}\n');
    const payload = (await fixture('copilot', 'post-tool-use-edit.json')).split('/path/to/project').join(repo.dir);
    const run = (event: string) => runCli(['capture', 'copilot'], { cwd: repo.dir, env: { ...env(), TRAILMARK_HOOK_EVENT: event }, stdin: payload });
    expect(await run('sessionStart')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await captureLog()).toMatch(/capture copilot: payload skipped: sessionStart payload without source/);
    expect(await spooled()).toEqual([]);
    expect(await run('postToolUse')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await spooled()).map((r) => r.stage)).toEqual(['edit']);
  });

  it('Cursor\'s beforeSubmitPrompt is answered {"continue":true} on stdout, so the prompt is never held up', async () => {
    const payload = (await fixture('cursor', 'before-submit-prompt.json')).split('/home/ada/repo').join(repo.dir);
    const r = await capture('cursor', payload);
    expect(r).toEqual({ code: 0, stdout: '{"continue":true}\n', stderr: '' });
  });
});
