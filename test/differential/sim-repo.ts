// A simulator repository copied into a local git repository commit for commit, with the same
// object ids: trees are rebuilt from the simulator's file contents (`/_sim/archive`) and commit
// objects written byte for byte from its git data API, then checked against the simulator's ids.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GitFixture } from '../support/git-fixture.js';
import type { RunningSim } from '../support/github-sim.js';

export interface SimPerson {
  readonly name: string;
  readonly email: string;
  readonly date: string;
}

interface GitCommit {
  readonly sha: string;
  readonly tree: { readonly sha: string };
  readonly parents: readonly { readonly sha: string }[];
  readonly author: SimPerson;
  readonly committer: SimPerson;
  readonly message: string;
}

export class SimApi {
  constructor(readonly sim: RunningSim, readonly token: string, readonly owner = 'acme', readonly repo = 'widgets') {}

  static async open(sim: RunningSim): Promise<SimApi> {
    const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    return new SimApi(sim, token);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.sim.url}/repos/${this.owner}/${this.repo}${path}`, {
      method,
      headers: { authorization: `token ${this.token}`, 'user-agent': 'trailmark-differential-test', accept: 'application/vnd.github+json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** A commit made through the git data API (as a push would), with explicit identities and date. */
  async commit(options: { parents: readonly string[]; baseTree: string; files: Readonly<Record<string, string | null>>; message: string; author: SimPerson }): Promise<{ sha: string; tree: string }> {
    const tree = await this.call<{ sha: string }>('POST', '/git/trees', {
      base_tree: options.baseTree,
      tree: Object.entries(options.files).map(([path, content]) => (content === null ? { path, mode: '100644', type: 'blob', sha: null } : { path, mode: '100644', type: 'blob', content })),
    });
    const commit = await this.call<{ sha: string }>('POST', '/git/commits', {
      message: options.message, tree: tree.sha, parents: options.parents, author: options.author, committer: options.author,
    });
    return { sha: commit.sha, tree: tree.sha };
  }

  async treeOf(sha: string): Promise<string> {
    return (await this.call<GitCommit>('GET', `/git/commits/${sha}`)).tree.sha;
  }
}

function gitDate(iso: string): string {
  return `${Math.floor(Date.parse(iso) / 1000)} +0000`;
}

/**
 * Recreates `head` and its ancestry in a fresh local repository; every tree and commit id must
 * equal the simulator's (throws otherwise). The caller cleans the fixture up.
 */
export async function cloneFromSim(api: SimApi, heads: readonly string[]): Promise<GitFixture> {
  const repo = await GitFixture.create();
  await repo.git(['config', 'core.autocrlf', 'false']);
  const done = new Set<string>();
  const index = join(repo.dir, '.git', 'differential-index');
  const build = async (sha: string): Promise<void> => {
    if (done.has(sha)) return;
    const commit = await api.call<GitCommit>('GET', `/git/commits/${sha}`);
    for (const p of commit.parents) await build(p.sha);
    const archive = (await api.sim.admin('GET', `/_sim/archive?ref=${sha}`)) as { files: Record<string, { mode: string; base64: string }> };
    const work = join(repo.dir, '..', `work-${sha.slice(0, 12)}`);
    await rm(work, { recursive: true, force: true });
    for (const [path, f] of Object.entries(archive.files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), Buffer.from(f.base64, 'base64'));
    }
    const env = { ...repo.env(), GIT_INDEX_FILE: index, GIT_WORK_TREE: work, GIT_DIR: join(repo.dir, '.git') };
    await repo.run(['read-tree', '--empty'], { env });
    if (Object.keys(archive.files).length > 0) await repo.run(['-C', work, 'add', '-A'], { env });
    const tree = (await repo.run(['write-tree'], { env })).stdout.toString('utf8').trim();
    await rm(work, { recursive: true, force: true });
    if (tree !== commit.tree.sha) throw new Error(`tree of ${sha}: local ${tree}, simulator ${commit.tree.sha}`);
    const body = [
      `tree ${tree}`,
      ...commit.parents.map((p) => `parent ${p.sha}`),
      `author ${commit.author.name} <${commit.author.email}> ${gitDate(commit.author.date)}`,
      `committer ${commit.committer.name} <${commit.committer.email}> ${gitDate(commit.committer.date)}`,
      '',
      // The API drops the message's final newline; the simulator stores it with one.
      `${commit.message}\n`,
    ].join('\n');
    const local = await repo.git(['hash-object', '-t', 'commit', '-w', '--stdin'], { input: body });
    if (local !== sha) throw new Error(`commit ${sha} recreated as ${local}`);
    done.add(sha);
  };
  for (const head of heads) await build(head);
  return repo;
}
