// Real git repositories in temp directories for tests. Deterministic: fixed identities, a
// commit clock that advances one minute per commit from FIXTURE_EPOCH, no global or system git
// config, inherited GIT_* variables dropped. Same inputs give the same commit ids.
//
//   const repo = await GitFixture.create();
//   try { await repo.write('a.ts', 'x\n'); const sha = await repo.commit('add a'); }
//   finally { await repo.cleanup(); }

import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, unlink, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Identity {
  readonly name: string;
  readonly email: string;
}

export const FIXTURE_AUTHOR: Identity = { name: 'Ada Author', email: 'ada@example.com' };
export const FIXTURE_COMMITTER: Identity = { name: 'Cy Committer', email: 'cy@example.com' };
/** 2026-01-01T00:00:00Z: the first commit's date; each commit adds 60 s. */
export const FIXTURE_EPOCH = 1_767_225_600;

export interface CommitOptions {
  readonly author?: Identity;
  readonly committer?: Identity;
  /** Appended as `Co-authored-by: name <email>` trailers in the last paragraph. */
  readonly coAuthors?: readonly Identity[];
  /** Raw trailer lines (`Key: value`) appended in the last paragraph. */
  readonly trailers?: readonly string[];
  /** Seconds since the epoch; default: the fixture clock. */
  readonly time?: number;
  /** Timezone offset as git writes it, default `+0000`. */
  readonly tz?: string;
  readonly allowEmpty?: boolean;
  /** Stage everything first (default true). */
  readonly addAll?: boolean;
}

export interface RawCommitOptions {
  readonly tree: string;
  readonly parents?: readonly string[];
  readonly author?: Identity;
  readonly committer?: Identity;
  readonly time?: number;
  /** Extra header lines, e.g. `encoding ISO-8859-1`. */
  readonly extraHeaders?: readonly string[];
  /** Message bytes, written verbatim (may contain NUL or invalid UTF-8). */
  readonly message: Uint8Array | string;
}

export interface GitRun {
  readonly stdout: Buffer;
  readonly stderr: string;
}

export class GitFixture {
  private tick = 0;

  private constructor(
    readonly dir: string,
    private readonly home: string,
  ) {}

  /** A fresh repository with `defaultBranch` (default `main`) checked out and no commits. */
  static async create(options: { defaultBranch?: string } = {}): Promise<GitFixture> {
    const home = await realpath(await mkdtemp(join(tmpdir(), 'trailmark-git-')));
    const dir = join(home, 'repo');
    await mkdir(dir);
    const repo = new GitFixture(dir, home);
    await repo.git(['init', '-q', `--initial-branch=${options.defaultBranch ?? 'main'}`]);
    await repo.git(['config', 'core.autocrlf', 'false']);
    await repo.git(['config', 'commit.gpgsign', 'false']);
    return repo;
  }

