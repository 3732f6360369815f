// `trailmark erase --ledger DIR --subject VALUE`: erases a person's clear data from the side
// store. Entries keep their salted commitments, so the ledger still verifies; reports show
// `[erased]`. The value is compared literally and never echoed.
//
// `--app-data DIR` (the App's TRAILMARK_DATA_DIR) erases it from every installation ledger there
// and from the logins the App keeps in its own state files: the declaring user of remediations
// (`installations/<id>/pulls.json`) and the user, reviewer or merger of queued and failed jobs
// (`queue.json`, `failed.json`), each replaced by `[erased]`. Stop the App first: its state
// files have one writer. Each file is replaced atomically (temporary file, fsync, rename).
//
// `--database URL --log NAME` (or DATABASE_URL with --log, as `ledger` and `verify` take them)
// erases it from a PostgreSQL log instead: the openings become tombstones and the subject keys
// that opened them are deleted from ledger_subject_keys in the same transaction, so the live
// database, its replicas and any backup or dump taken AFTER the erasure cannot open them. A
// backup taken BEFORE still holds the key wrapped under the current secret: expire such
// backups, or rotate TRAILMARK_SUBJECT_KEK and delete the old secret (docs/erasure.md).
//
// `trailmark erase --expired` applies the policy's `retention:` instead (engine/retention.ts):
// subject openings of entries older than `subjects:` become tombstones, capture records the App
// stored (`--app-data`) older than `records:` are deleted, and each rule that erased something
// appends a signed `retention` entry listing what it erased (so it needs the signing key, unless
// `--dry-run`). Running it again erases and appends nothing.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { parsePolicy } from '../../src/config/policy.js';
import { UsageError } from '../../src/core/errors.js';
import type { Policy } from '../../src/core/policy.js';
import { systemClock, systemRandom, type CaptureRecordStore } from '../../src/core/ports.js';
import { eraseFromLedger, type NoteSigner } from '../../src/engine/ledger.js';
import { applyRetention, type RetentionResult } from '../../src/engine/retention.js';
import { CONFIG_PATH } from '../../src/engine/review.js';
import { appRecordStore } from '../../src/ledger/store/app-records.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { DEFAULT_SCHEMA } from '../../src/ledger/store/postgres.js';
import { describeErasureAtRest, subjectSealingFromEnv } from '../../src/ledger/store/subject-keyring.js';
import { openTarget } from './ledger.js';
import { writeJsonAtomic } from '../../src/ledger/store/json-file.js';
import { loadSigner } from '../../src/ledger/store/key-source.js';
import type { CommandContext } from '../main.js';

interface EraseOptions {
  readonly ledger: string;
  readonly appData?: string;
  readonly subject?: string;
  readonly expired?: boolean;
  readonly config?: string;
  readonly keyFile?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly database?: string;
  readonly log?: string;
  readonly schema: string;
}

/** Version of the `erase --expired --json` document; bumped on any incompatible change. */
export const ERASE_EXPIRED_JSON_SCHEMA = 'trailmark.erase-expired/v1';

export const ERASED = '[erased]';

/** The fields of App state documents that hold a login (app/job.ts, src/core/types.ts Remediation). */
const LOGIN_FIELDS = new Set(['user', 'reviewer', 'mergedBy']);

/** Replaces `value` in LOGIN_FIELDS anywhere in `doc` (in place); returns how many. */
function eraseLogins(doc: unknown, value: string): number {
  if (Array.isArray(doc)) return doc.reduce((n: number, item) => n + eraseLogins(item, value), 0);
  if (typeof doc !== 'object' || doc === null) return 0;
  let n = 0;
  const record = doc as Record<string, unknown>;
  for (const [key, field] of Object.entries(record)) {
    if (LOGIN_FIELDS.has(key) && field === value) {
      record[key] = ERASED;
      n++;
    } else n += eraseLogins(field, value);
  }
  return n;
}

async function eraseInStateFile(path: string, value: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError('BAD_INPUT', `${path} is not JSON`, { cause: err, hint: 'start the App once: it quarantines a corrupt state file, then erase again' });
  }
  const n = eraseLogins(doc, value);
  if (n === 0) return 0;
  await writeJsonAtomic(path, doc);
  return n;
}

interface AppErasure {
  readonly erased: number;
  readonly seqs: number[];
  readonly stateValues: number;
}

