// The App's main flows in its PostgreSQL mode (DATABASE_URL): webhook -> queue -> engine ->
// ledger in the database -> check run, over mocked GitHub; the delivery ids, pull-request state
// and ledgers in the database, shared by two App processes (replicas) on one database.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import {
  INSTALLATION, OWNER, REPO, addedFile, ledgerKey, capturingLog, createCheck, getPull, mockToken, noConfig, prCommits, prFiles, recorded, restCommit, type FileSpec,
} from '../app/harness.js';
import { openPostgresStore, type SqlClient, type SqlRow } from '../../src/ledger/store/postgres.js';
import { MIGRATIONS } from '../../src/ledger/store/postgres-migrations.js';
import { pgliteClient, realServer } from '../support/postgres.js';
import { ledgerViews } from '../../app/access-views.js';
import { pgInstallationStores } from '../../app/pg/ledgers.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import { fixedClock } from '../ledger/fixtures.js';
import { pgLedger, queueSettled, serverMissing, startPgApp, testDatabase } from './harness.js';

interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: { head: { sha: string }; base: { sha: string }; draft: boolean };
}
interface CheckBody {
  head_sha: string;
  conclusion: string;
  output: { summary: string };
}

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const HEAD2 = '1111111111111111111111111111111111111111';
const FILES = [addedFile('src/lib/a.ts', 'export const a = 1;\n')];

process.stdout.write(`app-pg: ${serverMissing === undefined ? 'real PostgreSQL server' : 'PGlite'}\n`);

let gh: NockGitHub | undefined;
afterEach(() => {
  gh = undefined;
});

/** GitHub with `tokens` installation tokens and `expectations`; `verify` checks both were consumed. */
function github(tokens: number, ...expectations: (Expectation | Expectation[])[]): { verify(): void } {
  gh = new NockGitHub();
  const tokenScopes = Array.from({ length: tokens }, () => mockToken());
  gh.expect(...expectations.flat());
  const mock = gh;
  return {
    verify: () => {
      const pending = tokenScopes.flatMap((t) => t.pendingMocks());
      mock.verify();
      expect(pending).toEqual([]);
    },
  };
}

function pullRequestEvent(action: string, head = HEAD): PullRequestPayload {
  const p = recorded<PullRequestPayload>('pull_request', action);
  p.pull_request.head.sha = head;
  p.pull_request.base.sha = BASE;
  p.pull_request.draft = false;
  return p;
}

function analysis(head: string, files: readonly FileSpec[], capture: (b: unknown) => void): Expectation[] {
  return [getPull({ number: 2, base: BASE, head }), ...noConfig(), ...prFiles(2, files), ...prCommits(2, [restCommit(head, BASE)]), ...createCheck(capture, head)];
}

const analyzedHeads = (entries: readonly { entry: { kind: string; body: unknown } }[]) =>
  entries.filter((e) => e.entry.kind === 'change.analyzed').map((e) => (e.entry.body as { head: string }).head);

