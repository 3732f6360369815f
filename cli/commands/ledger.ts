// `trailmark ledger export|import`: move one ledger log between the directory store and
// PostgreSQL byte for byte (entries, every checkpoint of the history, subjects), through one
// portable file, so that the same verifier checks both. See src/engine/ledger-transfer.ts and
// docs/ledger-format.md ("PostgreSQL store", "Moving a log between stores").
//
//   trailmark ledger export (--ledger DIR | --database URL --log NAME) --output FILE
//   trailmark ledger import --input FILE (--ledger DIR | --database URL --log NAME)
import { createReadStream, existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { checkExport, exportLog, importLog, type TransferSummary } from '../../src/engine/ledger-transfer.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { DEFAULT_SCHEMA, openPostgresStore } from '../../src/ledger/store/postgres.js';
import { acceptedKeks, dirSubjectKeyring, postgresSubjectKeyring, subjectSealingFromEnv, type SubjectKeyringAccess, type SubjectSealing } from '../../src/ledger/store/subject-keyring.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import { connectPostgres, type PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import type { LedgerStore } from '../../src/engine/ledger.js';
import type { CommandContext } from '../main.js';

export interface Target {
  readonly ledger?: string;
  readonly database?: string;
  readonly log?: string;
  readonly schema: string;
  readonly json?: boolean;
}

interface ExportOptions extends Target {
  readonly output: string;
}

interface ImportOptions extends Target {
  readonly input: string;
}

/** JSON output version of both subcommands. */
const JSON_VERSION = 1;

export interface Opened {
  readonly store: LedgerStore;
  readonly name: string;
  /** The subject keyring as stored (wrapped keys), for export and import. */
  readonly keyring: SubjectKeyringAccess;
  close(): Promise<void>;
}

/**
 * Opens a directory ledger or a database log. `sealing` is the subject sealing of the store
 * (docs/erasure.md): by default TRAILMARK_SUBJECT_KEK of the command's environment; `null` reads
 * and writes subject records as stored (an export carries them sealed).
 */
export async function openTarget(o: Target, ctx: CommandContext, mode: 'read' | 'create', sealing: SubjectSealing | null = subjectSealingFromEnv(ctx.io.env) ?? null): Promise<Opened> {
  const resolve = (p: string) => (isAbsolute(p) ? p : join(ctx.io.cwd, p));
  // A URL on the command line is visible to every user of the host (ps): DATABASE_URL, as the
  // App reads it, keeps a password off it. It applies when --log names a database log.
  const envUrl = ctx.io.env.DATABASE_URL;
  const database = o.database ?? (o.log !== undefined && o.ledger === undefined && envUrl !== undefined && envUrl !== '' ? envUrl : undefined);
  if (database !== undefined) {
    if (o.ledger !== undefined) throw new UsageError('USAGE', '--ledger and --database are exclusive', { hint: 'pass one store: a ledger directory or a database' });
    if (o.log === undefined) throw new UsageError('USAGE', '--database needs --log NAME', { hint: 'the App names its logs installation/<id>' });
    const conn: PostgresConnection = connectPostgres(database, { max: 2, applicationName: 'trailmark-cli' });
    try {
      if (mode === 'create') await migrate(conn, { schema: o.schema });
      const store = await openPostgresStore(conn, { log: o.log, schema: o.schema, create: mode === 'create', subjectSealing: sealing });
      return { store, name: o.log, keyring: postgresSubjectKeyring(store, sealing), close: () => conn.end() };
    } catch (err) {
      await conn.end().catch(() => undefined);
      throw err;
    }
  }
  if (o.log !== undefined) throw new UsageError('USAGE', '--log names a log in a database', { hint: 'pass --database URL or set DATABASE_URL; a ledger directory holds one log' });
  const dir = resolve(o.ledger ?? DEFAULT_LEDGER_DIR);
  if (mode === 'create' && existsSync(join(dir, 'entries.jsonl'))) {
    throw new UsageError('BAD_INPUT', `${o.ledger ?? DEFAULT_LEDGER_DIR} already holds a ledger: import only into a new ledger`, { hint: 'pass a new --ledger directory' });
  }
  return { store: openDirStore(dir, { create: mode === 'create', subjectSealing: sealing }), name: o.ledger ?? DEFAULT_LEDGER_DIR, keyring: dirSubjectKeyring(dir, sealing), close: () => Promise.resolve() };
}

function summaryText(verb: string, where: string, s: TransferSummary): string {
  const keys = s.subjectKeys === 0 ? '' : ` (sealed, with ${s.subjectKeys} wrapped subject key${s.subjectKeys === 1 ? '' : 's'})`;
  let out = `${verb} ${s.entries} entries, ${s.checkpoints} checkpoint${s.checkpoints === 1 ? '' : 's'}, ${s.subjects} subject record${s.subjects === 1 ? '' : 's'}${keys} ${where} (sha256 ${s.sha256})\n`;
  for (const w of [...s.warnings, ...s.subjectWarnings]) out += `warning: ${w}\n`;
  return out;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--ledger <dir>', `ledger directory (default ${DEFAULT_LEDGER_DIR})`)
    .option('--database <url>', 'PostgreSQL URL, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (default with --log: $DATABASE_URL)')
    .option('--log <name>', 'log name in the database (the App: installation/<id>)')
    .option('--schema <name>', 'PostgreSQL schema of the ledger tables', DEFAULT_SCHEMA)
    .option('--json', 'machine-readable result');
}

export function register(program: Command, ctx: CommandContext): void {
  const ledger = program.command('ledger').description('move a ledger log between the directory store and PostgreSQL, byte for byte');

  storeOptions(ledger.command('export').description('write one log (entries, every checkpoint, subjects) to a portable file'))
    .requiredOption('--output <file>', 'the export file to create (never overwritten)')
    .action(async (opts: ExportOptions) => {
      const output = isAbsolute(opts.output) ? opts.output : join(ctx.io.cwd, opts.output);
      if (existsSync(output)) throw new UsageError('BAD_INPUT', `${opts.output} already exists`, { hint: 'pass a new --output file' });
      // Without sealing: subject records are read as stored, and travel sealed with their
      // wrapped keys; nothing is unwrapped, so the export needs no secret (docs/erasure.md).
      const source = await openTarget(opts, ctx, 'read', null);
      // Temporary file + fsync + rename: a failed export never leaves a file that looks complete.
      const tmp = `${output}.tmp-${process.pid}`;
      let summary: TransferSummary;
      try {
        const fh = await open(tmp, 'wx', 0o600);
        try {
          summary = await exportLog(source.store, async (chunk) => void (await fh.write(chunk)), source.keyring);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, output);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      } finally {
        await source.close();
      }
      if (opts.json === true) ctx.io.stdout.write(`${JSON.stringify({ version: JSON_VERSION, command: 'ledger export', source: source.name, output: opts.output, ...summary }, null, 2)}\n`);
      else ctx.io.stdout.write(summaryText('exported', `from ${source.name} to ${opts.output}`, summary));
    });

  storeOptions(ledger.command('import').description('create a log from an export file (the target must be new or empty)'))
    .requiredOption('--input <file>', 'a file written by `trailmark ledger export`')
    .action(async (opts: ImportOptions) => {
      const input = isAbsolute(opts.input) ? opts.input : join(ctx.io.cwd, opts.input);
      if (!existsSync(input)) throw new UsageError('NOT_FOUND', `no file ${opts.input}`, { hint: 'pass --input FILE written by `trailmark ledger export`' });
      const read = () => createReadStream(input, { highWaterMark: 1 << 20 });
      // Check the whole file before creating anything: a bad file, or subject keys wrapped
      // under a secret this environment does not hold, leaves no empty ledger behind.
      const sealing = subjectSealingFromEnv(ctx.io.env) ?? null;
      await checkExport(read(), acceptedKeks(sealing), opts.log ?? opts.ledger ?? DEFAULT_LEDGER_DIR);
      const target = await openTarget(opts, ctx, 'create', sealing);
      let summary: TransferSummary;
      try {
        summary = await importLog(target.store, read, target.keyring);
      } finally {
        await target.close();
      }
      if (opts.json === true) ctx.io.stdout.write(`${JSON.stringify({ version: JSON_VERSION, command: 'ledger import', input: opts.input, target: target.name, ...summary }, null, 2)}\n`);
      else ctx.io.stdout.write(summaryText('imported', `from ${opts.input} into ${target.name}`, summary));
    });
}
