// `trailmark` command line. Each subcommand lives in commands/<name>.ts and registers itself;
// this file only wires them up and maps errors to the exit-code contract:
// 0 ok (findings are not errors), 1 verification/integrity failure, 2 usage or input error.

import { Command, CommanderError } from 'commander';
import { TrailmarkError, UsageError, describeError } from '../src/core/errors.js';
import { EXIT_OK, EXIT_USAGE, exitCodeOf, processIo, type CliIo } from './io.js';
import { COMMANDS } from './commands/index.js';
import { TOOL_VERSION } from '../src/core/version.js';

export interface CommandContext {
  readonly io: CliIo;
  /** Set by a command to report its exit status (defaults to 0). */
  exitCode: number;
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('trailmark')
    .description('Find AI-written changes nobody attested, and keep a signed, verifiable ledger of every conclusion.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  for (const register of COMMANDS) register(program, ctx);
  return program;
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const program = buildProgram(ctx);
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
