// `git blame --porcelain` of one file at one revision, for `trailmark blame` and the fire drill:
// who last touched each line, in which commit, under which path and line number there
// (following renames and copies), plus the commit queries the blame use case needs to map a
// rebased commit back to its pull request (patch ids, first-parent history).
//
// Authors (name, e-mail) are personal data: they are returned for display, never for the
// ledger. Everything runs through Git (git.ts) with its forced safety options.

import { GitError, UsageError, printable } from '../core/errors.js';
import { Git } from './git.js';
import { readObjects } from './objects.js';
import { isObjectId, resolveCommit } from './revision.js';

/** Files larger than this are refused: blame output is ~10x the file, and nobody reads it. */
export const MAX_BLAME_FILE_BYTES = 8 * 1024 * 1024;
/** Bytes git inspects to call a file binary (the same rule as `git diff`). */
const BINARY_SNIFF_BYTES = 8000;

export interface BlameLine {
  /** Line number in the blamed file at the revision, 1-based. */
  readonly line: number;
  /** The commit that introduced the line as it is now. */
  readonly commit: string;
  /** The file's path in that commit (differs after a rename or copy). */
  readonly path: string;
  /** The line's number in that commit's version of `path`. */
  readonly origLine: number;
  /** Personal data, for display only. */
  readonly author: { readonly name: string; readonly email: string };
  /** The commit's first message line (untrusted text). */
  readonly summary: string;
  /** True when git stopped at a root or shallow boundary rather than at a real introduction. */
  readonly boundary: boolean;
}

export interface BlameResult {
  /** Full commit id of the revision blamed. */
  readonly rev: string;
  readonly path: string;
  /** Lines in the file at the revision. */
  readonly lineCount: number;
  readonly lines: readonly BlameLine[];
}

export interface LineRange {
  readonly start: number;
  readonly end: number;
}

function checkPath(path: string): string {
  const clean = path.replace(/^\.\//, '');
  if (clean.length === 0 || clean.includes('\0') || clean.includes('\n') || clean.startsWith('/')) {
    throw new UsageError('BAD_INPUT', `invalid file path "${printable(path, 200)}"`, { hint: 'pass a path relative to the repository root, e.g. src/auth/session.ts' });
  }
  return clean;
}

function countLines(content: Buffer): number {
  if (content.length === 0) return 0;
  let n = 0;
  for (const b of content) if (b === 0x0a) n++;
  return content[content.length - 1] === 0x0a ? n : n + 1;
}

/**
 * Blames `path` at `rev` (lines `range`, default all). Refuses, with a hint: an unknown or
 * invalid revision (BAD_REVISION), a path absent at the revision or not a regular file
 * (NOT_FOUND), a binary file (BAD_INPUT), a file over MAX_BLAME_FILE_BYTES (OUTPUT_TOO_LARGE),
 * a range outside the file (BAD_INPUT).
 */
export async function blameFile(git: Git, options: { readonly rev: string; readonly path: string; readonly range?: LineRange }): Promise<BlameResult> {
  const path = checkPath(options.path);
  const rev = await resolveCommit(git, options.rev);
  const name = `${rev}:${path}`;
  const object = (await readObjects(git, [name], { maxObjectBytes: MAX_BLAME_FILE_BYTES })).get(name);
  if (object === undefined) {
    throw new UsageError('NOT_FOUND', `${printable(path, 200)} does not exist at ${printable(options.rev, 60)} (${rev.slice(0, 12)})`, {
      hint: 'check the path (relative to the repository root) and --rev; `git ls-tree -r --name-only REV` lists the files',
    });
  }
  if (object.type !== 'blob') {
    throw new UsageError('NOT_FOUND', `${printable(path, 200)} at ${rev.slice(0, 12)} is a ${object.type}, not a file`, { hint: 'blame a file, not a directory or submodule' });
  }
  if (object.content === undefined) {
    throw new GitError('OUTPUT_TOO_LARGE', `${printable(path, 200)} at ${rev.slice(0, 12)} is ${object.size} bytes, over the ${MAX_BLAME_FILE_BYTES}-byte blame limit`, {
      hint: 'blame a smaller file, or use `git blame -L` on it directly',
    });
  }
  if (object.content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    throw new UsageError('BAD_INPUT', `${printable(path, 200)} at ${rev.slice(0, 12)} is a binary file: it has no lines to blame`, { hint: 'blame a text file' });
  }
  const lineCount = countLines(object.content);
  const range = options.range;
  if (range !== undefined) {
    if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 1 || range.end < range.start) {
      throw new UsageError('BAD_INPUT', `invalid line range ${range.start},${range.end}`, { hint: 'use -L START,END with 1 <= START <= END' });
    }
    if (range.start > lineCount) {
      throw new UsageError('BAD_INPUT', `line ${range.start} is past the end of ${printable(path, 200)} (${lineCount} lines at ${rev.slice(0, 12)})`, {
        hint: `use a range within 1,${lineCount}`,
      });
    }
  }
  if (lineCount === 0) return { rev, path, lineCount, lines: [] };
  // -M: moved lines within the file; -C: lines moved or copied from files changed in the same
  // commit (the cheap level: -C -C would search every file of the creating commit). Whole-file
  // renames are followed by blame itself. --root: no boundary marks on root commits.
  const args = ['blame', '--porcelain', '--root', '--no-textconv', '--ignore-revs-file=', '-M', '-C'];
  if (range !== undefined) args.push('-L', `${range.start},${Math.min(range.end, lineCount)}`);
  args.push(rev, '--', path);
  const { stdout } = await git.run(args);
  return { rev, path, lineCount, lines: parseBlamePorcelain(stdout.toString('utf8')) };
}

