// `trailmark hooks install | uninstall | status` through the CLI, on a real temporary HOME and
// real git repositories, with the realistic existing configurations of
// test/fixtures/capture/configs: install keeps theirs and adds ours, install twice adds
// nothing, uninstall gives back the same bytes (sha256), a user's edit in between survives.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../cli-ledger/harness.js';
import { GitFixture } from '../support/git-fixture.js';

const FIXTURES = new URL('../fixtures/capture/configs/', import.meta.url);
const fixturePath = (name: string): string => new URL(name, FIXTURES).pathname;
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const CMD = 'trailmark-under-test';

let repo: GitFixture;
let home: string;
let env: Record<string, string>;

beforeEach(async () => {
  repo = await GitFixture.create();
  home = dirname(repo.dir);
  env = { HOME: home, TRAILMARK_HOME: join(home, 'state'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: join(home, '.gitconfig-none') };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const cli = (args: readonly string[], cwd = repo.dir): Promise<CliRun> => runCli(['hooks', ...args], { cwd, env });
const place = (fixture: string, path: string, mode = 0o644): string => {
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(fixturePath(fixture), path);
  chmodSync(path, mode);
  return path;
};
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
/** Every file under `dir`, relative, with its sha256 and mode. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out[`${p.slice(dir.length)}/`] = 'dir';
        walk(p);
      } else out[p.slice(dir.length)] = `${sha(p)} ${(st.mode & 0o777).toString(8)}`;
    }
  };
  walk(dir);
  return out;
}

describe('install then uninstall on existing configurations', () => {
  it('every agent tool, --user: theirs kept, ours added, twice adds nothing, uninstall is byte-identical', async () => {
    const files = {
      claude: place('claude-settings.json', join(home, '.claude', 'settings.json')),
      cursor: place('cursor-hooks.json', join(home, '.cursor', 'hooks.json')),
      codex: place('codex-hooks.json', join(home, '.codex', 'hooks.json'), 0o600),
      codexToml: place('codex-config.toml', join(home, '.codex', 'config.toml')),
    };
    // Copilot keeps hooks in a directory of files: theirs is another file, ours is trailmark.json.
    const copilotTheirs = place('copilot-hooks.json', join(home, '.copilot', 'hooks', 'security.json'));
    const before = { ...tree(join(home, '.claude')), ...tree(join(home, '.cursor')), ...tree(join(home, '.codex')), ...tree(join(home, '.copilot')) };

    const r = await cli(['install', '--user', '--claude-code', '--cursor', '--codex', '--copilot', '--command', CMD, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { schema: string; results: { tool: string; action: string; path: string }[]; notes: string[] };
    expect(result.schema).toBe('trailmark.hooks/v1');
    expect(result.results.map((x) => [x.tool, x.action])).toEqual([['claude-code', 'updated'], ['cursor', 'updated'], ['codex', 'updated'], ['copilot', 'created']]);
    expect(result.notes.some((n) => n.includes('trust'))).toBe(true);

    const claude = json(files.claude) as { hooks: Record<string, { matcher?: string; hooks: { command: string }[] }[]>; permissions: unknown; statusLine: unknown };
    expect(claude.permissions).toEqual((json(fixturePath('claude-settings.json')) as { permissions: unknown }).permissions);
    expect(claude.hooks['PreToolUse']).toHaveLength(1);
    expect(claude.hooks['PostToolUse']!.map((g) => g.matcher)).toEqual(['Edit|Write', 'Write|Edit|MultiEdit']);
    expect(claude.hooks['PostToolUse']![1]!.hooks[0]!.command).toBe(`${CMD} capture claude-code`);
    for (const e of ['UserPromptSubmit', 'SessionStart', 'SessionEnd']) expect(claude.hooks[e]![0]!.hooks[0]!.command).toBe(`${CMD} capture claude-code`);
    const cursor = json(files.cursor) as { hooks: Record<string, { command: string }[]> };
    expect(cursor.hooks['afterFileEdit']).toEqual([{ command: './hooks/format.sh' }, { command: `${CMD} capture cursor` }]);
    expect(cursor.hooks['beforeShellExecution']).toEqual([{ command: './hooks/audit-shell.sh' }]);
    expect(readFileSync(files.codex, 'utf8')).not.toContain('\n  '); // minified stays minified
    expect(statSync(files.codex).mode & 0o777).toBe(0o600);
    expect(sha(files.codexToml)).toBe(sha(fixturePath('codex-config.toml')));
    expect(sha(copilotTheirs)).toBe(sha(fixturePath('copilot-hooks.json')));
    const ours = json(join(home, '.copilot', 'hooks', 'trailmark.json')) as { version: number; hooks: Record<string, { bash: string }[]> };
    expect(ours.version).toBe(1);
    expect(Object.keys(ours.hooks)).toEqual(['sessionStart', 'sessionEnd', 'userPromptSubmitted', 'postToolUse']);

    const installed = { ...tree(join(home, '.claude')), ...tree(join(home, '.cursor')), ...tree(join(home, '.codex')), ...tree(join(home, '.copilot')) };
    const again = await cli(['install', '--user', '--claude-code', '--cursor', '--codex', '--copilot', '--command', CMD, '--json']);
    expect((JSON.parse(again.stdout) as { results: { action: string }[] }).results.map((x) => x.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect({ ...tree(join(home, '.claude')), ...tree(join(home, '.cursor')), ...tree(join(home, '.codex')), ...tree(join(home, '.copilot')) }).toEqual(installed);

    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { schema: string; hooks: { tool: string; state: string }[] };
    expect(status.schema).toBe('trailmark.hooks-status/v1');
    expect(status.hooks.map((h) => h.state)).toEqual(['installed', 'installed', 'installed', 'installed']);

    const u = await cli(['uninstall', '--json']);
    expect(u.code).toBe(0);
    expect((JSON.parse(u.stdout) as { results: { tool: string; action: string }[] }).results.map((x) => `${x.tool}:${x.action}`).sort()).toEqual(['claude-code:restored', 'codex:restored', 'copilot:deleted', 'cursor:restored']);
    expect({ ...tree(join(home, '.claude')), ...tree(join(home, '.cursor')), ...tree(join(home, '.codex')), ...tree(join(home, '.copilot')) }).toEqual(before);
    expect(existsSync(join(home, 'state', 'hooks.json'))).toBe(false);
  });

  it('--repo (the default): CRLF settings.local.json, .cursor, .codex and .github/hooks; files it created go with their directories', async () => {
    const local = place('claude-settings-local-crlf.json', join(repo.dir, '.claude', 'settings.local.json'));
    place('copilot-hooks.json', join(repo.dir, '.github', 'hooks', 'trailmark.json'));
    mkdirSync(join(repo.dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(repo.dir, '.github', 'workflows', 'ci.yml'), 'on: push\n');
    const before = tree(repo.dir);

    const r = await cli(['install', '--claude-code', '--cursor', '--codex', '--copilot', '--command', CMD]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/claude-code\s+repo\s+updated/);
    expect(readFileSync(local, 'utf8').split('\r\n').length).toBeGreaterThan(20);
    expect(readFileSync(local, 'utf8').replace(/\r\n/g, '')).not.toContain('\n');
    const copilot = json(join(repo.dir, '.github', 'hooks', 'trailmark.json')) as { hooks: Record<string, { bash: string }[]> };
    expect(copilot.hooks['sessionEnd']!.map((h) => h.bash)).toEqual(['echo "session ended $(date)" >> logs/copilot.log', `${CMD} capture copilot`]);
    expect(existsSync(join(repo.dir, '.cursor', 'hooks.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.git', 'trailmark', 'hooks.json'))).toBe(true);

    expect((await cli(['uninstall'])).code).toBe(0);
    expect(tree(repo.dir)).toEqual({ ...before, ...pick(tree(repo.dir), '/.git/trailmark/') });
    expect(existsSync(join(repo.dir, '.cursor'))).toBe(false);
    expect(existsSync(join(repo.dir, '.codex'))).toBe(false);
  });

  it('a user edit between install and uninstall is kept; only our entries go, and uninstall says so', async () => {
    const path = place('cursor-hooks.json', join(home, '.cursor', 'hooks.json'));
    expect((await cli(['install', '--user', '--cursor', '--command', CMD])).code).toBe(0);
    const edited = json(path) as { hooks: Record<string, unknown[]> };
    edited.hooks['afterFileEdit']!.push({ command: './hooks/added-later.sh' });
    edited.hooks['sessionStart'] = [{ command: './hooks/hello.sh' }];
    writeFileSync(path, `${JSON.stringify(edited, null, 2)}\n`);
    expect((JSON.parse((await cli(['status', '--json'])).stdout) as { hooks: { state: string }[] }).hooks[0]!.state).toBe('edited');

    const u = await cli(['uninstall', '--cursor']);
    expect(u.code).toBe(0);
    expect(u.stdout).toMatch(/removed-entries .*edited since install: removed only trailmark's entries/);
    const after = json(path) as { hooks: Record<string, { command: string }[]> };
    expect(after.hooks['afterFileEdit']).toEqual([{ command: './hooks/format.sh' }, { command: './hooks/added-later.sh' }]);
    expect(after.hooks['sessionStart']).toEqual([{ command: './hooks/hello.sh' }]);
    expect(after.hooks['beforeSubmitPrompt']).toBeUndefined();
    expect(JSON.stringify(after)).not.toContain(CMD);
  });

  it('a file the user edited between two installs loses only our entries on uninstall', async () => {
    const path = place('claude-settings.json', join(home, '.claude', 'settings.json'));
    expect((await cli(['install', '--user', '--claude-code', '--command', CMD])).code).toBe(0);
    const edited = json(path);
    edited['model'] = 'sonnet';
    writeFileSync(path, JSON.stringify(edited, null, 4));
    expect((await cli(['install', '--user', '--claude-code', '--command', 'other-trailmark'])).code).toBe(0);
    const u = await cli(['uninstall', '--user']);
    expect(u.stdout).toMatch(/removed-entries/);
    const after = json(path);
    expect(after['model']).toBe('sonnet');
    expect(after['hooks']).toEqual((json(fixturePath('claude-settings.json')))['hooks']);
  });

  it('refuses invalid JSON and invalid TOML with a hint, and writes nothing at all', async () => {
    place('cursor-hooks.json', join(home, '.cursor', 'hooks.json'));
    const jsonc = place('claude-settings-jsonc.json', join(home, '.claude', 'settings.json'));
    const before = tree(home);
    const r = await cli(['install', '--user', '--cursor', '--claude-code', '--command', CMD]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${jsonc} is not valid JSON`);
    expect(r.stderr).toMatch(/\nhint: /);
    expect(tree(home)).toEqual(before);

    writeFileSync(jsonc, '{}\n');
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'config.toml'), 'model = "x\n');
    const t = await cli(['install', '--user', '--codex', '--command', CMD]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('config.toml is not valid TOML');
    expect(existsSync(join(home, '.codex', 'hooks.json'))).toBe(false);
  });

  it('says when Codex hooks are turned off in config.toml', async () => {
    place('codex-config-hooks-off.toml', join(home, '.codex', 'config.toml'));
    const r = await cli(['install', '--user', '--codex', '--command', CMD]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/note: codex: hooks are turned off in .*config\.toml/);
  });

  it('--dry-run writes nothing; without tool flags it installs the detected tools and git', async () => {
    mkdirSync(join(home, '.cursor'));
    mkdirSync(join(repo.dir, '.claude'));
    const before = tree(home);
    const dry = await cli(['install', '--dry-run', '--command', CMD, '--json']);
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as { dryRun: boolean; results: { tool: string; action: string }[]; notes: string[] };
    expect(planned.dryRun).toBe(true);
    expect(planned.results.map((x) => `${x.tool}:${x.action}`)).toEqual(['claude-code:created', 'cursor:created', 'git:created', 'git:created', 'git:created']);
    expect(planned.notes[0]).toBe('detected: claude-code, cursor, git');
    expect(tree(home)).toEqual(before);

    expect((await cli(['install', '--command', CMD])).code).toBe(0);
    expect(existsSync(join(repo.dir, '.claude', 'settings.local.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.cursor', 'hooks.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'post-commit'))).toBe(true);
    expect((await cli(['uninstall'])).code).toBe(0);
    expect(tree(home)).toEqual({ ...before, ...pick(tree(home), '/repo/.git/trailmark/') });
  });

  it('crash between the manifest and the file write: uninstall leaves the file alone and drops the entry', async () => {
    const path = place('claude-settings.json', join(home, '.claude', 'settings.json'));
    expect((await cli(['install', '--user', '--claude-code', '--command', CMD])).code).toBe(0);
    // What a crash after the manifest write and before the rename would leave: the old bytes.
    copyFileSync(fixturePath('claude-settings.json'), path);
    const u = await cli(['uninstall', '--json']);
    expect((JSON.parse(u.stdout) as { results: { action: string; note: string }[] }).results).toEqual([expect.objectContaining({ action: 'unchanged', note: 'trailmark never wrote it' })]);
    expect(sha(path)).toBe(sha(fixturePath('claude-settings.json')));
    expect(existsSync(join(home, 'state', 'hooks.json'))).toBe(false);
  });

  it('a damaged manifest is an error, not a reason to guess', async () => {
    expect((await cli(['install', '--user', '--cursor', '--command', CMD])).code).toBe(0);
    writeFileSync(join(home, 'state', 'hooks.json'), '{"schema": "trailmark.hooks-manifest/v1", "entries": [{"tool": "vim"}]}');
    const u = await cli(['uninstall']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/has a malformed entry\nhint: /);
    expect(existsSync(join(home, '.cursor', 'hooks.json'))).toBe(true);
  });

  it('--help names every tool, the files, the limits and the exit codes', async () => {
    const r = await cli(['install', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--claude-code', '.claude/settings.local.json', '--cursor', '--codex', 'no session-end hook', '--copilot', 'cloud agent', '--git', 'core.hooksPath', '--command', 'Exit codes']) expect(r.stdout).toContain(s);
  });

  it('usage errors exit 2 with a hint', async () => {
    const both = await cli(['install', '--user', '--repo', '--git']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--user and --repo are exclusive\nhint: /);
    const outside = await cli(['install', '--git', '--command', CMD], home);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not inside one\nhint: /);
    const badCommand = await cli(['install', '--git', '--command', 'a\nb']);
    expect(badCommand.code).toBe(2);
  });
});

describe('git hooks', () => {
  it('an existing shell hook gets our block and comes back byte-identical; a new one is created executable', async () => {
    const hooksDir = join(repo.dir, '.git', 'hooks');
    const pcm = place('git-prepare-commit-msg-husky.sh', join(hooksDir, 'prepare-commit-msg'), 0o755);
    const before = tree(hooksDir);
    const r = await cli(['install', '--git', '--command', CMD]);
    expect(r.code).toBe(0);
    const text = readFileSync(pcm, 'utf8');
    expect(text.split('\n').slice(-7)).toEqual(['printf \'husky-ran %s\\n\' "$2" >> "$(git rev-parse --git-dir)/husky-marker"', '# >>> trailmark >>>', expect.stringContaining('Added by'), `${CMD} capture prepare-commit-msg "$@" || true`, '# <<< trailmark <<<', 'exit 0', '']);
    expect(text).toContain('husky-ran');
    const post = join(hooksDir, 'post-commit');
    expect(statSync(post).mode & 0o777).toBe(0o755);
    expect(readFileSync(post, 'utf8')).toContain(`${CMD} capture post-commit || true`);
    expect((await cli(['install', '--git', '--command', CMD])).stdout).toMatch(/unchanged[\s\S]*unchanged/);
    expect((await cli(['uninstall', '--git'])).code).toBe(0);
    expect(tree(hooksDir)).toEqual(before);
  });

  it('honours core.hooksPath, creating the directory and removing it again', async () => {
    await repo.git(['config', 'core.hooksPath', 'tools/githooks']);
    const sub = join(repo.dir, 'src');
    mkdirSync(sub);
    const r = await cli(['install', '--git', '--command', CMD], sub);
    expect(r.code).toBe(0);
    expect(existsSync(join(repo.dir, 'tools', 'githooks', 'prepare-commit-msg'))).toBe(true);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'prepare-commit-msg'))).toBe(false);
    expect((await cli(['uninstall'], sub)).code).toBe(0);
    expect(existsSync(join(repo.dir, 'tools'))).toBe(false);
  });

  it('in a linked worktree: the shared hooks directory and manifest, the worktree\'s own settings file', async () => {
    await repo.write('README', 'x\n');
    await repo.commit('initial');
    const wt = join(home, 'wt');
    await repo.git(['worktree', 'add', '-q', wt]);
    const r = await cli(['install', '--git', '--claude-code', '--command', CMD], wt);
    expect(r.code).toBe(0);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'post-commit'))).toBe(true);
    expect(existsSync(join(wt, '.claude', 'settings.local.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.claude'))).toBe(false);
    const manifest = json(join(repo.dir, '.git', 'trailmark', 'hooks.json')) as { entries: { path: string }[] };
    expect(manifest.entries.map((e) => e.path)).toEqual([join(repo.dir, '.git', 'hooks', 'commit-msg'), join(repo.dir, '.git', 'hooks', 'post-commit'), join(repo.dir, '.git', 'hooks', 'prepare-commit-msg'), join(wt, '.claude', 'settings.local.json')].sort());
    expect((await cli(['uninstall'], repo.dir)).code).toBe(0);
    expect(existsSync(join(wt, '.claude'))).toBe(false);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'post-commit'))).toBe(false);
  });

  it('refuses an existing non-shell hook and an existing hook git would not run, writing nothing', async () => {
    const hooksDir = join(repo.dir, '.git', 'hooks');
    place('git-post-commit-python.py', join(hooksDir, 'post-commit'), 0o755);
    const before = tree(repo.dir);
    const r = await cli(['install', '--git', '--cursor', '--command', CMD]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/post-commit is not a shell script \(it runs python3\)/);
    expect(r.stderr).toContain(`hint: call \`${CMD} capture post-commit || true\``);
    expect(tree(repo.dir)).toEqual(before);

    place('git-prepare-commit-msg-husky.sh', join(hooksDir, 'post-commit'), 0o644);
    const n = await cli(['install', '--git', '--command', CMD]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/exists but is not executable/);
  });

  it('a hook edited after install keeps the edit and loses only the block', async () => {
    expect((await cli(['install', '--git', '--command', CMD])).code).toBe(0);
    const post = join(repo.dir, '.git', 'hooks', 'post-commit');
    writeFileSync(post, `${readFileSync(post, 'utf8')}echo "their addition"\n`);
    const u = await cli(['uninstall', '--git']);
    expect(u.stdout).toMatch(/post-commit .*edited since install: removed only trailmark's block/);
    expect(readFileSync(post, 'utf8')).toBe('#!/bin/sh\necho "their addition"\n');
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'prepare-commit-msg'))).toBe(false);
  });
});

function pick(t: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(t).filter(([k]) => k.startsWith(prefix)));
}
