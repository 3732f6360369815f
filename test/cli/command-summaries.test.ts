// cli/main.ts answers `--help`, `--version` and misspelt names from COMMAND_SUMMARIES without
// loading the commands: the summaries must say exactly what the commands register.
import { tmpdir } from 'node:os';
import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, loadCommands } from '../../cli/commands/index.js';
import { COMMAND_SUMMARIES, buildProgram, main } from '../../cli/main.js';
import { programHelp } from '../../cli/help.js';
import { runProgram } from '../../cli/program.js';
import type { CliIo } from '../../cli/io.js';

function capture(): { io: CliIo; out: () => string } {
  let out = '';
  const io: CliIo = {
    stdout: { write: (s: string) => { out += s; return true; }, isTTY: false },
    stderr: { write: () => true, isTTY: false },
    env: {}, cwd: tmpdir(), readStdin: () => Promise.resolve(Buffer.alloc(0)),
  };
  return { io, out: () => out };
}

describe('command summaries', () => {
  it('name, help line and description of every command match its registration', async () => {
    expect(Object.keys(COMMAND_SUMMARIES)).toEqual(Object.keys(COMMAND_MODULES));
    const help = new Help();
    for (const name of Object.keys(COMMAND_MODULES)) {
      const program = new Command();
      for (const register of await loadCommands([name])) register(program, { io: capture().io, exitCode: 0 });
      const cmd = program.commands[0]!;
      const [args, description] = COMMAND_SUMMARIES[name]!;
      expect(help.subcommandTerm(cmd)).toBe(args === '' ? name : `${name} ${args}`);
      expect(cmd.description()).toBe(description);
    }
  });

  it('help without the commands loaded reads exactly as with all of them', async () => {
    const full = capture();
    expect(await runProgram(['--help'], await loadCommands([]), full.io)).toBe(0);
    const fast = capture();
    expect(await main(['--help'], fast.io)).toBe(0);
    expect(fast.out()).toBe(full.out());
    expect(fast.out()).toContain('verify-proof [options] <proof>');
    const version = capture();
    expect(await main(['--version'], version.io)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('help and version given alone (answered without commander) read exactly as commander prints them', async () => {
    for (const [fast, full] of [[['-h'], ['--help']], [['-V'], ['--version']], [['--version'], ['--version']]] as const) {
      const expected = capture();
      expect(await runProgram(full, await loadCommands([]), expected.io)).toBe(0);
      const got = capture();
      expect(await main(fast, got.io)).toBe(0);
      expect(got.out(), fast[0]).toBe(expected.out());
    }
  });

  it.each([20, 45, 60, 79, 80, 100, 132, 250])('lays the help out as commander does at %i columns', async (width) => {
    const program = await buildProgram({ io: capture().io, exitCode: 0 });
    program.configureOutput({ getOutHelpWidth: () => width });
    const expected = program.helpInformation();
    expect(expected).toContain('verify-proof [options] <proof>');
    expect(programHelp(COMMAND_SUMMARIES, width)).toBe(expected);
  });

  it('help NAME shows the command’s own options', async () => {
    const out = capture();
    expect(await main(['help', 'scan'], out.io)).toBe(0);
    expect(out.out()).toContain('--base <ref>');
  });
});
