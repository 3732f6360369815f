// `trailmark` command line. Each subcommand lives in commands/<name>.ts and registers itself;
// this file loads the one the arguments name (commands/index.ts) and runs it (program.ts runs
// them and maps errors to exit codes).
//
// Arguments that name no command (`--help`, `--version`, nothing, a misspelt name) need only the
// commands' names and one-line summaries, not their modules (which load the scanner, the ledger,
// the report renderers: most of a second of CPU). COMMAND_SUMMARIES holds what the program's
// help shows of each command; test/cli/command-summaries.test.ts holds it equal to the commands'
// own registration, so the help reads the same either way. `--help` and `--version` alone are
// answered before commander itself is loaded (help.ts lays the help out as commander does).

import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { COMMAND_MODULES, loadCommands } from './commands/index.js';
import { programHelp, stdoutHelpWidth, type CommandSummary } from './help.js';
import type { CommandContext, RegisterCommand } from './program.js';
import { TOOL_VERSION } from '../src/core/version.js';

export type { CommandContext } from './program.js';

/**
 * Command name → [the arguments its help line shows after the name, its description], in the
 * order of COMMAND_MODULES.
 */
export const COMMAND_SUMMARIES: Readonly<Record<string, CommandSummary>> = {
  scan: ['[options]', 'score every hunk of a change set for AI-generation signals and cross-check it with declared, stamped and recorded evidence'],
  demo: ['[options]', 'build a throwaway repository with human, stamped, declared, undeclared and recorded AI changes, scan it and demonstrate the ledger'],
  keygen: ['[options]', 'create an Ed25519 key pair that signs a ledger (C2SP note key format)'],
  verify: ['[options]', 'verify a ledger offline: canonical entries, seq, hash chain, signatures, bodies, Merkle root and every checkpoint'],
  prove: ['[options] [seq]', 'print an inclusion proof for entry SEQ, or a consistency proof from an older tree size, as JSON'],
  'verify-proof': ['[options] <proof>', 'verify an inclusion or consistency proof written by `trailmark prove`, offline'],
  erase: ['[options]', 'erase a data subject (login, e-mail, name) from the ledger side store, or (--expired) everything past the retention policy; the ledger still verifies'],
  report: ['[options]', 'the attestation-gap report over ledgers for a period (default: the last complete ISO week)'],
  blame: ['[options] <file>', 'show, line by line, the commits and pull requests behind a file and what the ledger recorded about their AI involvement'],
  calibrate: ['[options]', 'set each repository\'s operating point from its own history in the ledgers (bounded; see docs/calibration.md)'],
  drill: ['[options]', 'fire drill: trace one random merged change from its pull request to today\'s code, and record the outcome in the ledger'],
  ledger: ['', 'move a ledger log between the directory store and PostgreSQL, byte for byte'],
  witness: ['[options]', 'witness a ledger: check its latest checkpoint is consistent with the state this witness saw last, cosign it (C2SP cosignature/v1), record the new state'],
  detail: ['', 'the detailed tier on this device: redacted prompts and outputs, encrypted at rest; only their salted commitments leave the machine'],
  hooks: ['', 'install the agent and git hooks that capture AI edits (`trailmark capture`), or take them out'],
  export: ['[options]', 'export the committed capture records of a range: as Agent Trace JSONL (--agent-trace) and/or as git-ai notes under refs/notes/ai (--git-ai-notes)'],
  capture: ['', 'record what an agent or a commit did (run by hooks: always exits 0, errors go to the capture log)'],
  record: ['', 'send captured records to the App\'s collector: register this device, push the spool, show its status'],
};

/** The program with every command registered. */
export async function buildProgram(ctx: CommandContext): Promise<Command> {
  const { buildProgram: build } = await import('./program.js');
  return build(ctx, await loadCommands([]));
}

export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  const quick = quickAnswer(argv);
  if (quick !== undefined) {
    if (io === undefined) process.stdout.write(quick);
    else io.stdout.write(quick);
    return 0;
  }
  const [{ processIo }, { runProgram }, { Help }] = await Promise.all([import('./io.js'), import('./program.js'), import('commander')]);
  const cliIo = io ?? processIo();
  const named = commandNamed(argv);
  if (named !== undefined) return runProgram(argv, await loadCommands([named]), cliIo);
  const defaultHelp = new Help();
  const helpTerm = (cmd: Command): string => {
    const summary = Object.hasOwn(COMMAND_SUMMARIES, cmd.name()) ? COMMAND_SUMMARIES[cmd.name()] : undefined;
    if (summary === undefined) return defaultHelp.subcommandTerm(cmd);
    return summary[0] === '' ? cmd.name() : `${cmd.name()} ${summary[0]}`;
  };
  let dispatched: string | undefined;
  const code = await runProgram(argv, summaryCommands((name) => (dispatched = name)), cliIo, { subcommandTerm: helpTerm });
  // Not reached by any argument list commander accepts (the program has no options of its own
  // that could precede a command name); kept so that a stub never swallows a command.
  if (dispatched !== undefined) return runProgram(argv, await loadCommands([dispatched]), cliIo);
  return code;
}

/**
 * The output of `trailmark --help` (`-h`) or `--version` (`-V`) given alone, exactly as commander
 * prints them; undefined for any other arguments (commander parses those).
 */
function quickAnswer(argv: readonly string[]): string | undefined {
  if (argv.length !== 1) return undefined;
  if (argv[0] === '--version' || argv[0] === '-V') return `${TOOL_VERSION}\n`;
  if (argv[0] === '--help' || argv[0] === '-h') return programHelp(COMMAND_SUMMARIES, stdoutHelpWidth());
  return undefined;
}

/** The command `argv` runs (`trailmark NAME …` or `trailmark help NAME`), if it names one. */
function commandNamed(argv: readonly string[]): string | undefined {
  const [first, second] = argv;
  if (first !== undefined && Object.hasOwn(COMMAND_MODULES, first)) return first;
  if (first === 'help' && second !== undefined && Object.hasOwn(COMMAND_MODULES, second)) return second;
  return undefined;
}

/** A name and a description per command, for help, version and suggestions. */
function summaryCommands(onDispatch: (name: string) => void): RegisterCommand[] {
  return Object.keys(COMMAND_MODULES).map((name) => (program: Command) => {
    program
      .command(name)
      .description(COMMAND_SUMMARIES[name]?.[1] ?? '')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => onDispatch(name));
  });
}
