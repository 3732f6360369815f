// Whole-process measurements for the benches: a job runs in a fresh child process (so its RSS is
// the job's and nothing else's), sampling peak RSS and heap every 20 ms while it runs.
import { fork } from 'node:child_process';

export interface MemoryPeaks {
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly peakHeap: number;
}

/** Runs `job` while sampling memory; returns its result with the baseline and the peaks. */
export async function withMemoryPeaks<T>(job: () => Promise<T>): Promise<{ readonly result: T } & MemoryPeaks> {
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  try {
    const result = await job();
    const end = process.memoryUsage();
    return { result, baselineRss: baseline.rss, peakRss: Math.max(peakRss, end.rss), peakHeap: Math.max(peakHeap, end.heapUsed) };
  } finally {
    clearInterval(sampler);
  }
}

/** Forks `module` with `[flag, ...args]` and resolves with the one message it sends back. */
export function runInChild<T>(module: string, flag: string, args: readonly string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(module, [flag, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`${what} child exited with ${code}`))));
  });
}

/** In the child: sends the result to the parent, then exits. */
export function sendToParent(result: object): void {
  process.send!(result, () => process.exit(0));
}
