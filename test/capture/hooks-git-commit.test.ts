// Installed git hooks run in a real `git commit`: prepare-commit-msg gets git's arguments,
// post-commit runs after the commit, the team's own hook still runs, and a failing or missing
// trailmark never blocks the commit. The capture command is stubbed with --command (it belongs
// to `trailmark capture`, tested on its own); the default command is checked word by word.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/capture/install/command.js';
import { runCli } from '../cli-ledger/harness.js';
import { GitFixture } from '../support/git-fixture.js';

const execFileP = promisify(execFile);

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

/** A real `git commit` (hooks enabled), as a user runs it. */
async function commit(message: string): Promise<{ code: number; stderr: string }> {
  await repo.write('a.txt', `${message}\n`);
  await repo.git(['add', '-A']);
  try {
    const { stderr } = await execFileP('git', ['commit', '-q', '-m', message], { cwd: repo.dir, env: repo.env() });
    return { code: 0, stderr };
  } catch (err) {
    return { code: (err as { code: number }).code, stderr: String((err as { stderr: unknown }).stderr) };
  }
}

/** A stub trailmark: appends its arguments (after `capture`) to `marker`. */
const stub = (marker: string): string => `sh -c ${shellQuote(`printf '%s\\n' "$*" >> ${shellQuote(marker)}`)}`;

describe('installed git hooks in a real commit', () => {
  it('prepare-commit-msg gets git\'s arguments, post-commit runs, the existing hook still runs', async () => {
    const marker = join(home, 'calls.txt');
    const hooks = join(repo.dir, '.git', 'hooks');
    copyFileSync(new URL('../fixtures/capture/configs/git-prepare-commit-msg-husky.sh', import.meta.url), join(hooks, 'prepare-commit-msg'));
    chmodSync(join(hooks, 'prepare-commit-msg'), 0o755);
    const r = await runCli(['hooks', 'install', '--git', '--command', stub(marker)], { cwd: repo.dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    expect((await commit('first')).code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe(`prepare-commit-msg .git/COMMIT_EDITMSG message\ncommit-msg .git/COMMIT_EDITMSG\npost-commit\n`);
    expect(readFileSync(join(repo.dir, '.git', 'husky-marker'), 'utf8')).toBe('husky-ran message\n');
    expect(await repo.git(['log', '--format=%s'])).toBe('first');
  });

  it('prepare-commit-msg runs after the team\'s hook, so a trailer it adds stays in git\'s trailer block', async () => {
    await repo.write('README', 'x\n');
    await repo.commit('initial');
    const hooks = join(repo.dir, '.git', 'hooks');
    copyFileSync(new URL('../fixtures/capture/configs/git-prepare-commit-msg-husky.sh', import.meta.url), join(hooks, 'prepare-commit-msg'));
    chmodSync(join(hooks, 'prepare-commit-msg'), 0o755);
    // A stand-in for `trailmark capture prepare-commit-msg FILE SOURCE`: adds a trailer to FILE.
    const addTrailer = `sh -c ${shellQuote('[ "$1" = prepare-commit-msg ] && git interpret-trailers --in-place --trailer "Assisted-by: claude-code:claude-opus-4" "$2"')}`;
    expect((await runCli(['hooks', 'install', '--git', '--command', addTrailer], { cwd: repo.dir, env })).code).toBe(0);
    await repo.git(['checkout', '-q', '-b', 'ABC-123-login']);
    expect((await commit('fix the login form')).code).toBe(0);
    const trailers = await repo.git(['log', '-1', '--format=%(trailers:only,unfold)']);
    expect(trailers.split('\n').filter((l) => l !== '')).toEqual(['Refs: ABC-123', 'Assisted-by: claude-code:claude-opus-4']);
  });

  it.each([
    ['a trailmark that fails', `sh -c 'echo capture failed >&2; exit 7'`],
    ['a trailmark that is not there', '/nonexistent/bin/trailmark'],
  ])('%s never blocks the commit', async (_name, command) => {
    expect((await runCli(['hooks', 'install', '--git', '--command', command], { cwd: repo.dir, env })).code).toBe(0);
    const c = await commit('still commits');
    expect(c.code).toBe(0);
    expect(await repo.git(['log', '--format=%s'])).toBe('still commits');
  });

  it('after uninstall, a commit runs nothing of trailmark', async () => {
    const marker = join(home, 'calls.txt');
    expect((await runCli(['hooks', 'install', '--git', '--command', stub(marker)], { cwd: repo.dir, env })).code).toBe(0);
    expect((await runCli(['hooks', 'uninstall', '--git'], { cwd: repo.dir, env })).code).toBe(0);
    expect((await commit('quiet')).code).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('the default command is the absolute node and this checkout\'s bin/trailmark.js, one word each for sh', async () => {
    expect((await runCli(['hooks', 'install', '--git'], { cwd: repo.dir, env })).code).toBe(0);
    const script = readFileSync(join(repo.dir, '.git', 'hooks', 'post-commit'), 'utf8');
    const line = script.split('\n').find((l) => l.endsWith(' capture post-commit || true'))!;
    const words = (await execFileP('sh', ['-c', `printf '%s\\n' ${line.replace(/ \|\| true$/, '')}`])).stdout.split('\n').slice(0, -1);
    const bin = new URL('../../bin/trailmark.js', import.meta.url).pathname;
    expect(words).toEqual([process.execPath, bin, 'capture', 'post-commit']);
    expect(existsSync(bin)).toBe(true);
  });
});