interface CommitInfo {
  name: string;
  email: string;
  summary: string;
  boundary: boolean;
  path: string;
}

/**
 * Parses `git blame --porcelain`: a header `<sha> <orig> <final> [<count>]`, the commit's
 * properties the first time it appears (and `filename` again whenever the commit is seen
 * under several paths), then the line after a TAB. Headers are read only where a header is
 * due, so a summary shaped like one (attacker-controlled) is never taken for one.
 */
export function parseBlamePorcelain(text: string): BlameLine[] {
  const out: BlameLine[] = [];
  const commits = new Map<string, CommitInfo>();
  let expectHeader = true;
  let current: { sha: string; orig: number; final: number; info: CommitInfo; path: string | undefined } | undefined;
  for (const line of text.split('\n')) {
    if (expectHeader) {
      const fields = line.split(' ');
      const sha = fields[0] ?? '';
      const orig = Number(fields[1]);
      const final = Number(fields[2]);
      if ((fields.length === 3 || fields.length === 4) && isObjectId(sha) && Number.isSafeInteger(orig) && Number.isSafeInteger(final) && final > 0) {
        let info = commits.get(sha);
        if (info === undefined) {
          info = { name: '', email: '', summary: '', boundary: false, path: '' };
          commits.set(sha, info);
        }
        current = { sha, orig, final, info, path: undefined };
        expectHeader = false;
      }
      continue;
    }
    if (current === undefined) continue;
    if (line.startsWith('\t')) {
      const { sha, orig, final, info } = current;
      out.push({
        line: final,
        commit: sha,
        path: current.path ?? info.path,
        origLine: orig,
        author: { name: info.name, email: info.email },
        summary: info.summary,
        boundary: info.boundary,
      });
      expectHeader = true;
      continue;
    }
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'author') current.info.name = value;
    else if (key === 'author-mail') current.info.email = value.replace(/^<(.*)>$/, '$1');
    else if (key === 'summary') current.info.summary = value;
    else if (key === 'boundary') current.info.boundary = true;
    else if (key === 'filename') {
      current.path = value;
      current.info.path = value;
    }
  }
  return out;
}

/**
 * `git patch-id --stable` of each commit (its diff against its first parent; merges have
 * none), by commit id. Two commits with the same patch id carry the same change: how a rebased
 * commit is matched with the pull request commit it was rebased from.
 */
