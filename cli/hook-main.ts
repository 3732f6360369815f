// The commands agent and git hooks run (`capture`, `record`), without the rest of the CLI: a hook
// runs on every agent edit and every commit, and loading the scanner (tree-sitter, the report
// renderers) would cost it most of a second. bin/trailmark.js picks this entry by the first
// argument; `trailmark capture …` behaves exactly as through main.ts.

import type { CliIo } from './io.js';
import { processIo } from './io.js';
import { register as capture } from './commands/capture.js';
import { register as record } from './commands/record.js';
import { runProgram } from './program.js';

export async function hookMain(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, [capture, record], io);
}
