// The runner's environment (GitHub docs: "Variables", default environment variables), read once.
import { UsageError } from '../src/core/errors.js';

export interface ActionEnvironment {
  readonly owner: string;
  readonly repo: string;
  readonly eventName: string;
  readonly eventPath: string;
  /** GITHUB_SHA: on pull_request the test-merge commit, so never where results go. */
  readonly sha: string;
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly workspace: string;
  /** RUNNER_TEMP (emptied after each job), else the system temporary directory. */
  readonly temp?: string;
  readonly runId: string;
  readonly runAttempt: string;
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): ActionEnvironment {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new UsageError('USAGE', `environment variable ${name} is not set`, { hint: 'trailmark runs as a GitHub Action step (`uses: …/trailmark@v1`); for local use run `trailmark scan`' });
    return value;
  };
  const repository = need('GITHUB_REPOSITORY');
  const slash = repository.indexOf('/');
  if (slash <= 0 || slash !== repository.lastIndexOf('/') || slash === repository.length - 1) throw new UsageError('USAGE', `GITHUB_REPOSITORY ${JSON.stringify(repository)} is not owner/name`, { hint: 'the runner sets it; do not override it' });
  return {
    owner: repository.slice(0, slash),
    repo: repository.slice(slash + 1),
    eventName: need('GITHUB_EVENT_NAME'),
    eventPath: need('GITHUB_EVENT_PATH'),
    sha: need('GITHUB_SHA'),
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    ...(env.RUNNER_TEMP ? { temp: env.RUNNER_TEMP } : {}),
    runId: env.GITHUB_RUN_ID || '0',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
  };
}
