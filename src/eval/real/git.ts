// Read-only git plumbing over a bare mirror, for the real-commit corpus. Synchronous on purpose:
// the miner and the loader walk one repository at a time, and every call is bounded by maxBuffer.

import { spawnSync } from 'node:child_process';

/** Largest output read from one git call; a bigger diff is skipped with a counted reason. */
export const MAX_GIT_OUTPUT = 256 * 1024 * 1024;

export class GitReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitReadError';
  }
}

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

/** Runs git in `gitDir` and returns stdout as a Buffer; throws GitReadError on failure or overflow. */
export function gitBytes(gitDir: string, args: readonly string[], input?: string): Buffer {
  const r = spawnSync('git', ['--git-dir', gitDir, '-c', 'core.quotePath=false', ...args], {
    env: ENV,
    maxBuffer: MAX_GIT_OUTPUT,
    ...(input === undefined ? {} : { input }),
  });
  if (r.error !== undefined) throw new GitReadError(`git ${args[0] ?? ''}: ${r.error.message}`);
  if (r.status !== 0) throw new GitReadError(`git ${args[0] ?? ''} exited ${String(r.status)}: ${r.stderr.toString('utf8').trim().slice(0, 300)}`);
  return r.stdout;
}

export function gitText(gitDir: string, args: readonly string[], input?: string): string {
  return gitBytes(gitDir, args, input).toString('utf8');
}

/** The file extensions the corpus samples (TypeScript and JavaScript). */
export const SOURCE_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Pathspecs limiting a diff to the sampled extensions. */
export const SOURCE_PATHSPECS: readonly string[] = SOURCE_EXTENSIONS.map((e) => `*${e}`);

/**
 * The diff of one commit against its parent, exactly as the corpus records it: no renames,
 * three lines of context, limited to `paths` (literal) or to the sampled extensions.
 */
export function commitDiff(gitDir: string, parent: string, commit: string, paths?: readonly string[]): string {
  const specs = paths === undefined ? SOURCE_PATHSPECS : paths.map((p) => `:(literal)${p}`);
  return gitText(gitDir, ['diff-tree', '-p', '--no-renames', '--no-color', '--no-ext-diff', '-U3', parent, commit, '--', ...specs]);
}

/**
 * Blob contents for `rev:path` names, in one `git cat-file --batch` call; undefined for a
 * missing object. Binary content is decoded as UTF-8 like the rest of the pipeline.
 */
export function readBlobs(gitDir: string, names: readonly string[]): (string | undefined)[] {
  return readObjects(gitDir, names).map(blobText);
}

/** A blob's content as UTF-8; undefined for a missing object or one of another type. */
export function blobText(o: GitObject | undefined): string | undefined {
  return o?.type === 'blob' ? o.bytes.toString('utf8') : undefined;
}

/** A git object read by `readObjects`. */
export interface GitObject {
  readonly type: string;
  readonly bytes: Buffer;
}

/**
 * Objects of any type (commits, blobs) for object names, in one `git cat-file --batch` call;
 * undefined for a missing or ambiguous name. One process for what would otherwise be one per
 * kind of object: the loader reads a commit, its parent's files and its own in one call.
 */
export function readObjects(gitDir: string, names: readonly string[]): (GitObject | undefined)[] {
  if (names.length === 0) return [];
  for (const n of names) if (n.includes('\n')) throw new GitReadError('object name contains a newline');
  const out = gitBytes(gitDir, ['cat-file', '--batch'], `${names.join('\n')}\n`);
  const result: (GitObject | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const nl = out.indexOf(10, at);
    if (nl === -1) throw new GitReadError('cat-file output ended early');
    const header = out.subarray(at, nl).toString('utf8');
    at = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      result.push(undefined);
      continue;
    }
    const size = Number(header.slice(header.lastIndexOf(' ') + 1));
    if (!Number.isSafeInteger(size)) throw new GitReadError(`unexpected cat-file header ${JSON.stringify(header)}`);
    result.push({ type: header.split(' ')[1] ?? '', bytes: out.subarray(at, at + size) });
    at += size + 1;
  }
  return result;
}
