// The repository a hook runs in, as capture sees it: where it is, its HEAD, its origin's
// owner/name, and blobs of HEAD and the index read in one `git cat-file --batch`.
//
// Unlike git/git.ts (which drops every inherited GIT_* variable), this keeps GIT_INDEX_FILE: git
// runs prepare-commit-msg for `git commit -a` / `git commit PATHS` with a temporary index named
// there, and the staged lines are the ones in that index. A relative value is resolved against
// the hook's working directory (git runs hooks at the top of the work tree). Hooks of the
// repository are never run (core.hooksPath=/dev/null), so capture cannot recurse.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { GitError, printable } from '../core/errors.js';
import { sanitizedEnv } from '../git/git.js';
import { repoPaths } from './paths.js';

/** Largest output read from one git command (blobs are capped separately below). */
const MAX_GIT_OUTPUT = 64 * 1024 * 1024;

const FORCED_CONFIG = ['core.fsmonitor=false', 'core.hooksPath=/dev/null', 'core.quotepath=off', 'color.ui=false', 'protocol.ext.allow=never'];

export interface CaptureRepo {
  /** Absolute top of the work tree. */
  readonly root: string;
  /** Absolute `--git-common-dir` (shared by every worktree: attribution and records live there). */
  readonly commonDir: string;
  /** Runs git at the top of the work tree with the hook's index; rejects with a GitError. */
  git(args: readonly string[], input?: string): Promise<Buffer>;
}

export interface RepoEnv {
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Spawns git with a sanitized environment plus GIT_INDEX_FILE (see above). Exit codes in
 * `allow` are answers, not failures.
 */
function runGit(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[], input?: string, allow: readonly number[] = []): Promise<{ stdout: Buffer; code: number }> {
  const clean = sanitizedEnv(env);
  const index = env['GIT_INDEX_FILE'];
  if (index !== undefined && index !== '') clean['GIT_INDEX_FILE'] = isAbsolute(index) ? index : resolve(cwd, index);
  const argv = [...FORCED_CONFIG.flatMap((c) => ['-c', c]), ...args];
  const shown = printable(`git ${args.join(' ')}`, 200);
  return new Promise((done, fail) => {
    const child = spawn('git', argv, { cwd, env: clean, shell: false, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failed = false;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_GIT_OUTPUT && !failed) {
        failed = true;
        child.kill('SIGKILL');
        fail(new GitError('OUTPUT_TOO_LARGE', `${shown}: output is larger than ${MAX_GIT_OUTPUT} bytes`));
        return;
      }
      chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString('utf8');
    });
    child.on('error', (err) => {
      if (failed) return;
      failed = true;
      fail(new GitError('GIT_FAILED', `cannot run git in ${printable(cwd)}: ${err.message}`, { cause: err, hint: 'install git' }));
    });
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      if (failed) return;
      const exit = code ?? -1;
      if (exit === 0 || allow.includes(exit)) done({ stdout: Buffer.concat(chunks, size), code: exit });
      else {
        const first = stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'no message';
        fail(new GitError(first.toLowerCase().includes('not a git repository') ? 'NOT_A_REPOSITORY' : 'GIT_FAILED', `${shown} failed (exit ${exit}): ${printable(first, 300)}`));
      }
    });
    child.stdin.end(input ?? '');
  });
}