/** Files of the data directory, relative, sorted (what the App still keeps on disk). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

test('pull request opened: check run, and the signed ledger, delivery id and pull-request state in the database, not on disk', async () => {
  const db = await testDatabase();
  const h = await startPgApp(db);
  const checks: CheckBody[] = [];
  const mock = github(1, analysis(HEAD, FILES, (b) => checks.push(b as CheckBody)));
  await h.receive('pull_request', pullRequestEvent('opened'), 'd-opened');
  await h.app.drain();
  mock.verify();
  expect(checks.map((c) => [c.head_sha, c.conclusion])).toEqual([[HEAD, 'success']]);
  const { report, entries } = await pgLedger(db);
  expect(report.ok).toBe(true);
  expect(analyzedHeads(entries)).toEqual([HEAD]);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
  // The check-run summary carries the checkpoint of the database ledger.
  expect(checks[0]!.output.summary).toContain(`\n${entries.length}\n`);
  const deliveries = await db.sql.query<{ id: string; queued: boolean }>(`SELECT id, queued FROM "${db.schema}".app_deliveries`);
  expect(deliveries.rows).toEqual([{ id: 'd-opened', queued: true }]);
  const documents = await db.sql.query<{ name: string }>(`SELECT name FROM "${db.schema}".app_documents ORDER BY name`);
  expect(documents.rows.map((r) => r.name)).toEqual([`installations/${INSTALLATION}/appended-jobs.json`, `installations/${INSTALLATION}/pulls.json`]);
  // On disk: the file queue only (queue-factory.ts; the PostgreSQL queue replaces it).
  expect(filesUnder(h.dataDir).filter((f) => !/^(queue|failed)\.json$/.test(f))).toEqual([]);
});

test('the query views read the database ledger (the dashboard\'s and the report endpoint\'s source)', async () => {
  const db = await testDatabase();
  const h = await startPgApp(db);
  const mock = github(1, analysis(HEAD, FILES, () => undefined));
  await h.receive('pull_request', pullRequestEvent('opened'), 'd-views');
  await h.app.drain();
  mock.verify();
  const stores = pgInstallationStores(db.sql, db.schema);
  const views = ledgerViews(parseSignerKey(ledgerKey.signerKey), fixedClock(), (l) => stores.open(l.installationId, true));
  // The fixed clock's week (2026-01-02 is in 2026-W01); a ledger directory that does not exist, to show it is not read.
  const req = { ledgers: [{ installationId: INSTALLATION, dir: join(h.dataDir, 'nowhere') }], repositories: [`${OWNER}/${REPO}`], week: '2026-W01' };
  const report = await views.report(req, 'json');
  expect(report.results).toBeGreaterThan(0);
  expect(report.body).toContain('src/lib/a.ts');
  const empty = await ledgerViews(parseSignerKey(ledgerKey.signerKey), fixedClock()).report(req, 'json');
  expect(empty.results).toBe(0);
});

test('a redelivery is not analyzed twice, by the same process, a restarted one, or another replica with its own disk', async () => {
  const db = await testDatabase();
  const h = await startPgApp(db);
  const mock = github(1, analysis(HEAD, FILES, () => undefined));
  const payload = pullRequestEvent('opened');
  await h.receive('pull_request', payload, 'same-delivery');
  await h.app.drain();
  await h.receive('pull_request', payload, 'same-delivery');
  await h.app.drain();
  const other = await startPgApp(db);
  await other.receive('pull_request', payload, 'same-delivery');
  await other.app.drain();
  const restarted = await startPgApp(db, { dataDir: h.dataDir });
  await restarted.receive('pull_request', payload, 'same-delivery');
  await restarted.app.drain();
  mock.verify();
  expect(analyzedHeads((await pgLedger(db)).entries)).toEqual([HEAD]);
});

test('restart with queued work: the restarted process analyzes the newest head and appends to the database ledger', async () => {
  const db = await testDatabase();
  const paused = await startPgApp(db, { concurrency: 0 });
  await paused.receive('pull_request', pullRequestEvent('opened'), 'd-1');
  await paused.receive('pull_request', pullRequestEvent('synchronize', HEAD2), 'd-2');
  await paused.app.close();
  const checks: CheckBody[] = [];
  const mock = github(1, analysis(HEAD2, FILES, (b) => checks.push(b as CheckBody)));
  const restarted = await startPgApp(db, { dataDir: paused.dataDir });
  // The restarted process did not enqueue these jobs, so its drain alone could return before it
  // fetched them: wait for the shared queue first.
  await queueSettled(db);
  await restarted.app.drain();
  mock.verify();
  expect(checks.map((c) => c.head_sha)).toEqual([HEAD2]);
  const { report, entries } = await pgLedger(db);
  expect(report.ok).toBe(true);
  expect(analyzedHeads(entries)).toEqual([HEAD2]);
});

/** `sql` with `before` awaited before each query and `after` called after it (to force an interleaving of two processes). */
function gated(sql: SqlClient, before: (text: string) => Promise<void>, after: (text: string) => void): SqlClient {
  return {
    label: sql.label,
    query: async <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]) => {
      await before(text);
      const out = await sql.query<R>(text, params);
      after(text);
      return out;
    },
    transaction: (fn) => sql.transaction(fn),
    lockedSession: (key) => sql.lockedSession(key),
  };
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('two App processes on one database receiving the same delivery at once: one analysis, one check run, one ledger entry', async () => {
  const db = await testDatabase();
  // Both processes find the delivery new (has), then both try to queue it (claim): A first.
  const isHas = (t: string) => t.startsWith('SELECT 1 FROM') && t.includes('app_deliveries');
  const isClaim = (t: string) => t.includes('app_deliveries') && t.includes('DO UPDATE SET claimed_at');
  const [aHas, bHas, aClaim] = [deferred(), deferred(), deferred()];
  const sqlA = gated(db.client(), (t) => (isClaim(t) ? bHas.promise : Promise.resolve()), (t) => (isHas(t) ? aHas.resolve() : isClaim(t) ? aClaim.resolve() : undefined));
  const sqlB = gated(db.client(), (t) => (isHas(t) ? aHas.promise : isClaim(t) ? aClaim.promise : Promise.resolve()), (t) => (isHas(t) ? bHas.resolve() : undefined));
  const logs = [capturingLog(), capturingLog()];
  const [a, b] = [await startPgApp(db, { log: logs[0]!.log, sql: sqlA }), await startPgApp(db, { log: logs[1]!.log, sql: sqlB })];
  const checks: CheckBody[] = [];
  const mock = github(1, analysis(HEAD, FILES, (body) => checks.push(body as CheckBody)));
  const payload = pullRequestEvent('opened');
  await Promise.all([a.receive('pull_request', payload, 'twice'), b.receive('pull_request', payload, 'twice')]);
  await Promise.all([a.app.drain(), b.app.drain()]);
  mock.verify();
  expect(checks).toHaveLength(1);
  expect(analyzedHeads((await pgLedger(db)).entries)).toEqual([HEAD]);
  const messages = logs.map((l) => l.lines.map((line) => (JSON.parse(line) as { msg: string }).msg));
  expect(messages[1]).toContain('trailmark: delivery twice is being handled by another replica; ignored');
  expect(messages.flat().filter((m) => m.includes('failed'))).toEqual([]);
});

