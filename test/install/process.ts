// Child processes for the install tests: a server started the way users start it, waited for
// by polling (no wall-clock limit of its own: the test's timeout bounds it), stopped by pid.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Started {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  stop(): Promise<void>;
}

export function start(command: string, args: readonly string[], options: SpawnOptions): Started {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export { freePort } from '../support/free-port.js';

/** Calls `probe` every 100 ms until it returns a value; fails as soon as `server` has exited. */
export async function until<T>(server: Started, probe: () => Promise<T | undefined>): Promise<T> {
  let gone: number | string | undefined;
  void server.exited.then((code) => (gone = code));
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (gone !== undefined) throw new Error(`the server exited (${gone}):\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
