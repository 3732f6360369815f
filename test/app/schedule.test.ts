// The schedules' building blocks: serialized ticks and waiting until none runs.
import { expect, test } from 'vitest';
import { serialized } from '../../app/schedule.js';

/** A promise and the functions that settle it. */
function deferred(): { promise: Promise<number>; resolve: (n: number) => void; reject: (e: Error) => void } {
  let resolve!: (n: number) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<number>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

test('calls never overlap, and settled() waits for calls made while it waits', async () => {
  const runs: ReturnType<typeof deferred>[] = [];
  const events: string[] = [];
  const tick = serialized(() => {
    const d = deferred();
    runs.push(d);
    events.push(`start ${runs.length}`);
    return d.promise;
  });
  const first = tick();
  await Promise.resolve();
  await Promise.resolve();
  expect(events).toEqual(['start 1']);
  let settled = false;
  const waiting = tick.settled().then(() => { settled = true; });
  const second = tick();
  runs[0]!.reject(new Error('a failed tick'));
  await expect(first).rejects.toThrow('a failed tick');
  // The second call starts only after the first ended, and settled() has not resolved yet.
  for (let i = 0; i < 5 && runs.length < 2; i++) await Promise.resolve();
  expect(events).toEqual(['start 1', 'start 2']);
  expect(settled).toBe(false);
  runs[1]!.resolve(3);
  await expect(second).resolves.toBe(3);
  await waiting;
  expect(settled).toBe(true);
});

test('settled() resolves at once when nothing ever ran', async () => {
  const tick = serialized(() => Promise.resolve(0));
  await expect(tick.settled()).resolves.toBeUndefined();
});
