// Whether the runner's checkout (GITHUB_WORKSPACE) can give a pull request's change set: a git
// work tree of the same repository that holds, or can cheaply fetch, the base and head commits
// and their merge base. The local source attributes added lines to commits and has no REST caps.
//
// Security (pull_request_target runs with secrets next to a checkout that may hold fork commits):
// only git plumbing reads objects; nothing from the checkout runs. git/'s runner drops inherited
// GIT_* variables; every command issued from this module also disables hooks, fsmonitor,
// automatic gc/maintenance (pre-auto-gc hook), submodule recursion and the ext:: transport,
// whatever the repository's own config says. GitChangeSource does not take such options (and
// `git diff-tree -p` runs a configured core.fsmonitor), so it reads through `ReadingRepository`:
// a bare repository of ours whose object store borrows the checkout's (alternates) and whose
// config is ours; the checkout's config and hooks are never consulted. The remote URL may carry
// a token: it is compared, never logged.
import { copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describeError, printable } from '../src/core/errors.js';
import { GIT_AI_NOTES_REF, Git } from '../src/git/index.js';

/** Commits fetched at most, in all, to find the merge base in a shallow checkout. */
export const LOCAL_HISTORY_MAX_DEPTH = 1000;
/** First `--deepen` step; each later step doubles. */
const FIRST_DEEPEN = 50;

/** `-c` options put before every command of this module (they override repository config). */
export const HARDENED_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.writeCommitGraph=false',
  'submodule.recurse=false',
  'protocol.ext.allow=never',
];

export interface LocalCheckoutRequest {
  readonly workspace: string;
  readonly owner: string;
  readonly repo: string;
  /** `pull_request.base.sha` and `pull_request.head.sha` (validated object ids). */
  readonly base: string;
  readonly head: string;
  /** `pull_request.commits`: the first fetch takes this many commits plus one. */
  readonly commitCount?: number;
  readonly maxDepth?: number;
  /** Progress lines for the job log. */
  readonly log: (line: string) => void;
}

export type LocalCheckout = { readonly usable: true; readonly mergeBase: string; readonly gitDir: string } | { readonly usable: false; readonly reason: string };

/**
 * Whether `url` (a remote URL as configured: https, ssh or scp-like, maybe with credentials)
 * names `owner/repo`. Compares the last two path segments, case-insensitively as GitHub does.
 */
export function remoteNamesRepository(url: string, owner: string, repo: string): boolean {
  let path = url.trim();
  while (path.endsWith('/')) path = path.slice(0, -1);
  if (path.endsWith('.git')) path = path.slice(0, -4);
  const segments = path.split(/[/:]/);
  const [o, r] = segments.slice(-2);
  return segments.length >= 3 && o?.toLowerCase() === owner.toLowerCase() && r?.toLowerCase() === repo.toLowerCase();
}

class HardenedGit {
  readonly #git: Git;

  constructor(dir: string) {
    this.#git = new Git(dir);
  }

  /** stdout trimmed, or undefined on one of `soft` exit codes. */
  async read(args: readonly string[], soft: readonly number[] = []): Promise<string | undefined> {
    const out = await this.probe(args, soft);
    return out.exitCode === 0 ? out.stdout : undefined;
  }