export async function patchIds(git: Git, commits: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(commits.filter(isObjectId))];
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  // Only commits present in the clone: diff-tree --stdin stops at the first unknown id.
  const present = await existingCommits(git, ids);
  if (present.length === 0) return out;
  const diff = await git.run(['diff-tree', '--stdin', '-p', '--root', '--no-textconv', '--no-ext-diff', '--no-color'], { input: `${present.join('\n')}\n` });
  const result = await git.text(['patch-id', '--stable'], { input: diff.stdout });
  for (const line of result.split('\n')) {
    const [patchId, commit] = line.trim().split(' ');
    if (patchId !== undefined && commit !== undefined && isObjectId(commit)) out.set(commit, patchId);
  }
  return out;
}

/** The ids among `commits` that name commits in the repository. */
export async function existingCommits(git: Git, commits: readonly string[]): Promise<string[]> {
  const ids = [...new Set(commits.filter(isObjectId))];
  if (ids.length === 0) return [];
  const out = await git.text(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { input: `${ids.join('\n')}\n` });
  const present = new Set<string>();
  for (const line of out.split('\n')) {
    const [id, type] = line.split(' ');
    if (id !== undefined && type === 'commit') present.add(id);
  }
  return ids.filter((id) => present.has(id));
}

/** Commits on the first-parent chain of `rev`, newest first, at most `max`. */
export async function firstParentHistory(git: Git, rev: string, max: number): Promise<string[]> {
  const commit = await resolveCommit(git, rev);
  const out = await git.text(['rev-list', '--first-parent', `--max-count=${Math.max(1, Math.floor(max))}`, commit]);
  return out.split('\n').filter(isObjectId);
}

/** Whether `commit` is in the history of `rev`; false when either is unknown to the clone. */
export async function isAncestor(git: Git, commit: string, rev: string): Promise<boolean> {
  if (!isObjectId(commit)) return false;
  const head = await resolveCommit(git, rev);
  const out = await git.run(['merge-base', '--is-ancestor', commit, head], { allowExitCodes: [1, 128] });
  return out.exitCode === 0;
}

/**
 * Where `path` of commit `from` is at `rev` after renames (`git diff -M --name-status`), or
 * null when it was deleted (or is unchanged under its name, which callers already tried).
 */
export async function renamedPath(git: Git, path: string, from: string, rev: string): Promise<string | null> {
  const a = await resolveCommit(git, from);
  const b = await resolveCommit(git, rev);
  const out = await git.run(['diff', '--no-ext-diff', '--no-textconv', '-M', '--name-status', '-z', a, b]);
  const tokens = out.stdout.toString('utf8').split('\0');
  for (let i = 0; i < tokens.length; ) {
    const status = tokens[i++] ?? '';
    if (status.startsWith('R') || status.startsWith('C')) {
      const oldPath = tokens[i++];
      const newPath = tokens[i++];
      if (status.startsWith('R') && oldPath === path && newPath !== undefined) return newPath;
    } else {
      i++;
    }
  }
  return null;
}

/** What the blame use case asks of a clone (engine/blame.ts `BlameGit`), over one repository. */
export function localBlameGit(repo: string): {
  blame(path: string, rev: string, range?: LineRange): Promise<BlameResult>;
  patchIds(commits: readonly string[]): Promise<Map<string, string>>;
  firstParentHistory(rev: string, max: number): Promise<string[]>;
  isAncestor(commit: string, rev: string): Promise<boolean>;
  renamedPath(path: string, from: string, rev: string): Promise<string | null>;
} {
  const git = new Git(repo);
  return {
    blame: (path, rev, range) => blameFile(git, { path, rev, ...(range === undefined ? {} : { range }) }),
    patchIds: (commits) => patchIds(git, commits),
    firstParentHistory: (rev, max) => firstParentHistory(git, rev, max),
    isAncestor: (commit, rev) => isAncestor(git, commit, rev),
    renamedPath: (path, from, rev) => renamedPath(git, path, from, rev),
  };
}
