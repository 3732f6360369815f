// `trailmark` command line. Each subcommand lives in commands/<name>.ts and registers itself;
// this file loads the one the arguments name (commands/index.ts) and runs it (program.ts runs
// them and maps errors to exit codes).

import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { processIo } from './io.js';
import { loadCommands } from './commands/index.js';
import { buildProgram as build, runProgram, type CommandContext } from './program.js';

export type { CommandContext } from './program.js';

/** The program with every command registered. */
export async function buildProgram(ctx: CommandContext): Promise<Command> {
  return build(ctx, await loadCommands([]));
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, await loadCommands(argv), io);
}
