// The one way trailmark runs git: argument vectors (never a shell), a sanitized environment,
// options that pin every output format we parse, bounded output, typed errors.

import { spawn } from 'node:child_process';
import { GitError, printable, type GitCode } from '../core/errors.js';

/** Default cap on one command's stdout. */
export const DEFAULT_GIT_MAX_BUFFER = 256 * 1024 * 1024;
/** stderr kept for error messages. */
const MAX_STDERR = 64 * 1024;

/**
 * Configuration forced on every command so that user or repository settings cannot change
 * the formats we parse (raw UTF-8 paths, a/ b/ prefixes, no colour, no pager-style filters)
 * and cannot make git run a program of the repository's choosing: the repository may be an
 * untrusted checkout (a fork's pull request), and `core.fsmonitor` or hooks would execute it.
 */
const FORCED_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'protocol.ext.allow=never',
  'core.quotepath=off',
  'diff.noprefix=false',
  'diff.mnemonicPrefix=false',
  'color.ui=false',
  'log.showSignature=false',
  'core.pager=cat',
];

/**
 * Inherited GIT_* variables are dropped (a hook runs us with GIT_DIR, GIT_INDEX_FILE,
 * GIT_WORK_TREE... pointing elsewhere) except those that only say where git and its
 * configuration live.
 */
const KEPT_GIT_VARIABLES: ReadonlySet<string> = new Set([
  'GIT_EXEC_PATH',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CEILING_DIRECTORIES',
]);

export function sanitizedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('GIT_') && !KEPT_GIT_VARIABLES.has(key)) continue;
    out[key] = value;
  }
  out.LC_ALL = 'C';
  out.GIT_TERMINAL_PROMPT = '0';
  // Reading must not take or refresh the index lock of a repository a hook is writing.
  out.GIT_OPTIONAL_LOCKS = '0';
  return out;
}

export interface GitRunOptions {
  /** Bytes written to stdin, then stdin is closed. */
  readonly input?: string | Uint8Array;
  /** Cap on stdout; over it the command is killed and OUTPUT_TOO_LARGE is thrown. */
  readonly maxBuffer?: number;
  /** Exit codes that are answers rather than failures (`merge-base` says 1 for "none"). */
  readonly allowExitCodes?: readonly number[];
  /**
   * Receives stdout as it arrives instead of buffering it: `maxBuffer` does not apply and the
   * result's `stdout` is empty. Runs synchronously in the data event, so git waits on the pipe
   * while it works. A throw kills git and rejects the run with that error.
   */
  readonly onStdout?: (chunk: Buffer) => void;
}

export interface GitOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface GitOptions {
  /** The git executable, default `git` from PATH. */
  readonly executable?: string;
  /** Environment before sanitizing, default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export class Git {
  readonly repo: string;
  private readonly executable: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(repo: string, options: GitOptions = {}) {
    this.repo = repo;
    this.executable = options.executable ?? 'git';
    this.env = sanitizedEnv(options.env ?? process.env);
  }

  /** Runs `git <forced -c options> <args>` in the repository. */
  run(args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
    const maxBuffer = options.maxBuffer ?? DEFAULT_GIT_MAX_BUFFER;
    const argv = [...FORCED_CONFIG.flatMap((c) => ['-c', c]), ...args];
    const shown = printable(`git ${args.join(' ')}`, 300);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(err);
      };
      const child = spawn(this.executable, argv, {
        cwd: this.repo,
        env: this.env,
        shell: false,
        windowsHide: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        if (options.onStdout !== undefined) {
          if (settled) return;
          try {
            options.onStdout(chunk);
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
          }
          return;
        }
        size += chunk.length;
        if (size > maxBuffer) {
          fail(new GitError('OUTPUT_TOO_LARGE', `${shown}: output is larger than ${maxBuffer} bytes`, {
            hint: 'scan a smaller range or raise the size limit',
          }));
          return;
        }
        chunks.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8');
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          fail(new GitError('GIT_FAILED', `cannot run ${this.executable} in ${printable(this.repo)}: ${err.message}`, {
            cause: err,
            hint: 'install git and check that the repository directory exists',
          }));
        } else {
          fail(new GitError('GIT_FAILED', `${shown}: ${err.message}`, { cause: err }));
        }
      });
      // EPIPE when git exits before reading all input is reported through the exit code.
      child.stdin.on('error', () => undefined);
      child.on('close', (code, signal) => {
        if (settled) return;
        settled = true;
        const exitCode = code ?? -1;
        if (exitCode === 0 || options.allowExitCodes?.includes(exitCode) === true) {
          resolve({ stdout: Buffer.concat(chunks, size), stderr, exitCode });
          return;
        }
        reject(gitFailure(shown, exitCode, signal, stderr, this.repo));
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** stdout decoded as UTF-8 (invalid bytes become U+FFFD), trailing newline removed. */
  async text(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    const { stdout } = await this.run(args, options);
    const s = stdout.toString('utf8');
    return s.endsWith('\n') ? s.slice(0, -1) : s;
  }
}

/** Maps git's stderr (LC_ALL=C, so English) to a typed error with a hint. */
function gitFailure(shown: string, exitCode: number, signal: NodeJS.Signals | null, stderr: string, repo: string): GitError {
  const firstLine = stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? (signal === null ? 'no message' : `killed by ${signal}`);
  const message = `${shown} failed (exit ${exitCode}): ${printable(firstLine, 300)}`;
  const lower = stderr.toLowerCase();
  let code: GitCode = 'GIT_FAILED';
  let hint = 'run the command above in the repository to see git\'s full message';
  if (lower.includes('not a git repository')) {
    code = 'NOT_A_REPOSITORY';
    hint = `run trailmark inside a git repository, or point it at one (${printable(repo)} is not)`;
  } else if (lower.includes('dubious ownership')) {
    code = 'NOT_A_REPOSITORY';
    hint = `mark the repository as safe: git config --global --add safe.directory ${printable(repo)}`;
  } else if (
    lower.includes('unknown revision') ||
    lower.includes('bad revision') ||
    lower.includes('invalid object name') ||
    lower.includes('not a valid object name') ||
    lower.includes('needed a single revision') ||
    lower.includes('bad object')
  ) {
    code = 'BAD_REVISION';
    hint = 'check the revision name; in a shallow clone, fetch more history (git fetch --unshallow)';
  }
  return new GitError(code, message, { hint });
}
