// When to retry a failed GitHub request, and how long to wait first. Pure: the clock comes in.
//
// Sources: REST "Rate limits for the REST API" (primary limit: `x-ratelimit-remaining: 0`, wait
// until `x-ratelimit-reset` epoch seconds; secondary limit: 403 or 429, honour `retry-after`
// seconds, else wait at least one minute) and "Troubleshooting the REST API" (5xx: retry later).
import { SECONDARY_RATE_LIMIT_DEFAULT_WAIT_MS } from './limits.js';

export interface RetryPolicy {
  /** Retries after the first attempt, for any reason. */
  readonly maxRetries: number;
  /** First backoff for server errors; doubled per attempt. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A rate-limit wait longer than this fails the request instead (a job should not idle for an hour). */
  readonly maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 15 * 60_000,
};

export interface FailedResponse {
  readonly status: number;
  /** Lower-case header names, as Octokit reports them. */
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly message: string;
}

export type RetryDecision =
  | { readonly retry: true; readonly waitMs: number; readonly reason: 'server-error' | 'primary-rate-limit' | 'secondary-rate-limit' }
  | { readonly retry: false; readonly rateLimited: boolean };

function headerNumber(headers: FailedResponse['headers'], name: string): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Decides whether attempt number `attempt` (0-based) of a request that failed is retried. */
export function retryDecision(failure: FailedResponse, attempt: number, nowMs: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): RetryDecision {
  const { status, headers } = failure;
  const retryAfterS = headerNumber(headers, 'retry-after');
  let decision: RetryDecision;
  if (status === 403 || status === 429) {
    const remaining = headerNumber(headers, 'x-ratelimit-remaining');
    const reset = headerNumber(headers, 'x-ratelimit-reset');
    if (retryAfterS !== undefined) decision = { retry: true, waitMs: retryAfterS * 1000, reason: 'secondary-rate-limit' };
    else if (remaining === 0 && reset !== undefined) decision = { retry: true, waitMs: Math.max(0, reset * 1000 - nowMs) + 1000, reason: 'primary-rate-limit' };
    // GitHub's documented body text for a secondary limit that came without headers.
    else if (status === 429 || failure.message.toLowerCase().includes('secondary rate limit')) decision = { retry: true, waitMs: SECONDARY_RATE_LIMIT_DEFAULT_WAIT_MS, reason: 'secondary-rate-limit' };
    else return { retry: false, rateLimited: false };
    if (attempt >= policy.maxRetries || decision.waitMs > policy.maxRateLimitWaitMs) return { retry: false, rateLimited: true };
    return decision;
  }
  // 501 Not Implemented answers every retry the same way (an endpoint the server lacks).
  if (status >= 500 && status <= 599 && status !== 501) {
    if (attempt >= policy.maxRetries) return { retry: false, rateLimited: false };
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    return { retry: true, waitMs: retryAfterS === undefined ? backoff : Math.min(policy.maxDelayMs, retryAfterS * 1000), reason: 'server-error' };
  }
  return { retry: false, rateLimited: false };
}
