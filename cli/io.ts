// The CLI's view of its process: streams, environment and working directory, passed in so
// that tests run `main()` in-process and the commands never touch `process` directly.
import { TrailmarkError } from '../src/core/errors.js';

export interface OutStream {
  write(text: string): void;
  readonly isTTY: boolean;
}

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads all of standard input (for `--patch -`). */
  readStdin(): Promise<Buffer>;
}

export function processIo(): CliIo {
  return {
    stdout: { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

/** Exit codes of the CLI contract (DESIGN.md §4). */
export const EXIT_OK = 0;
export const EXIT_INTEGRITY = 1;
export const EXIT_USAGE = 2;

/** Error codes that mean "the data failed verification" (exit 1), not "bad input" (exit 2). */
const INTEGRITY_CODES = new Set([
  'NOT_CANONICAL', 'CHAIN_MISMATCH', 'SEQ_GAP', 'BAD_SIGNATURE', 'UNKNOWN_KEY', 'ROOT_MISMATCH',
  'BAD_CHECKPOINT', 'TRUNCATED', 'BAD_PROOF', 'INTEGRITY',
]);

/** The exit code of a failure: 1 when the data failed verification, else 2. */
export function exitCodeOf(err: unknown): number {
  return err instanceof TrailmarkError && INTEGRITY_CODES.has(String(err.code)) ? EXIT_INTEGRITY : EXIT_USAGE;
}
