import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';

interface Job<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class WorkerPool<I, O> {
  private readonly idle: Worker[] = [];
  private readonly queue: Job<I, O>[] = [];
  private readonly all: Worker[] = [];

  constructor(script: string | URL, size = Math.max(1, cpus().length - 1)) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.drain();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private drain(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        this.idle.push(worker);
        this.drain();
      };
      const onMessage = (value: O) => {
        done();
        job.resolve(value);
      };
      const onError = (err: Error) => {
        done();
        job.reject(err);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(job.input);
    }
  }
}
