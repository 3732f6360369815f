/**
 * Options for configuring the retry behavior of {@link fetchWithRetry}.
 */
export interface RetryOptions {
  /** The maximum number of attempts before giving up. Defaults to 3. */
  maxAttempts?: number;
  /** The initial delay in milliseconds between attempts. Defaults to 500. */
  initialDelayMs?: number;
  /** The multiplier applied to the delay after each failed attempt. Defaults to 2. */
  backoffFactor?: number;
  /** Optional callback invoked whenever a retry is about to happen. */
  onRetry?: (attempt: number, error: unknown) => void;
}

/**
 * Pauses execution for the given number of milliseconds.
 *
 * @param ms - The number of milliseconds to wait.
 * @returns A promise that resolves after the delay has elapsed.
 */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Determines whether a given HTTP status code should be retried.
 *
 * @param status - The HTTP status code returned by the server.
 * @returns `true` if the request should be retried, otherwise `false`.
 */
function isRetryableStatus(status: number): boolean {
  // Retry on rate limiting and on server-side errors
  return status === 429 || (status >= 500 && status < 600);
}

/**
 * Fetches a resource with automatic retries and exponential backoff.
 *
 * This function wraps the native `fetch` API and retries the request when a
 * network error occurs or when the server responds with a retryable status code.
 *
 * @param url - The URL of the resource to fetch.
 * @param init - Optional request initialization options passed to `fetch`.
 * @param options - Optional retry configuration.
 * @returns A promise that resolves to the successful `Response`.
 * @throws {Error} If all retry attempts fail.
 *
 * @example
 * ```ts
 * const response = await fetchWithRetry('https://api.example.com/items', undefined, { maxAttempts: 5 });
 * const items = await response.json();
 * ```
 */
export async function fetchWithRetry(url: string, init?: RequestInit, options: RetryOptions = {}): Promise<Response> {
  // Destructure the options and apply sensible defaults
  const { maxAttempts = 3, initialDelayMs = 500, backoffFactor = 2, onRetry } = options;

  // Keep track of the current delay so we can increase it after each failure
  let delay = initialDelayMs;
  let lastError: unknown;

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      // Attempt the request
      const response = await fetch(url, init);

      // If the response is OK or not retryable, return it immediately
      if (response.ok || !isRetryableStatus(response.status)) {
        return response;
      }

      // Otherwise, record the failure so we can report it later
      lastError = new Error(`Request failed with status ${response.status}`);
    } catch (error) {
      // Network errors (e.g. DNS failures, connection resets) end up here
      lastError = error;
    }

    // If this was the last attempt, break out of the loop
    if (attempt === maxAttempts) {
      break;
    }

    // Notify the caller that we are about to retry
    onRetry?.(attempt, lastError);

    // Wait before the next attempt, then increase the delay
    await sleep(delay);
    delay *= backoffFactor;
  }

  // All attempts failed, so throw a descriptive error
  throw new Error(`Failed to fetch ${url} after ${maxAttempts} attempts: ${String(lastError)}`);
}
