// The App's periodic schedules (the weekly report, retention and drills): a tick now and one
// every interval, on a timer tests inject, with ticks that never overlap.
import { describeError } from '../src/core/errors.js';

/** A repeating timer (injected in tests); returns a function that stops it. */
export type Timer = (tick: () => void, everyMs: number) => () => void;

export const realTimer: Timer = (tick, everyMs) => {
  const handle = setInterval(tick, everyMs);
  // The schedule never keeps the process alive on its own.
  handle.unref();
  return () => clearInterval(handle);
};

/** Runs `tick` now and every `everyMs`; a failed tick is logged, the next one runs. Returns the stop function. */
export function startSchedule(tick: () => Promise<unknown>, name: string, log: (line: string) => void, timer: Timer, everyMs: number): () => void {
  const run = () => {
    tick().catch((err: unknown) => log(`trailmark: ${name} schedule failed: ${describeError(err)}`));
  };
  run();
  return timer(run, everyMs);
}

/** A function whose calls never overlap, and a way to wait until none runs. */
export interface Serialized {
  (): Promise<number>;
  /** Resolves once no call runs (calls made meanwhile included); never rejects. */
  settled(): Promise<void>;
}

/**
 * `fn` with calls that never overlap: a call made while one runs waits for it, then runs once
 * more (a failed run does not stop the next).
 */
export function serialized(fn: () => Promise<number>): Serialized {
  let running: Promise<number> | undefined;
  const call = () => {
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(fn);
    running = next;
    return next;
  };
  const settled = async (): Promise<void> => {
    for (let seen = running; seen !== undefined; seen = seen === running ? undefined : running) {
      await seen.catch(() => 0);
    }
  };
  return Object.assign(call, { settled });
}