/** The repository containing `dir`, or undefined outside any work tree (bare or no repository). */
export async function openCaptureRepo(dir: string, env: NodeJS.ProcessEnv): Promise<CaptureRepo | undefined> {
  let out: Buffer;
  try {
    ({ stdout: out } = await runGit(dir, env, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']));
  } catch (err) {
    if (err instanceof GitError && err.code === 'NOT_A_REPOSITORY') return undefined;
    throw err;
  }
  const [root, commonDir] = out.toString('utf8').split('\n');
  if (root === undefined || root === '' || commonDir === undefined || commonDir === '') return undefined;
  return {
    root,
    commonDir,
    git: async (args, input) => (await runGit(root, env, args, input)).stdout,
  };
}

/**
 * The attribution directory of this work tree: repoPaths(commonDir).attribution/<key>, the key
 * being the first 16 hex digits of SHA-256 of the work tree's root. Linked worktrees share the
 * common dir but not their files, so each keeps its own states (and its own lock).
 */
export function attributionDir(repo: Pick<CaptureRepo, 'root' | 'commonDir'>): string {
  return join(repoPaths(repo.commonDir).attribution, createHash('sha256').update(repo.root, 'utf8').digest('hex').slice(0, 16));
}

/** The commit HEAD names, or undefined on an unborn branch. */
export async function headCommit(repo: CaptureRepo): Promise<string | undefined> {
  try {
    const sha = (await repo.git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).toString('utf8').trim();
    return sha === '' ? undefined : sha;
  } catch {
    return undefined;
  }
}

/** Parents of `commit` (empty for a root commit). */
export async function commitParents(repo: CaptureRepo, commit: string): Promise<string[]> {
  const line = (await repo.git(['rev-list', '--parents', '-n1', commit, '--'])).toString('utf8').trim();
  return line.split(' ').slice(1).filter((p) => p !== '');
}

/** A blob read for attribution: its text, or why it is not tracked. */
export type BlobRead = { readonly text: string } | { readonly missing: true } | { readonly untracked: string };

/** Files over this size are not tracked line by line (their edits are recorded `untracked`). */
export const MAX_TRACKED_FILE_BYTES = 2 * 1024 * 1024;

/** Whether `bytes` look binary: a NUL in the first 8000 bytes (git's own heuristic, xdiff-interface.c). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8000);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Decodes file bytes for tracking, or says why they are not tracked. */
export function decodeTracked(bytes: Uint8Array): BlobRead {
  if (bytes.length > MAX_TRACKED_FILE_BYTES) return { untracked: `over ${MAX_TRACKED_FILE_BYTES} bytes` };
  if (looksBinary(bytes)) return { untracked: 'binary' };
  return { text: Buffer.from(bytes).toString('utf8') };
}

/**
 * Reads blobs by name (`HEAD:path`, `:0:path` for the index (never `:path`: a path like `1:x`
 * would name a stage), `<commit>:path`) in one process.
 * A name that holds a newline cannot be asked for over --batch; it is reported untracked.
 */
export async function readBlobs(repo: CaptureRepo, names: readonly string[]): Promise<BlobRead[]> {
  const asked = names.filter((n) => !n.includes('\n'));
  const out: BlobRead[] = [];
  const buf = asked.length === 0 ? Buffer.alloc(0) : await repo.git(['cat-file', '--batch'], asked.map((n) => `${n}\n`).join(''));
  let pos = 0;
  const byName = new Map<string, BlobRead>();
  for (const name of asked) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw new GitError('GIT_FAILED', `git cat-file --batch: output ended early at ${printable(name)}`);
    const header = buf.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      byName.set(name, { missing: true });
      continue;
    }
    const parts = header.split(' ');
    const type = parts[1];
    const size = Number(parts[2]);
    if (!Number.isSafeInteger(size) || size < 0) throw new GitError('GIT_FAILED', `git cat-file --batch: bad header ${printable(header, 100)}`);
    const body = buf.subarray(pos, pos + size);
    pos += size + 1;
    byName.set(name, type === 'blob' ? decodeTracked(body) : { untracked: `not a file (${printable(type ?? '', 20)})` });
  }
  for (const n of names) out.push(byName.get(n) ?? { untracked: 'path holds a newline' });
  return out;
}

/**
 * `owner/name` from a GitHub remote URL (github.com or a GitHub Enterprise host), https or ssh
 * (`git@host:owner/name.git`, `ssh://git@host/owner/name`). Undefined for anything else.
 */
export function repositoryFromRemote(url: string): string | undefined {
  let rest = url.trim();
  const scheme = rest.indexOf('://');
  if (scheme >= 0) {
    rest = rest.slice(scheme + 3);
    const slash = rest.indexOf('/');
    if (slash < 0) return undefined;
    rest = rest.slice(slash + 1);
  } else {
    // scp-like syntax: [user@]host:path
    const colon = rest.indexOf(':');
    if (colon < 0) return undefined;
    rest = rest.slice(colon + 1);
  }
  while (rest.startsWith('/')) rest = rest.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.endsWith('.git')) rest = rest.slice(0, -4);
  const parts = rest.split('/');
  // GHES may serve under a path prefix; owner/name are the last two segments.
  if (parts.length < 2) return undefined;
  const owner = parts[parts.length - 2]!;
  const name = parts[parts.length - 1]!;
  const ok = (s: string): boolean => s.length > 0 && s.length <= 100 && [...s].every((c) => /[A-Za-z0-9._-]/.test(c));
  return ok(owner) && ok(name) && name !== '.' && name !== '..' ? `${owner}/${name}` : undefined;
}

/** `owner/name` of the `origin` remote, when it is a GitHub URL. */
export async function originRepository(repo: CaptureRepo): Promise<string | undefined> {
  try {
    const url = (await repo.git(['remote', 'get-url', 'origin'])).toString('utf8');
    return repositoryFromRemote(url);
  } catch {
    return undefined;
  }
}
