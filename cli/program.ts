// The `trailmark` program over a list of commands, and the exit-code contract:
// 0 ok (findings are not errors), 1 verification/integrity failure, 2 usage or input error.
// main.ts runs it with every command; hook-main.ts with only the commands hooks call.

import { Command, CommanderError, type HelpConfiguration } from 'commander';
import { TrailmarkError, UsageError, describeError } from '../src/core/errors.js';
import { EXIT_OK, EXIT_USAGE, exitCodeOf, processIo, type CliIo } from './io.js';
import { TOOL_VERSION } from '../src/core/version.js';
import { PROGRAM_DESCRIPTION } from './help.js';

export interface CommandContext {
  readonly io: CliIo;
  /** Set by a command to report its exit status (defaults to 0). */
  exitCode: number;
}

/** Registers one command on the program (each commands/<name>.ts exports one). */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

export function buildProgram(ctx: CommandContext, commands: readonly RegisterCommand[], help?: HelpConfiguration): Command {
  const program = new Command('trailmark')
    .description(PROGRAM_DESCRIPTION)
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  if (help !== undefined) program.configureHelp(help);
  for (const register of commands) register(program, ctx);
  return program;
}

/** `help` customises the program's help (main.ts: the help lines of commands not loaded). */
export async function runProgram(argv: readonly string[], commands: readonly RegisterCommand[], io: CliIo = processIo(), help?: HelpConfiguration): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const program = buildProgram(ctx, commands, help);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are not errors.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
    return EXIT_USAGE;
  }
  if (err instanceof TrailmarkError) {
    const hint = err.hint ?? (err instanceof UsageError ? 'run `trailmark --help` for usage' : undefined);
    io.stderr.write(`trailmark: ${err.message}${hint ? `\nhint: ${hint}` : ''}\n`);
    return exitCodeOf(err);
  }
  io.stderr.write(`trailmark: unexpected error: ${describeError(err)}\nhint: this is a bug; please report it with the command you ran\n`);
  if (err instanceof Error && err.stack && io.env.TRAILMARK_DEBUG) io.stderr.write(`${err.stack}\n`);
  return EXIT_USAGE;
}
