/**
 * A function that has been wrapped by {@link debounce}.
 *
 * In addition to being callable, it exposes helper methods that let callers
 * cancel a pending invocation or flush it immediately.
 */
export interface DebouncedFunction<TArgs extends unknown[]> {
  (...args: TArgs): void;
  /** Cancels any pending invocation. */
  cancel(): void;
  /** Immediately invokes any pending call. */
  flush(): void;
}

/**
 * Creates a debounced version of the provided function.
 *
 * The debounced function delays invoking `fn` until `waitMs` milliseconds have
 * elapsed since the last time it was called. This is useful for rate-limiting
 * expensive operations such as API calls triggered by user input.
 *
 * @param fn - The function to debounce.
 * @param waitMs - The number of milliseconds to delay.
 * @returns A new debounced function.
 *
 * @example
 * ```ts
 * const search = debounce((query: string) => fetchResults(query), 300);
 * input.addEventListener('input', (e) => search(e.target.value));
 * ```
 */
export function debounce<TArgs extends unknown[]>(
  fn: (...args: TArgs) => void,
  waitMs: number,
): DebouncedFunction<TArgs> {
  // Holds the handle of the currently scheduled timer, if any
  let timeoutId: ReturnType<typeof setTimeout> | undefined;

  // Stores the most recent arguments so we can use them when the timer fires
  let pendingArgs: TArgs | undefined;

  // The core debounced function
  const debounced = (...args: TArgs): void => {
    // Save the latest arguments
    pendingArgs = args;

    // Clear the previous timer so that only the last call is executed
    if (timeoutId !== undefined) {
      clearTimeout(timeoutId);
    }

    // Schedule a new invocation
    timeoutId = setTimeout(() => {
      timeoutId = undefined;
      const argsToUse = pendingArgs;
      pendingArgs = undefined;
      if (argsToUse) {
        fn(...argsToUse);
      }
    }, waitMs);
  };

  // Cancel any pending invocation
  debounced.cancel = (): void => {
    if (timeoutId !== undefined) {
      clearTimeout(timeoutId);
      timeoutId = undefined;
    }
    pendingArgs = undefined;
  };

  // Invoke the pending call immediately, if there is one
  debounced.flush = (): void => {
    if (timeoutId !== undefined && pendingArgs) {
      clearTimeout(timeoutId);
      timeoutId = undefined;
      const argsToUse = pendingArgs;
      pendingArgs = undefined;
      fn(...argsToUse);
    }
  };

  return debounced;
}
