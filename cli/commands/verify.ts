// `trailmark verify --ledger DIR --key PUB...`: offline verification of a ledger directory.
// Exit 0 when it verifies, 1 with the first bad seq and what is wrong, 2 on usage errors.
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { isEmptyLedger, parseWitnessKeys, verifyLedger, type LedgerVerification, type Repair, type TrustedInput, type VerifyReport } from '../../src/engine/ledger.js';
import { printable } from '../../src/core/errors.js';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import { loadVerifiers } from '../../src/ledger/store/key-source.js';
import { DEFAULT_SCHEMA } from '../../src/ledger/store/postgres.js';
import { subjectSealingForReading, subjectsAtRestOf, type SubjectsAtRestReport } from '../../src/ledger/store/subject-keyring.js';
import { EXIT_INTEGRITY, EXIT_OK } from '../io.js';
import type { CommandContext } from '../main.js';
import { openTarget } from './ledger.js';
import { isAbsolute, join } from 'node:path';

interface VerifyOptions {
  readonly ledger: string;
  readonly key: string[];
  readonly json?: boolean;
  readonly repair?: boolean;
  readonly trusted?: string;
  readonly trustedSize?: string;
  readonly trustedRoot?: string;
  readonly saveTrusted?: string;
  readonly witness: string[];
  readonly minWitnesses?: string;
  readonly threads?: string;
  readonly database?: string;
  readonly log?: string;
  readonly schema: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const HINTS: Readonly<Partial<Record<string, string>>> = {
  UNKNOWN_KEY: 'pass every key the ledger was signed with (--key is repeatable, for rotated keys)',
  TRUNCATED: 'an interrupted append leaves a partial line: `trailmark verify --repair` removes it; missing committed entries (or a log smaller than your trusted state: a rollback) need a backup',
  BAD_CHECKPOINT: 'the checkpoint history (checkpoint, checkpoints/<size>) is damaged or incomplete: restore it from a backup or a published copy; never delete checkpoints',
  ROOT_MISMATCH: 'the entries differ from what the checkpoint signed: the log was altered; compare with a backup or an external copy of the checkpoint',
};

function renderTrust(v: LedgerVerification): string {
  let out = '';
  const t = v.trust;
  if (!t.pinned) out += `note: ${t.message}\n`;
  else if (t.consistent) out += `trusted: consistent with the trusted state (size ${t.trustedSize}) up to checkpoint size ${t.checkpointSize}: no rollback or rewrite since (${t.proof.length}-hash consistency proof)\n`;
  const w = v.witnesses;
  for (const c of w.cosignatures) out += `witness: ${c.key} ${c.valid ? 'cosigned' : 'INVALID cosignature on'} the latest checkpoint${c.time === null ? '' : ` at ${new Date(c.time * 1000).toISOString()}`}\n`;
  if (w.required > 0) out += `witnesses: ${w.cosignatures.filter((c) => c.valid).length} valid of ${w.required} required\n`;
  if (w.unknown.length > 0) out += `note: the latest checkpoint also carries signatures by keys not given (${w.unknown.map((k) => printable(k)).join(', ')}): pass witness keys with --witness to check them\n`;
  return out;
}

function render(dir: string, report: VerifyReport, repairs: readonly Repair[]): string {
  let out = '';
  for (const r of repairs) out += `repaired: ${r.message}\n`;
  if (report.ok) {
    const cp = report.checkpoint;
    out += `ok: ${dir} verifies: ${report.entries} entries, origin ${report.origin ?? '(none)'}`;
    out += cp === null ? ', no checkpoint yet\n' : `, checkpoint size ${cp.size} root ${cp.root} (${report.checkpoints} checkpoint${report.checkpoints === 1 ? '' : 's'} consistent)\n`;
    const keys = Object.entries(report.keys);
    if (keys.length > 0) out += `keys: ${keys.map(([k, n]) => `${k} (${n})`).join(', ')}\n`;
    const kinds = Object.entries(report.kinds);
    if (kinds.length > 0) out += `kinds: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}\n`;
  } else {
    out += `FAILED: ${dir} does not verify\n`;
    for (const p of report.problems) out += `  ${p.seq === null ? '' : `seq ${p.seq}: `}${p.code} at ${p.location}: ${p.message}\n`;
    const hint = HINTS[report.problems[0]!.code];
    if (hint !== undefined) out += `hint: ${hint}\n`;
  }
  for (const w of report.warnings) out += `warning: ${w}\n`;
  return out;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .description('verify a ledger offline: canonical entries, seq, hash chain, signatures, bodies, Merkle root and every checkpoint')
    .option('--ledger <dir>', 'ledger directory', DEFAULT_LEDGER_DIR)
    .option('--key <pub>', 'trusted verifier key, or a file holding keys (repeatable)', collect, [])
    .option('--json', 'machine-readable report')
    .option('--repair', 'first remove what ONE interrupted append left behind (takes the writer lock); refuses, with exit 1, anything that may be committed')
    .option('--trusted <file>', 'a checkpoint you kept from an earlier verification: prove the ledger still extends it (detects rollback and rewrite)')
    .option('--trusted-size <n>', 'tree size of a state you trust (with --trusted-root)')
    .option('--trusted-root <root>', 'root hash of that state: base64 (checkpoint line 3) or 64 hex digits (as verify prints it)')
    .option('--save-trusted <file>', 'after a successful verification, write the latest checkpoint there (use it as --trusted next time)')
    .option('--witness <key>', 'witness cosignature key (cosignature/v1, from `trailmark keygen --witness`), or a file of keys (repeatable)', collect, [])
    .option('--min-witnesses <n>', 'valid cosignatures required from the --witness keys on the latest checkpoint (default 1 with --witness)')
    .option('--database <url>', 'verify a log in PostgreSQL instead of a directory (default with --log: $DATABASE_URL)')
    .option('--log <name>', 'log name in the database (the App: installation/<id>)')
    .option('--schema <name>', 'PostgreSQL schema of the ledger tables', DEFAULT_SCHEMA)
    .option('--threads <n>', 'worker threads checking signatures on ledgers past 8,192 entries (default 1: one thread; on our 2-core measurements workers were not faster)')
    .addHelpText(
      'after',
      '\nWithout --trusted (or --trusted-size/--trusted-root) verify cannot exclude a rollback: a log cut back\n' +
        'to an earlier size, with its later checkpoints removed, is still self-consistent. Keep the checkpoint\n' +
        '(--save-trusted FILE) and pass it as --trusted FILE next time.\n',
    )
    .action(async (opts: VerifyOptions) => {
      const dir = isAbsolute(opts.ledger) ? opts.ledger : join(ctx.io.cwd, opts.ledger);
      const keys = loadVerifiers(opts.key, ctx.io.cwd);
      const trusted = trustedInput(opts, ctx.io.cwd);
      const witnesses = parseWitnessKeys(opts.witness.flatMap((w) => keyTexts(w, ctx.io.cwd)));
      let minWitnesses: number | undefined;
      if (opts.minWitnesses !== undefined) {
        if (!/^[0-9]+$/.test(opts.minWitnesses)) throw new UsageError('BAD_INPUT', `--min-witnesses ${JSON.stringify(opts.minWitnesses)} is not a non-negative integer`, { hint: 'e.g. --min-witnesses 2' });
        if (witnesses.length === 0) throw new UsageError('USAGE', '--min-witnesses needs witness keys', { hint: 'pass each witness key with --witness KEY' });
        minWitnesses = Number(opts.minWitnesses);
      }
      let threads: number | undefined;
      if (opts.threads !== undefined) {
        if (!/^[0-9]+$/.test(opts.threads) || Number(opts.threads) < 1 || Number(opts.threads) > 256) {
          throw new UsageError('BAD_INPUT', `--threads ${JSON.stringify(opts.threads)} is not a whole number from 1 to 256`, { hint: 'e.g. --threads 2; --threads 1 verifies on one thread' });
        }
        threads = Number(opts.threads);
      }
      // A database log (--database/--log, or DATABASE_URL with --log) or the directory: the same
      // verifier checks both, as they hold the same bytes (docs/ledger-format.md §8.4).
      const inDatabase = opts.database !== undefined || opts.log !== undefined;
      // The subject secret only tells, after verification, whether sealed openings still open
      // (docs/erasure.md); an unusable one is reported, never fatal: verify needs no secret.
      const reading = subjectSealingForReading(ctx.io.env);
      const opened = inDatabase
        ? await openTarget({ ...(opts.database === undefined ? {} : { database: opts.database }), ...(opts.log === undefined ? {} : { log: opts.log }), schema: opts.schema }, ctx, 'read', reading.sealing)
        : { store: openDirStore(dir, { subjectSealing: reading.sealing }), name: opts.ledger, close: () => Promise.resolve() };
      const store = opened.store;
      let v: Awaited<ReturnType<typeof verifyLedger>>;
      let atRest: SubjectsAtRestReport | null = null;
      const subjectWarnings: string[] = reading.problem === null ? [] : [reading.problem];
      try {
        if (await isEmptyLedger(store)) {
          throw new UsageError('NOT_FOUND', `${opened.name} holds no ledger (no entries, no checkpoint)`, { hint: inDatabase ? 'check --log and --schema' : 'pass --ledger DIR pointing at a ledger directory (it holds entries.jsonl and checkpoint)' });
        }
        v = await verifyLedger(store, keys, { repair: opts.repair === true, ...(trusted === undefined ? {} : { trusted }), witnesses, ...(minWitnesses === undefined ? {} : { minWitnesses }), ...(threads === undefined ? {} : { threads }) });
        // How the side store keeps openings: a warning, never a verification failure (the
        // openings are not part of what is signed).
        try {
          atRest = await subjectsAtRestOf(store);
          if (atRest !== null && atRest.warning !== null) subjectWarnings.unshift(atRest.warning);
        } catch (err) {
          subjectWarnings.push(`subject openings: the side store could not be read (${err instanceof Error ? err.message : String(err)})`);
        }
      } finally {
        await opened.close();
      }
      const { repairs, report } = v;
      let saved: string | null = null;
      if (report.ok && opts.saveTrusted !== undefined && v.latest !== null) {
        saved = isAbsolute(opts.saveTrusted) ? opts.saveTrusted : join(ctx.io.cwd, opts.saveTrusted);
        // Write then rename: the kept state is the old one or the new one, never a torn mix.
        const tmp = `${saved}.tmp-${process.pid}`;
        try {
          writeFileSync(tmp, v.latest);
          renameSync(tmp, saved);
        } catch (err) {
          throw new UsageError('BAD_INPUT', `cannot write ${opts.saveTrusted}`, { cause: err, hint: 'check the directory exists and is writable; the ledger itself verified' });
        }
      }
      if (opts.json === true) {
        const { ok, origin, entries, checkpoint, checkpoints, uncommitted, tornBytes, kinds, keys: byKey, problems, warnings } = report;
        const doc = { ok, ledger: opened.name, origin, entries, checkpoint, checkpoints, uncommitted, tornBytes, kinds, keys: byKey, problems, warnings, repairs, trust: v.trust, witnesses: v.witnesses, subjectsAtRest: atRest, subjectWarnings };
        ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        let out = render(opened.name, report, repairs) + renderTrust(v);
        for (const w of subjectWarnings) out += `warning: ${w}\n`;
        if (saved !== null) out += `saved the latest checkpoint to ${opts.saveTrusted}: pass it as --trusted next time\n`;
        (report.ok ? ctx.io.stdout : ctx.io.stderr).write(out);
      }
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_INTEGRITY;
    });
}

function readArg(path: string, cwd: string, what: string): string {
  const full = isAbsolute(path) ? path : join(cwd, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    throw new UsageError('NOT_FOUND', `cannot read ${what} ${path}`, { cause: err, hint: 'check the path' });
  }
}

/** A key given as text, or a file of keys (one per line, # comments). */
function keyTexts(value: string, cwd: string): string[] {
  const full = isAbsolute(value) ? value : join(cwd, value);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch {
    return [value];
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function trustedInput(opts: VerifyOptions, cwd: string): TrustedInput | undefined {
  const pair = opts.trustedSize !== undefined || opts.trustedRoot !== undefined;
  if (opts.trusted !== undefined && pair) throw new UsageError('USAGE', '--trusted and --trusted-size/--trusted-root are alternatives', { hint: 'pass a kept checkpoint file, or a size and root' });
  if (opts.trusted !== undefined) return { checkpoint: readArg(opts.trusted, cwd, 'trusted checkpoint') };
  if (!pair) return undefined;
  if (opts.trustedSize === undefined || opts.trustedRoot === undefined) throw new UsageError('USAGE', '--trusted-size and --trusted-root go together', { hint: 'pass both, e.g. --trusted-size 12 --trusted-root <base64 root>' });
  return { size: opts.trustedSize, root: opts.trustedRoot };
}