async function eraseFromAppData(dataDir: string, value: string): Promise<AppErasure> {
  let erased = 0;
  const seqs: number[] = [];
  let stateValues = 0;
  for (const name of ['queue.json', 'failed.json']) stateValues += await eraseInStateFile(join(dataDir, name), value);
  const installations = join(dataDir, 'installations');
  const ids = existsSync(installations) ? (await readdir(installations)).filter((n) => /^\d+$/.test(n)).sort() : [];
  for (const id of ids) {
    stateValues += await eraseInStateFile(join(installations, id, 'pulls.json'), value);
    const ledgerDir = join(installations, id, 'ledger');
    if (!existsSync(ledgerDir)) continue;
    const result = await eraseFromLedger(openDirStore(ledgerDir), value, systemClock);
    erased += result.erased;
    seqs.push(...result.seqs);
  }
  return { erased, seqs, stateValues };
}

async function readRetentionPolicy(path: string, given: boolean): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError('NOT_FOUND', `cannot read the policy file ${path}`, {
      cause: err,
      hint: given ? 'check the --config path' : `run from the repository root (where ${CONFIG_PATH} is) or pass --config FILE`,
    });
  }
  return parsePolicy(text, { source: path });
}

function describeRetention(results: readonly RetentionResult[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.location}:`);
    for (const r of result.rules) {
      const head = `  ${r.rule} (keep ${r.keep}, older than ${r.olderThan}):`;
      if (r.skipped !== undefined) lines.push(`${head} skipped: ${r.skipped}`);
      else if (r.erased.length === 0) lines.push(`${head} nothing past retention`);
      else {
        const what = r.rule === 'subjects' ? `subject opening(s) committed by entries ${r.seqs.join(', ')}` : 'capture record(s)';
        const verb = dryRun ? 'would erase' : 'erased';
        const entries = dryRun ? '' : r.appended.length === 0 ? '; already listed by an earlier retention entry' : `; recorded in retention entr${r.appended.length === 1 ? 'y' : 'ies'} ${r.appended.join(', ')}`;
        lines.push(`${head} ${verb} ${r.erased.length} ${what}${entries}`);
      }
    }
  }
  if (!dryRun && results.some((res) => res.rules.some((r) => r.erased.length > 0))) lines.push('the entries keep only salted commitments and still verify');
  return `${lines.join('\n')}\n`;
}

async function eraseExpired(opts: EraseOptions, ctx: CommandContext, resolve: (p: string) => string): Promise<void> {
  const configPath = resolve(opts.config ?? CONFIG_PATH);
  const policy = await readRetentionPolicy(configPath, opts.config !== undefined);
  const dryRun = opts.dryRun === true;
  const retention = policy.retention ?? {};
  if (Object.keys(retention).length === 0) {
    if (opts.json === true) ctx.io.stdout.write(`${JSON.stringify({ schema: ERASE_EXPIRED_JSON_SCHEMA, dryRun, ledgers: [] }, null, 2)}\n`);
    else ctx.io.stdout.write(`erased nothing: ${configPath} has no retention rule (everything is kept)\n`);
    return;
  }
  let signer: NoteSigner | undefined;
  if (!dryRun) {
    signer = loadSigner({ env: ctx.io.env, cwd: ctx.io.cwd, ...(opts.keyFile === undefined ? {} : { keyFile: opts.keyFile }) });
    const origin = policy.ledger.origin ?? signer.name;
    if (origin !== signer.name) {
      throw new UsageError('BAD_INPUT', `ledger.origin ${JSON.stringify(origin)} does not match the signing key name ${JSON.stringify(signer.name)}`, { hint: 'the checkpoint origin is the key name: use the key the ledger was written with' });
    }
  }
  const targets: { dir: string; records?: CaptureRecordStore }[] = [];
  if (opts.appData !== undefined) {
    const installations = join(resolve(opts.appData), 'installations');
    const ids = existsSync(installations) ? (await readdir(installations)).filter((n) => /^\d+$/.test(n)).sort() : [];
    for (const id of ids) targets.push({ dir: join(installations, id, 'ledger'), records: appRecordStore(join(installations, id)) });
  } else {
    targets.push({ dir: resolve(opts.ledger) });
  }
  const results: RetentionResult[] = [];
  for (const t of targets) {
    if (!existsSync(t.dir)) {
      if (opts.appData !== undefined) continue;
      throw new UsageError('NOT_FOUND', `no ledger at ${t.dir}`, { hint: 'pass --ledger DIR (default .trailmark/ledger)' });
    }
    results.push(await applyRetention({
      store: openDirStore(t.dir), policy: retention, clock: systemClock, random: systemRandom, policyVersion: policy.version, dryRun,
      ...(signer === undefined ? {} : { signer }), ...(t.records === undefined ? {} : { records: t.records }),
      onRepair: (m) => ctx.io.stderr.write(`trailmark: ledger ${t.dir} repaired on open: ${m}\n`),
    }));
  }
  if (opts.json === true) {
    ctx.io.stdout.write(`${JSON.stringify({ schema: ERASE_EXPIRED_JSON_SCHEMA, dryRun, ledgers: results }, null, 2)}\n`);
    return;
  }
  ctx.io.stdout.write(describeRetention(results, dryRun));
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('erase')
    .description('erase a data subject (login, e-mail, name) from the ledger side store, or (--expired) everything past the retention policy; the ledger still verifies')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .option('--app-data <dir>', "the App's TRAILMARK_DATA_DIR: every installation ledger and the logins in the App's state files (stop the App first)")
    .option('--subject <value>', 'the exact value to erase (case-sensitive)')
    .option('--expired', `erase what is past the policy's retention (retention: in ${CONFIG_PATH}); appends signed retention entries`)
    .option('--config <file>', `policy file for --expired (default: ${CONFIG_PATH} in the current directory)`)
    .option('--key-file <file>', 'ledger signing key file for --expired (default: $TRAILMARK_SIGNING_KEY)')
    .option('--dry-run', 'with --expired: list what would be erased, change nothing')
    .option('--database <url>', 'erase from a log in PostgreSQL instead of a directory (default with --log: $DATABASE_URL)')
    .option('--log <name>', 'log name in the database (the App: installation/<id>)')
    .option('--schema <name>', 'PostgreSQL schema of the ledger tables', DEFAULT_SCHEMA)
    .option('--json', 'machine-readable result')
    .action(async (opts: EraseOptions) => {
      const resolve = (dir: string) => (isAbsolute(dir) ? dir : join(ctx.io.cwd, dir));
      if ((opts.database !== undefined || opts.log !== undefined) && (opts.appData !== undefined || opts.expired === true)) {
        throw new UsageError('USAGE', '--database/--log erase one subject from one log; --app-data and --expired work on directories', { hint: 'trailmark erase --database URL --log NAME --subject VALUE' });
      }
      if (opts.expired === true) {
        if (opts.subject !== undefined) throw new UsageError('USAGE', '--expired and --subject cannot be combined', { hint: 'erase one subject with --subject VALUE, or what retention expired with --expired' });
        return eraseExpired(opts, ctx, resolve);
      }
      if (opts.dryRun === true || opts.config !== undefined || opts.keyFile !== undefined) throw new UsageError('USAGE', '--dry-run, --config and --key-file go with --expired', { hint: 'trailmark erase --expired [--config FILE] [--dry-run]' });
      if (opts.subject === undefined) throw new UsageError('USAGE', 'erase needs --subject VALUE or --expired', { hint: 'trailmark erase --subject LOGIN, or trailmark erase --expired to apply the retention policy' });
      if (opts.subject === '') throw new UsageError('BAD_INPUT', 'empty --subject', { hint: 'pass the exact login, e-mail or name to erase' });
      const subject = opts.subject;
      const inDatabase = opts.database !== undefined || opts.log !== undefined;
      let result: Awaited<ReturnType<typeof eraseFromLedger>>;
      let stateValues: number | undefined;
      if (opts.appData !== undefined) {
        const app = await eraseFromAppData(resolve(opts.appData), subject);
        result = app;
        stateValues = app.stateValues;
      } else if (inDatabase) {
        const opened = await openTarget({ ...(opts.database === undefined ? {} : { database: opts.database }), ...(opts.log === undefined ? {} : { log: opts.log }), schema: opts.schema }, ctx, 'read');
        try {
          result = await eraseFromLedger(opened.store, subject, systemClock);
        } finally {
          await opened.close();
        }
      } else {
        result = await eraseFromLedger(openDirStore(resolve(opts.ledger), { subjectSealing: subjectSealingFromEnv(ctx.io.env) ?? null }), subject, systemClock);
      }
      const atRest = result.atRest;
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({ erased: result.erased, seqs: result.seqs, ...(stateValues === undefined ? {} : { appState: stateValues }), ...(atRest === undefined ? {} : { subjectsAtRest: atRest }) }, null, 2)}\n`);
        return;
      }
      if (result.erased === 0) {
        ctx.io.stdout.write('erased nothing: no side-store record holds that value (already erased, never recorded, or spelled differently)\n');
      } else {
        ctx.io.stdout.write(`erased ${result.erased} record(s) referenced by entries ${result.seqs.join(', ')}; the entries keep only salted commitments and still verify\n`);
      }
      if (stateValues !== undefined) ctx.io.stdout.write(`erased ${stateValues} login(s) from the App's state files\n`);
      if (atRest !== undefined) for (const line of describeErasureAtRest(atRest, result.erased, inDatabase)) ctx.io.stdout.write(`${line}\n`);
    });
}