test('two App processes taking turns on one installation ledger: one contiguous ledger that verifies', async () => {
  const db = await testDatabase();
  const [a, b] = [await startPgApp(db), await startPgApp(db)];
  const heads = Array.from({ length: 6 }, (_, i) => (i + 2).toString(16).repeat(40));
  const mock = github(2, ...heads.map((head) => analysis(head, FILES, () => undefined)));
  // Different pull requests would need different mocks; the same PR's heads, one per delivery,
  // alternate between the processes (each coalesces only its own queue).
  for (const [i, head] of heads.entries()) {
    await (i % 2 === 0 ? a : b).receive('pull_request', pullRequestEvent('synchronize', head), `d-${i}`);
    await Promise.all([a.app.drain(), b.app.drain()]);
  }
  mock.verify();
  const { report, entries } = await pgLedger(db);
  expect(report.ok).toBe(true);
  expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
  expect(analyzedHeads(entries)).toEqual(heads);
});

test('health check: 200 with the database answering, 503 once it does not', async () => {
  const db = await testDatabase();
  // A client of its own, closed below: the database stops answering this App.
  const own = db.kind === 'server' ? realServer(5) : await pgliteClient();
  const closeOwn = () => ('end' in own ? own.end() : own.close());
  const h = await startPgApp(db, { sql: own });
  const server = await h.serve();
  try {
    const ok = await fetch(`${server.url}/trailmark/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', pending: 0, failed: 0, deadLetter: 0, unreadable: 0, database: 'ok' });
    await h.app.close();
    await closeOwn();
    const down = await fetch(`${server.url}/trailmark/healthz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { status: string; error: string };
    expect(body.status).toBe('error');
    expect(body.error).toContain('database');
    expect(body.error).toContain('unreachable');
  } finally {
    await server.stop();
  }
});

test('the schema is migrated once at start; a second App on the same database applies nothing', async () => {
  const db = await testDatabase();
  const logs = [capturingLog(), capturingLog()];
  await startPgApp(db, { log: logs[0]!.log });
  await startPgApp(db, { log: logs[1]!.log });
  const versions = logs.map((l) => l.lines.map((line) => (JSON.parse(line) as { msg: string }).msg).find((m) => m.includes(`schema ${db.schema} at version`)));
  const newest = MIGRATIONS.at(-1)!.version;
  expect(versions[0]).toBe(`trailmark: database ${db.sql.label} schema ${db.schema} at version ${newest} (applied ${MIGRATIONS.map((m) => m.version).join(', ')})`);
  expect(versions[1]).toBe(`trailmark: database ${db.sql.label} schema ${db.schema} at version ${newest}`);
});

test('schedules on PostgreSQL: installations come from the database logs, and a tick is skipped while another replica holds its lease', async () => {
  const db = await testDatabase();
  const a = await startPgApp(db, { concurrency: 0 });
  const b = await startPgApp(db, { concurrency: 0 });
  // The ticks each App runs at start are over (they found no installation).
  await Promise.all([a.app.drain(), b.app.drain()]);
  // An installation with a ledger: a log in the database, nothing on disk.
  await openPostgresStore(db.sql, { log: `installation/${INSTALLATION}`, schema: db.schema, create: true });
  expect(await a.app.retentionTick()).toBe(1);
  const leases = await db.sql.query<{ name: string }>(`SELECT name FROM "${db.schema}".app_leases ORDER BY name`);
  expect(leases.rows.map((r) => r.name)).toEqual(['calibration', 'retention', 'weekly-report']);
  // Another replica is in the middle of the retention tick.
  await db.sql.query(`UPDATE "${db.schema}".app_leases SET holder = 'elsewhere', until = now() + interval '1 minute' WHERE name = 'retention'`);
  expect(await b.app.retentionTick()).toBe(0);
  expect(await a.app.retentionTick()).toBe(0);
  await db.sql.query(`UPDATE "${db.schema}".app_leases SET until = now() WHERE name = 'retention'`);
  expect(await b.app.retentionTick()).toBe(1);
});
