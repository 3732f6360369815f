import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/core/errors.js';
import { Git, sanitizedEnv } from '../../src/git/git.js';
import { GitFixture } from '../support/git-fixture.js';

describe('sanitizedEnv', () => {
  it('drops GIT_* variables a hook would inherit, keeps where git lives, forces the C locale', () => {
    const env = sanitizedEnv({
      PATH: '/usr/bin',
      GIT_DIR: '/elsewhere/.git',
      GIT_INDEX_FILE: '/elsewhere/index',
      GIT_WORK_TREE: '/elsewhere',
      GIT_CONFIG_PARAMETERS: "'core.quotepath'='on'",
      GIT_EXTERNAL_DIFF: '/bin/evil',
      GIT_EXEC_PATH: '/usr/lib/git-core',
      GIT_CONFIG_GLOBAL: '/home/u/.gitconfig',
      LC_ALL: 'de_DE.UTF-8',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      GIT_EXEC_PATH: '/usr/lib/git-core',
      GIT_CONFIG_GLOBAL: '/home/u/.gitconfig',
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
    });
  });
});

describe('Git', () => {
  let repo: GitFixture;
  let other: GitFixture;
  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.write('a.ts', 'a\n');
    await repo.commit('a');
    other = await GitFixture.create();
    await other.write('b.ts', 'b\n');
    await other.commit('b');
  });
  afterAll(async () => {
    await repo.cleanup();
    await other.cleanup();
  });

  it('ignores a GIT_DIR inherited from a hook environment', async () => {
    const git = new Git(repo.dir, { env: { ...process.env, GIT_DIR: `${other.dir}/.git` } });
    expect(await git.text(['ls-files'])).toBe('a.ts');
  });

  it('passes arguments without a shell', async () => {
    const git = new Git(repo.dir);
    expect(await git.text(['log', '-1', '--format=%s $(echo hi) `x` ;|&'])).toBe('a $(echo hi) `x` ;|&');
  });

  it('forces raw UTF-8 paths whatever the repository config says', async () => {
    await repo.git(['config', 'core.quotepath', 'on']);
    await repo.write('é.ts', 'x\n');
    await repo.git(['add', 'é.ts']);
    expect(await new Git(repo.dir).text(['diff', '--cached', '--name-only'])).toBe('é.ts');
    await repo.git(['reset', '-q']);
  });

  it('kills the command and says so when output exceeds maxBuffer', async () => {
    const err = await new Git(repo.dir).run(['log', '--format=%H%n%H%n%H'], { maxBuffer: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('OUTPUT_TOO_LARGE');
  });

  it('streams stdout to onStdout with no cap, and a throw there kills git and rejects', async () => {
    const chunks: Buffer[] = [];
    const out = await new Git(repo.dir).run(['cat-file', '--batch'], { input: 'HEAD:a.ts\n'.repeat(5000), maxBuffer: 10, onStdout: (c) => chunks.push(c) });
    expect(out.stdout.length).toBe(0);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.split('\n').filter((l) => l === 'a')).toHaveLength(5000);
    const stop = new Error('enough');
    const err = await new Git(repo.dir).run(['cat-file', '--batch'], { input: 'HEAD:a.ts\n'.repeat(50_000), onStdout: () => { throw stop; } }).catch((e: unknown) => e);
    expect(err).toBe(stop);
  });

  it('maps failures to typed errors naming the command, with a hint', async () => {
    const err = await new Git(repo.dir).run(['cat-file', '-p', 'no-such-rev']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('BAD_REVISION');
    expect((err as GitError).message).toContain('git cat-file -p no-such-rev failed (exit 128)');
    expect((err as GitError).hint).toContain('revision');
    const generic = await new Git(repo.dir).run(['no-such-subcommand']).catch((e: unknown) => e);
    expect((generic as GitError).code).toBe('GIT_FAILED');
  });

  it('reports a missing executable or directory', async () => {
    const err = await new Git(`${repo.dir}/does-not-exist`).run(['status']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('GIT_FAILED');
    expect((err as GitError).hint).toContain('install git');
  });

  it('treats allowed exit codes as answers', async () => {
    const out = await new Git(repo.dir).run(['rev-parse', '--verify', '--quiet', 'nope'], { allowExitCodes: [1] });
    expect(out.exitCode).toBe(1);
  });
});
