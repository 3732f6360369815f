// The Action's change and record sources. A pull request's change set comes from the runner's
// checkout when it has (or cheaply fetches) the history, else from the REST API; the log says
// which and why. Capture records come from the same place: the checkout at the head revision
// (Agent Trace file, git-ai notes when `refs/notes/ai` was fetched), else the contents API at
// the head commit.
import { GitError, describeError } from '../src/core/errors.js';
import type { ChangeSource, RawRecord, RecordSource } from '../src/core/ports.js';
import type { ChangeContext, ChangeSet } from '../src/core/types.js';
import { GitChangeSource, readFileAtRevision, readGitAiNotes } from '../src/git/index.js';
import { GitHubChangeSource } from '../src/github/change-source.js';
import type { GitHubClient } from '../src/github/client.js';
import { AGENT_TRACE_PATH, agentTraceAtHead } from '../src/github/records.js';
import type { ActionEnvironment } from './environment.js';
import type { AnalysisTarget } from './event.js';
import { borrowNotesRef, openReadingRepository, prepareLocalCheckout } from './local-checkout.js';

export type Target = Exclude<AnalysisTarget, { kind: 'skip' }>;

/** The same context on both paths: what the pull request says about itself is evidence too. */
export function contextOf(env: ActionEnvironment, target: Target): ChangeContext {
  const repository = `${env.owner}/${env.repo}`;
  if (target.kind !== 'pull-request') return { repository };
  return {
    repository,
    pullRequest: target.number,
    ...(target.headBranch === undefined ? {} : { headBranch: target.headBranch }),
    ...(target.body === undefined ? {} : { pullRequestBody: target.body }),
    ...(target.author === undefined ? {} : { pullRequestAuthor: target.author }),
  };
}

function apiSource(client: GitHubClient, env: ActionEnvironment, target: Target): ChangeSource {
  // Every text file's head is read, as local git does (classification and scoring use it).
  const common = { client, owner: env.owner, repo: env.repo, context: contextOf(env, target) };
  if (target.kind === 'pull-request') {
    return new GitHubChangeSource({
      ...common,
      target: { kind: 'pull-request', number: target.number, base: target.base, head: target.head, ...(target.commitCount === undefined ? {} : { commitCount: target.commitCount }), ...(target.changedFiles === undefined ? {} : { changedFiles: target.changedFiles }) },
    });
  }
  return new GitHubChangeSource({ ...common, target: { kind: 'compare', base: target.base, head: target.head } });
}

/** The change and record sources of one run; `records` answers from where `changes` read. */
export interface ActionSources {
  readonly changes: ChangeSource;
  readonly records: RecordSource;
}

export function actionSources(client: GitHubClient, env: ActionEnvironment, target: Target, log: (line: string) => void): ActionSources {
  /** Records read from the checkout while it was open; undefined when the API path was used. */
  let local: RawRecord[] | undefined;
  let changeSet: ChangeSet | undefined;

  const loadLocal = async (): Promise<ChangeSet | string> => {
    if (target.kind !== 'pull-request') return 'not a pull request';
    const checkout = await prepareLocalCheckout({
      workspace: env.workspace, owner: env.owner, repo: env.repo, base: target.base, head: target.head,
      ...(target.commitCount === undefined ? {} : { commitCount: target.commitCount }), log,
    });
    if (!checkout.usable) return checkout.reason;
    const reading = await openReadingRepository(checkout.gitDir, env.temp);
    try {
      const loaded = await new GitChangeSource({ repo: reading.dir, base: target.base, head: target.head }).load();
      log(`trailmark: change set from the local checkout (${loaded.commits.length} commits, ${loaded.files.length} files, merge base ${loaded.base})`);
      const records: RawRecord[] = [];
      const trace = await readFileAtRevision(reading.dir, target.head, AGENT_TRACE_PATH);
      if (trace !== undefined) records.push({ format: 'agent-trace', origin: `${AGENT_TRACE_PATH}@${target.head.slice(0, 12)}`, text: trace });
      if (await borrowNotesRef(checkout.gitDir, reading)) records.push(...(await readGitAiNotes(reading.dir, loaded.commits.map((c) => c.sha))));
      else log('trailmark: no git-ai notes in the checkout (fetch refs/notes/ai to use them)');
      local = records;
      return { ...loaded, context: contextOf(env, target) };
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      return `reading the checkout failed: ${describeError(err)}`;
    } finally {
      await reading.dispose();
    }
  };

  return {
    changes: {
      load: async () => {
        const loaded = await loadLocal();
        if (typeof loaded !== 'string') return (changeSet = loaded);
        if (target.kind === 'pull-request') log(`trailmark: change set from the REST API: ${loaded}`);
        return (changeSet = await apiSource(client, env, target).load());
      },
    },
    records: {
      load: async () => {
        if (local !== undefined) return local;
        // The API path: the Agent Trace file at the head commit (one request; 404 when absent).
        return agentTraceAtHead(client, env.owner, env.repo, changeSet?.head ?? target.head, log);
      },
    },
  };
}
