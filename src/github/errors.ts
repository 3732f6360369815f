// Maps Octokit's RequestError to our GitHubError (one error type per layer, typed code, cause).
import { GitHubError, type GitHubCode } from '../core/errors.js';

interface HttpFailure {
  readonly status: number;
  readonly response?: { readonly headers: Readonly<Record<string, string | number | undefined>> };
}

/** True for Octokit's RequestError (and anything shaped like it): a numeric `status`. */
export function isHttpFailure(err: unknown): err is HttpFailure & Error {
  return err instanceof Error && typeof (err as Partial<HttpFailure>).status === 'number';
}

/** The HTTP status behind a GitHubError or RequestError, if any. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof GitHubError) return httpStatusOf(err.cause);
  return isHttpFailure(err) ? err.status : undefined;
}

function codeFor(status: number): GitHubCode {
  if (status === 401 || status === 403 || status === 404) return 'GITHUB_FORBIDDEN';
  if (status === 409 || status === 422) return 'GITHUB_CONFLICT';
  if (status === 429) return 'GITHUB_RATE_LIMIT';
  return 'GITHUB_HTTP';
}

const HINTS: Partial<Record<GitHubCode, string>> = {
  GITHUB_FORBIDDEN: 'check the token permissions in the workflow `permissions:` block (see docs/action.md)',
  GITHUB_RATE_LIMIT: 'the API rate limit was exhausted; re-run the job later',
  GITHUB_HTTP: 'GitHub failed to answer; re-run the job, and see https://www.githubstatus.com',
};

/** Wraps a failed request as GitHubError naming the request; keeps the original as `cause`. */
export function toGitHubError(err: unknown, route: string, rateLimited = false): GitHubError {
  if (err instanceof GitHubError) return err;
  const status = httpStatusOf(err);
  const code: GitHubCode = rateLimited ? 'GITHUB_RATE_LIMIT' : status === undefined ? 'GITHUB_HTTP' : codeFor(status);
  const detail = err instanceof Error ? err.message : String(err);
  const hint = HINTS[code];
  return new GitHubError(code, `github request ${route} failed${status === undefined ? '' : ` with status ${status}`}: ${detail}`, {
    cause: err,
    ...(hint === undefined ? {} : { hint }),
  });
}