  async probe(args: readonly string[], soft: readonly number[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const out = await this.#git.run([...HARDENED_CONFIG.flatMap((c) => ['-c', c]), ...args], { allowExitCodes: soft });
    return { stdout: out.stdout.toString('utf8').trim(), stderr: out.stderr, exitCode: out.exitCode };
  }

  async has(commit: string): Promise<boolean> {
    return (await this.read(['cat-file', '-e', `${commit}^{commit}`], [1, 128])) !== undefined;
  }

  /** Fetches `commits` from origin (no tags, no submodules); the error message on failure. */
  async fetch(commits: readonly string[], depth: string | undefined): Promise<string | undefined> {
    try {
      await this.read(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', ...(depth === undefined ? [] : [depth]), 'origin', ...commits]);
      return undefined;
    } catch (err) {
      return describeError(err);
    }
  }
}

/** Fetches what is missing (bounded); never throws: anything unexpected makes the checkout unusable. */
export async function prepareLocalCheckout(request: LocalCheckoutRequest): Promise<LocalCheckout> {
  try {
    return await prepare(request);
  } catch (err) {
    return { usable: false, reason: `reading the checkout failed: ${describeError(err)}` };
  }
}

async function prepare(r: LocalCheckoutRequest): Promise<LocalCheckout> {
  const maxDepth = r.maxDepth ?? LOCAL_HISTORY_MAX_DEPTH;
  const git = new HardenedGit(r.workspace);
  const probe = await git.probe(['rev-parse', '--show-toplevel'], [128]);
  if (probe.exitCode !== 0) {
    // "dubious ownership" (a container job without safe.directory) must not read as "no checkout".
    const said = probe.stderr.split('\n').find((l) => l.trim() !== '' && !l.includes('not a git repository'));
    return { usable: false, reason: `GITHUB_WORKSPACE is not a git work tree${said === undefined ? ' (no actions/checkout step)' : ` git can use (${printable(said.trim(), 200)})`}` };
  }
  const top = probe.stdout;
  if ((await realpath(top)) !== (await realpath(r.workspace))) return { usable: false, reason: 'GITHUB_WORKSPACE is inside another work tree, not a checkout of its own' };
  const url = await git.read(['config', '--get', 'remote.origin.url'], [1]);
  if (url === undefined || !remoteNamesRepository(url, r.owner, r.repo)) return { usable: false, reason: `the checkout's origin is not ${r.owner}/${r.repo}` };
  const shallow = (await git.read(['rev-parse', '--is-shallow-repository'])) === 'true';

  let fetched = 0;
  const missing: string[] = [];
  for (const c of [r.base, r.head]) if (!(await git.has(c))) missing.push(c);
  if (missing.length > 0) {
    // A complete clone lacks only new commits: fetch them whole. A shallow one gets the pull
    // request's commits and one more, which reaches the base when the branch is up to date.
    const depth = shallow ? Math.min(maxDepth, (r.commitCount ?? 1) + 1) : undefined;
    r.log(`trailmark: fetching ${missing.join(', ')} from origin${depth === undefined ? '' : ` (depth ${depth})`}`);
    const failure = await git.fetch(missing, depth === undefined ? undefined : `--depth=${depth}`);
    if (failure !== undefined) return { usable: false, reason: `git fetch of ${missing.join(', ')} from origin failed: ${failure}` };
    for (const c of missing) if (!(await git.has(c))) return { usable: false, reason: `origin did not provide commit ${c}` };
    fetched = depth ?? 0;
  }

  for (let step = FIRST_DEEPEN; ; step *= 2) {
    const mergeBase = await git.read(['merge-base', r.base, r.head], [1]);
    if (mergeBase !== undefined && mergeBase !== '') return { usable: true, mergeBase, gitDir: await commonDir(git, r.workspace) };
    if (!shallow) return { usable: false, reason: `${r.base} and ${r.head} have no common history in the checkout` };
    if (fetched >= maxDepth) return { usable: false, reason: `no merge base of ${r.base} and ${r.head} within ${maxDepth} commits of the shallow checkout (actions/checkout with fetch-depth: 0 avoids this)` };
    const deepen = Math.min(step, maxDepth - fetched);
    r.log(`trailmark: no merge base yet; deepening the shallow checkout by ${deepen} commits`);
    const failure = await git.fetch([r.base, r.head], `--deepen=${deepen}`);
    if (failure !== undefined) return { usable: false, reason: `git fetch --deepen=${deepen} failed: ${failure}` };
    fetched += deepen;
  }
}

async function commonDir(git: HardenedGit, workspace: string): Promise<string> {
  const dir = (await git.read(['rev-parse', '--git-common-dir'])) ?? '.git';
  return isAbsolute(dir) ? dir : join(workspace, dir);
}

/** A bare repository in a temporary directory that reads the checkout's objects and nothing else of it. */
export interface ReadingRepository {
  readonly dir: string;
  dispose(): Promise<void>;
}

/**
 * Borrows `gitDir`'s objects (and its shallow boundary, without which walks would look for
 * parents that are not there). Refs, config and hooks of the checkout are not copied.
 * `parent` is where the temporary directory goes (RUNNER_TEMP on a runner).
 */
export async function openReadingRepository(gitDir: string, parent: string = tmpdir()): Promise<ReadingRepository> {
  const dir = await mkdtemp(join(parent, 'trailmark-objects-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await new HardenedGit(dir).read(['init', '--quiet', '--bare', '--template=', '.']);
    await mkdir(join(dir, 'objects', 'info'), { recursive: true });
    await writeFile(join(dir, 'objects', 'info', 'alternates'), `${join(gitDir, 'objects')}\n`);
    await writeFile(join(dir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = true\n\thooksPath = /dev/null\n\tfsmonitor = false\n[gc]\n\tauto = 0\n');
    try {
      await copyFile(join(gitDir, 'shallow'), join(dir, 'shallow'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return { dir, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * Points the reading repository's git-ai notes ref at the checkout's, when the checkout has
 * fetched `refs/notes/ai` (`actions/checkout` does not by default). Returns whether it did.
 */
export async function borrowNotesRef(gitDir: string, reading: ReadingRepository): Promise<boolean> {
  const notes = await new HardenedGit(gitDir).read(['rev-parse', '--verify', '--quiet', `${GIT_AI_NOTES_REF}^{commit}`], [1, 128]);
  if (notes === undefined || !/^[0-9a-f]{40,64}$/.test(notes)) return false;
  await new HardenedGit(reading.dir).read(['update-ref', GIT_AI_NOTES_REF, notes]);
  return true;
}
