// `trailmark` command line. Each subcommand lives in commands/<name>.ts and registers itself;
// this file only wires them all up (program.ts runs them and maps errors to exit codes).

import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { processIo } from './io.js';
import { COMMANDS } from './commands/index.js';
import { buildProgram as build, runProgram, type CommandContext } from './program.js';

export type { CommandContext } from './program.js';

export function buildProgram(ctx: CommandContext): Command {
  return build(ctx, COMMANDS);
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, COMMANDS, io);
}