  /** Environment for every fixture git call: isolated from the user's and the hook's setup. */
  env(time?: number, tz = '+0000'): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
    const stamp = `${time ?? FIXTURE_EPOCH + 60 * this.tick} ${tz}`;
    return {
      ...env,
      HOME: this.home,
      LC_ALL: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: join(this.home, '.gitconfig-none'),
      GIT_AUTHOR_NAME: FIXTURE_AUTHOR.name,
      GIT_AUTHOR_EMAIL: FIXTURE_AUTHOR.email,
      GIT_COMMITTER_NAME: FIXTURE_COMMITTER.name,
      GIT_COMMITTER_EMAIL: FIXTURE_COMMITTER.email,
      GIT_AUTHOR_DATE: stamp,
      GIT_COMMITTER_DATE: stamp,
    };
  }

  /** Runs git in the repository; rejects with stderr on a non-zero exit. */
  run(args: readonly string[], options: { input?: string | Uint8Array; env?: NodeJS.ProcessEnv } = {}): Promise<GitRun> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...args],
        { cwd: this.dir, env: options.env ?? this.env(), encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`git ${args.join(' ')} failed: ${stderr.toString('utf8')}`, { cause: err }));
            return;
          }
          resolve({ stdout, stderr: stderr.toString('utf8') });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  }

  /** Runs git and returns stdout as UTF-8 without the final newline. */
  async git(args: readonly string[], options: { input?: string | Uint8Array } = {}): Promise<string> {
    const { stdout } = await this.run(args, options);
    return stdout.toString('utf8').replace(/\n$/, '');
  }

  async write(path: string, content: string | Uint8Array): Promise<void> {
    const full = join(this.dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }

  async writeFiles(files: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
    for (const [path, content] of Object.entries(files)) await this.write(path, content);
  }

  async remove(path: string): Promise<void> {
    await unlink(join(this.dir, path));
  }

  /** Stages everything (unless addAll is false), commits, returns the new commit id. */
  async commit(message: string, options: CommitOptions = {}): Promise<string> {
    if (options.addAll !== false) await this.git(['add', '-A']);
    const trailers = [
      ...(options.trailers ?? []),
      ...(options.coAuthors ?? []).map((p) => `Co-authored-by: ${p.name} <${p.email}>`),
    ];
    const full = trailers.length > 0 ? `${message.replace(/\n+$/, '')}\n\n${trailers.join('\n')}\n` : message;
    const env = this.env(options.time, options.tz);
    if (options.author) {
      env.GIT_AUTHOR_NAME = options.author.name;
      env.GIT_AUTHOR_EMAIL = options.author.email;
    }
    if (options.committer) {
      env.GIT_COMMITTER_NAME = options.committer.name;
      env.GIT_COMMITTER_EMAIL = options.committer.email;
    }
    const args = ['commit', '-q', '--no-verify', '--cleanup=verbatim', '-F', '-'];
    if (options.allowEmpty === true) args.push('--allow-empty');
    await this.run(args, { input: full, env });
    this.tick++;
    return this.rev('HEAD');
  }

  /**
   * Writes a commit object byte for byte (git hash-object --literally), for messages git
   * commit refuses (NUL bytes, invalid UTF-8). Does not move any ref.
   */
  async commitRaw(options: RawCommitOptions): Promise<string> {
    const time = options.time ?? FIXTURE_EPOCH + 60 * this.tick;
    const a = options.author ?? FIXTURE_AUTHOR;
    const c = options.committer ?? FIXTURE_COMMITTER;
    const head = [
      `tree ${options.tree}`,
      ...(options.parents ?? []).map((p) => `parent ${p}`),
      `author ${a.name} <${a.email}> ${time} +0000`,
      `committer ${c.name} <${c.email}> ${time} +0000`,
      ...(options.extraHeaders ?? []),
      '',
      '',
    ].join('\n');
    const message = typeof options.message === 'string' ? Buffer.from(options.message, 'utf8') : Buffer.from(options.message);
    const body = Buffer.concat([Buffer.from(head, 'utf8'), message]);
    this.tick++;
    return this.git(['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], { input: body });
  }

  async rev(rev: string): Promise<string> {
    return this.git(['rev-parse', '--verify', `${rev}^{commit}`]);
  }

  async branch(name: string, start = 'HEAD'): Promise<void> {
    await this.git(['branch', name, start]);
  }

  async checkout(name: string, options: { create?: boolean } = {}): Promise<void> {
    await this.git(options.create === true ? ['checkout', '-q', '-b', name] : ['checkout', '-q', name]);
  }

  /** Merges `branch` into the current branch with a merge commit; returns its id. */
  async merge(branch: string, message = `merge ${branch}`): Promise<string> {
    await this.run(['merge', '-q', '--no-ff', '--no-edit', '-m', message, branch]);
    this.tick++;
    return this.rev('HEAD');
  }

  /** Points `ref` at `sha` (e.g. to publish a raw commit as a branch). */
  async updateRef(ref: string, sha: string): Promise<void> {
    await this.git(['update-ref', ref, sha]);
  }

  /** Adds (or overwrites) a note on `commit` under `ref` (default `refs/notes/ai`). */
  async note(commit: string, text: string, ref = 'refs/notes/ai'): Promise<void> {
    await this.run(['notes', `--ref=${ref}`, 'add', '-f', '-F', '-', commit], { input: text });
    this.tick++;
  }

  async cleanup(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }
}

/** Creates a fixture, runs `fn`, always cleans up. */
export async function withGitFixture<T>(fn: (repo: GitFixture) => Promise<T>, options: { defaultBranch?: string } = {}): Promise<T> {
  const repo = await GitFixture.create(options);
  try {
    return await fn(repo);
  } finally {
    await repo.cleanup();
  }
}
