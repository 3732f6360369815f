// Revision names to commit ids, and the base a change is measured against.

import { GitError, printable } from '../core/errors.js';
import type { Git } from './git.js';

/**
 * Resolves a revision name (attacker-controlled when it comes from a webhook or config) to a
 * full commit id. A leading '-' would be read as an option and is refused.
 */
export async function resolveCommit(git: Git, rev: string): Promise<string> {
  return resolveAs(git, rev, 'commit');
}

export async function resolveTree(git: Git, rev: string): Promise<string> {
  return resolveAs(git, rev, 'tree');
}

async function resolveAs(git: Git, rev: string, kind: 'commit' | 'tree'): Promise<string> {
  checkRevisionName(rev);
  const out = await git.run(['rev-parse', '--verify', '--quiet', `${rev}^{${kind}}`], { allowExitCodes: [1] });
  const id = out.stdout.toString('utf8').trim();
  if (out.exitCode !== 0 || !isObjectId(id)) throw unknownRevision(rev);
  return id;
}

/** Refuses a revision name git would read as an option or that cannot be passed on one line. */
export function checkRevisionName(rev: string): void {
  if (rev.length === 0 || rev.startsWith('-') || rev.includes('\0') || rev.includes('\n')) {
    throw new GitError('BAD_REVISION', `invalid revision name "${printable(rev, 100)}"`, { hint: 'pass a branch, tag or commit id' });
  }
}

/** The error for a revision name that names no commit (or tree) in the repository. */
export function unknownRevision(rev: string): GitError {
  return new GitError('BAD_REVISION', `unknown revision '${printable(rev, 100)}'`, {
    hint:
      rev === 'HEAD'
        ? 'the repository has no commits yet: commit first, or name a revision'
        : 'check the revision name; in a shallow clone, fetch more history (git fetch --unshallow)',
  });
}

export function isObjectId(s: string): boolean {
  if (s.length !== 40 && s.length !== 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The empty tree of the repository's hash function (SHA-1 or SHA-256). */
export async function emptyTree(git: Git): Promise<string> {
  return (await git.text(['hash-object', '-t', 'tree', '--stdin'])).trim();
}

/** The best common ancestor, or undefined when the histories are unrelated. */
export async function mergeBase(git: Git, a: string, b: string): Promise<string | undefined> {
  const out = await git.run(['merge-base', a, b], { allowExitCodes: [1] });
  const id = out.stdout.toString('utf8').trim().split('\n')[0] ?? '';
  return out.exitCode === 0 && isObjectId(id) ? id : undefined;
}

export async function parentsOf(git: Git, commit: string): Promise<string[]> {
  const line = await git.text(['rev-list', '--parents', '-n', '1', commit]);
  return line.trim().split(' ').slice(1).filter(isObjectId);
}

/** Refs that may name the default branch, most authoritative first. */
async function defaultBranchCandidates(git: Git): Promise<string[]> {
  const refs: string[] = [];
  const originHead = await git.run(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'], { allowExitCodes: [1, 128] });
  const target = originHead.stdout.toString('utf8').trim();
  if (originHead.exitCode === 0 && target.startsWith('refs/')) refs.push(target);
  const configured = await git.run(['config', '--get', 'init.defaultBranch'], { allowExitCodes: [1] });
  const name = configured.stdout.toString('utf8').trim();
  if (configured.exitCode === 0 && name.length > 0 && !name.startsWith('-')) {
    refs.push(`refs/heads/${name}`, `refs/remotes/origin/${name}`);
  }
  refs.push('refs/heads/main', 'refs/remotes/origin/main', 'refs/heads/master', 'refs/remotes/origin/master');
  return [...new Set(refs)];
}

export type BaseChoice =
  | { readonly kind: 'commit'; readonly id: string; readonly why: string }
  | { readonly kind: 'empty-tree'; readonly id: string; readonly why: string };

/**
 * The default base of `head`: its merge-base with the default branch (origin/HEAD, else
 * init.defaultBranch, else main or master) when that differs from head itself; else head's
 * first parent; else, for a root commit, the empty tree.
 */
export async function defaultBase(git: Git, head: string): Promise<BaseChoice> {
  for (const ref of await defaultBranchCandidates(git)) {
    const resolved = await git.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowExitCodes: [1, 128] });
    const tip = resolved.stdout.toString('utf8').trim();
    if (resolved.exitCode !== 0 || !isObjectId(tip)) continue;
    const base = await mergeBase(git, head, tip);
    if (base !== undefined && base !== head) return { kind: 'commit', id: base, why: `merge-base with ${ref}` };
  }
  const [parent] = await parentsOf(git, head);
  if (parent !== undefined) return { kind: 'commit', id: parent, why: 'first parent of head' };
  if ((await git.text(['rev-parse', '--is-shallow-repository'])).trim() === 'true') {
    // A shallow clone hides head's parents: diffing against the empty tree would report every line as added.
    throw new GitError('BAD_REVISION', `cannot find a base for ${head.slice(0, 12)} in this shallow clone`, {
      hint: 'fetch more history (git fetch --unshallow, or actions/checkout with fetch-depth: 0), or pass --base',
    });
  }
  return { kind: 'empty-tree', id: await emptyTree(git), why: 'head is a root commit' };
}
