export interface Job {
  id: string;
  name: string;
  attempts: number;
  payload: unknown;
}

export interface JobQueue {
  next(): Promise<Job | null>;
  complete(id: string): Promise<void>;
  fail(id: string, error: string, retryAt: Date | null): Promise<void>;
}

export type JobHandler = (payload: unknown) => Promise<void>;

export class JobTimeoutError extends Error {
  constructor(jobId: string, timeoutMs: number) {
    super(`Job ${jobId} timed out after ${timeoutMs}ms`);
    this.name = 'JobTimeoutError';
  }
}

const MAX_ATTEMPTS = 5;

function withTimeout<T>(promise: Promise<T>, ms: number, jobId: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JobTimeoutError(jobId, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runOnce(queue: JobQueue, handlers: Record<string, JobHandler>, timeoutMs = 30_000): Promise<boolean> {
  let job: Job | null;
  try {
    job = await queue.next();
  } catch (error) {
    console.error('Failed to fetch next job from queue', error);
    return false;
  }
  if (!job) return false;

  const handler = handlers[job.name];
  if (!handler) {
    console.error(`No handler registered for job type "${job.name}" (job ${job.id})`);
    await queue.fail(job.id, `unknown job type ${job.name}`, null);
    return true;
  }

  try {
    await withTimeout(handler(job.payload), timeoutMs, job.id);
    await queue.complete(job.id);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const attempts = job.attempts + 1;
    const retryAt = attempts < MAX_ATTEMPTS ? new Date(Date.now() + 2 ** attempts * 1000) : null;
    console.warn(`Job ${job.id} failed (attempt ${attempts}/${MAX_ATTEMPTS}): ${message}`);
    try {
      await queue.fail(job.id, message, retryAt);
    } catch (failError) {
      console.error(`Could not record failure for job ${job.id}`, failError);
    }
  }
  return true;
}
