// The registry of subcommands. Each module exports `register(program, ctx)` and is loaded only
// when it runs: `trailmark scan …` imports the scanner, not the report renderers, the hooks'
// installers or the collector client (each command's start then costs only what it uses).
import type { RegisterCommand } from '../program.js';

export type { RegisterCommand } from '../program.js';

type CommandModule = () => Promise<{ readonly register: RegisterCommand }>;

/** Command name → its module, in the order `trailmark --help` lists them. */
export const COMMAND_MODULES: Readonly<Record<string, CommandModule>> = {
  scan: () => import('./scan.js'),
  demo: () => import('./demo.js'),
  keygen: () => import('./keygen.js'),
  verify: () => import('./verify.js'),
  prove: () => import('./prove.js'),
  'verify-proof': () => import('./verify-proof.js'),
  erase: () => import('./erase.js'),
  report: () => import('./report.js'),
  blame: () => import('./blame.js'),
  calibrate: () => import('./calibrate.js'),
  drill: () => import('./drill.js'),
  ledger: () => import('./ledger.js'),
  witness: () => import('./witness.js'),
  detail: () => import('./detail.js'),
  hooks: () => import('./hooks.js'),
  export: () => import('./export.js'),
  capture: () => import('./capture.js'),
  record: () => import('./record.js'),
};

/**
 * The commands `argv` needs: the one it names, or every command when it names none or an unknown
 * one (the program's help, version and "did you mean" then see them all).
 */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const first = argv[0];
  const only = first === undefined ? undefined : Object.hasOwn(COMMAND_MODULES, first) ? COMMAND_MODULES[first] : undefined;
  const modules = only === undefined ? Object.values(COMMAND_MODULES) : [only];
  return Promise.all(modules.map(async (load) => (await load()).register));
}
