// Local git commits into and out of the GitHub simulator with identical object ids.
//
// Out: `simWorkRepo` recreates the simulated pull request's base and head commits in a fresh
// local repository (test/differential/sim-repo.ts cloneFromSim: every tree and commit id equal
// to the simulator's), checks the PR branch out and points `origin` at the simulated repository,
// so a developer can work on the PR locally.
// In: `pushToSim` sends local commits made on top of the simulated head through `POST
// /_sim/push` (the simulator's stand-in for `git push` to the PR branch). The simulator writes
// each commit object from the author, committer (dates in seconds, +0000), message and file
// contents, so the ids agree only when the local commit was written with a +0000 offset; the
// function checks every id and throws on the first mismatch rather than testing a different
// commit than the one the developer made.
import { cloneFromSim, SimApi } from '../differential/sim-repo.js';
import type { GitFixture } from './git-fixture.js';
import type { RunningSim } from './github-sim.js';

export interface SimWorkRepo {
  readonly repo: GitFixture;
  readonly api: SimApi;
  readonly baseSha: string;
  readonly headSha: string;
  readonly headRef: string;
}

interface PullRequestState {
  readonly number: number;
  readonly baseSha: string;
  readonly headSha: string;
  readonly headRef: string;
  readonly baseRef: string;
  readonly commits: readonly string[];
}

export async function simPullRequest(sim: RunningSim): Promise<PullRequestState> {
  const st = (await sim.state()) as { pullRequest?: PullRequestState | null };
  if (st.pullRequest === undefined || st.pullRequest === null) throw new Error('the simulator scenario has no pull request');
  return st.pullRequest;
}

/** The simulated PR checked out locally on its head branch; `origin` names `https://github.com/OWNER/NAME.git`. */
export async function simWorkRepo(sim: RunningSim): Promise<SimWorkRepo> {
  const api = await SimApi.open(sim);
  const pr = await simPullRequest(sim);
  const repo = await cloneFromSim(api, [pr.baseSha, pr.headSha]);
  await repo.git(['update-ref', `refs/heads/${pr.baseRef}`, pr.baseSha]);
  await repo.git(['update-ref', `refs/heads/${pr.headRef}`, pr.headSha]);
  await repo.git(['symbolic-ref', 'HEAD', `refs/heads/${pr.headRef}`]);
  await repo.git(['reset', '-q', '--hard', pr.headSha]);
  await repo.git(['remote', 'add', 'origin', `https://github.com/${api.owner}/${api.repo}.git`]);
  return { repo, api, baseSha: pr.baseSha, headSha: pr.headSha, headRef: pr.headRef };
}

interface Person {
  readonly name: string;
  readonly email: string;
  readonly date: string;
}

/** `Name <email> 1767225600 +0000` → a person with an ISO date; only +0000 is representable in the simulator. */
function person(line: string, sha: string): Person {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (m === null) throw new Error(`commit ${sha}: unreadable identity line ${JSON.stringify(line)}`);
  if (m[4] !== '+0000') throw new Error(`commit ${sha}: timezone ${m[4]} cannot be recreated in the simulator (commit with a +0000 date)`);
  return { name: m[1]!, email: m[2]!, date: new Date(Number(m[3]) * 1000).toISOString() };
}

interface SimFile {
  readonly path: string;
  readonly content?: string;
  readonly contentBase64?: string;
  readonly mode?: string;
  readonly deleted?: true;
}

/** The simulator's commit format for one local commit (one parent, no renames: add/modify/delete). */
async function simCommit(repo: GitFixture, sha: string, login: string): Promise<Record<string, unknown>> {
  const raw = (await repo.run(['cat-file', 'commit', sha])).stdout.toString('utf8');
  const split = raw.indexOf('\n\n');
  const headers = raw.slice(0, split).split('\n');
  const message = raw.slice(split + 2);
  // The simulator ends every message with a newline (as `git commit` does unless told otherwise).
  if (!message.endsWith('\n')) throw new Error(`commit ${sha}: a message without a final newline cannot be recreated in the simulator`);
  const header = (name: string) => headers.find((h) => h.startsWith(`${name} `))?.slice(name.length + 1);
  if (headers.filter((h) => h.startsWith('parent ')).length !== 1) throw new Error(`commit ${sha}: only single-parent commits can be pushed to the simulator`);
  if (headers.some((h) => !/^(tree|parent|author|committer) /.test(h))) throw new Error(`commit ${sha}: extra headers (signature, encoding) cannot be recreated in the simulator`);
  const author = person(header('author') ?? '', sha);
  const committer = person(header('committer') ?? '', sha);
  const files: SimFile[] = [];
  const changes = await repo.git(['diff-tree', '-r', '--no-renames', '--no-commit-id', '-z', sha]);
  const fields = changes.split('\0').filter((f) => f !== '');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `:<src mode> <dst mode> <src id> <dst id> <status>` then the path (-z: NUL separated).
    const modeMatch = /^:\d+ (\d+) [0-9a-f]+ [0-9a-f]+ (\w)/.exec(fields[i]!);
    if (modeMatch === null) throw new Error(`commit ${sha}: unreadable diff-tree line ${JSON.stringify(fields[i])}`);
    const path = fields[i + 1]!;
    if (modeMatch[2] === 'D') {
      files.push({ path, deleted: true });
      continue;
    }
    const bytes = (await repo.run(['cat-file', 'blob', `${sha}:${path}`])).stdout;
    const mode = modeMatch[1]!;
    files.push({ path, contentBase64: bytes.toString('base64'), ...(mode === '100644' ? {} : { mode }) });
  }
  return {
    message,
    author: { name: author.name, email: author.email, login, date: author.date },
    committer: { name: committer.name, email: committer.email, login, date: committer.date },
    files,
  };
}

/**
 * Pushes `from..to` (first parent chain, oldest first) onto the simulated PR head as `login`;
 * `from` must be the simulator's current head. Resolves with the simulator's new head, which
 * equals `to` (else it throws naming the first commit whose id differs).
 */
export async function pushToSim(sim: RunningSim, repo: GitFixture, from: string, to: string, login: string): Promise<string> {
  const pr = await simPullRequest(sim);
  if (pr.headSha !== from) throw new Error(`the simulator's head is ${pr.headSha}, not ${from}: push would not fast-forward`);
  const list = await repo.git(['rev-list', '--reverse', '--first-parent', `${from}..${to}`]);
  const shas = list === '' ? [] : list.split('\n');
  const commits = [];
  for (const sha of shas) commits.push(await simCommit(repo, sha, login));
  const out = (await sim.admin('POST', '/_sim/push', { commits })) as { after: string; commits: readonly string[] };
  const pushed = out.commits.slice(out.commits.length - shas.length);
  for (let i = 0; i < shas.length; i++) {
    if (pushed[i] !== shas[i]) throw new Error(`commit ${shas[i]} was recreated in the simulator as ${String(pushed[i])} (dates must be +0000, no signatures)`);
  }
  return out.after;
}
