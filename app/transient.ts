// Which job failures another attempt could fix. Sources: REST "Troubleshooting the REST API"
// (5xx: retry later) and "Rate limits for the REST API" (403/429 rate limits: wait, retry).
// The request layer (github/client.ts) already retried each request; a job that still fails
// met an outage longer than that, worth another attempt later.
import { GitHubError } from '../src/core/errors.js';
import { httpStatusOf } from '../src/github/errors.js';

/** Node's codes for a network failure below HTTP. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function networkCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  return networkCode((err as { cause?: unknown }).cause, depth + 1);
}

export function isTransient(err: unknown): boolean {
  if (err instanceof GitHubError) {
    if (err.code === 'GITHUB_RATE_LIMIT') return true;
    const status = httpStatusOf(err);
    // Octokit reports a request that got no response (DNS, refused, reset) as status 500.
    if (status === undefined) return networkCode(err) !== undefined;
    return status >= 500 || status === 429;
  }
  return networkCode(err) !== undefined;
}
