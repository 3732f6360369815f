// The command registry (cli/commands/index.ts): each command is loaded only when it runs, and the
// program's help and suggestions still see every command.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, loadCommands } from '../../cli/commands/index.js';
import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (s: string) => { out += s; return true; }, isTTY: false },
    stderr: { write: (s: string) => { err += s; return true; }, isTTY: false },
    env: {}, cwd: tmpdir(), readStdin: () => Promise.resolve(Buffer.alloc(0)),
  };
  return { io, out: () => out, err: () => err };
}

/** The names the given registrations put on a program. */
function registered(commands: Awaited<ReturnType<typeof loadCommands>>): string[] {
  const program = new Command();
  for (const register of commands) register(program, { io: capture().io, exitCode: 0 });
  return program.commands.map((c) => c.name());
}

describe('command registry', () => {
  it('every module under cli/commands is in the registry, under the name it registers', async () => {
    const files = readdirSync(join(import.meta.dirname, '../../cli/commands')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3)).sort();
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual(files);
    for (const name of Object.keys(COMMAND_MODULES)) expect(registered(await loadCommands([name]))).toEqual([name]);
  });

  it('no command, an option first or an unknown name loads every command', async () => {
    const all = Object.keys(COMMAND_MODULES);
    expect(registered(await loadCommands([]))).toEqual(all);
    expect(registered(await loadCommands(['--help']))).toEqual(all);
    expect(registered(await loadCommands(['scna']))).toEqual(all);
    expect(registered(await loadCommands(['toString']))).toEqual(all);
  });

  it('help lists every command; a misspelt command gets a suggestion and exit 2', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    for (const name of Object.keys(COMMAND_MODULES)) expect(help.out()).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    const typo = capture();
    expect(await main(['scna'], typo.io)).toBe(2);
    expect(typo.err()).toContain('scan');
  });
});
