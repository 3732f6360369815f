// The Octokit client every github/ module takes: REST methods, pagination, and a request hook
// that retries 5xx and both kinds of rate limit with an injected sleep, then turns any failure
// into a GitHubError naming the route. We do not use @octokit/plugin-retry/-throttling: both
// wait through Bottleneck timers that cannot be injected, so tests would sleep for real.
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { systemClock, type Clock } from '../core/ports.js';
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js';
import { isHttpFailure, toGitHubError } from './errors.js';
import { DEFAULT_RETRY_POLICY, retryDecision, type RetryPolicy } from './retry.js';

const GitHubOctokit = Octokit.plugin(restEndpointMethods, paginateRest);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClientOptions {
  readonly token: string;
  /** `GITHUB_API_URL` on Actions (GHES: `https://HOST/api/v3`). */
  readonly baseUrl?: string;
  /** Appended to `trailmark/<version>`, e.g. `action` or `app`. */
  readonly userAgentSuffix?: string;
  readonly sleep?: Sleep;
  readonly clock?: Clock;
  readonly retry?: RetryPolicy;
  /** One line per retry, for the job log. */
  readonly log?: (line: string) => void;
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? systemClock;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const log = options.log ?? (() => undefined);
  const octokit = new GitHubOctokit({
    auth: options.token,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: `${TOOL_NAME}/${TOOL_VERSION}${options.userAgentSuffix === undefined ? '' : ` ${options.userAgentSuffix}`}`,
    // Octokit's default logger writes warnings to the console; ours go through `log`.
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => log(m), error: (m: string) => log(m) },
  });
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const route = `${requestOptions.method} ${requestOptions.url}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (err) {
        if (!isHttpFailure(err)) throw toGitHubError(err, route);
        const decision = retryDecision(
          { status: err.status, headers: err.response?.headers ?? {}, message: err.message },
          attempt,
          clock.now(),
          policy,
        );
        if (!decision.retry) throw toGitHubError(err, route, decision.rateLimited);
        log(`github ${route}: status ${err.status} (${decision.reason}); retrying in ${Math.ceil(decision.waitMs / 1000)} s, retry ${attempt + 1} of ${policy.maxRetries}`);
        await sleep(decision.waitMs);
      }
    }
  });
  return octokit;
}
