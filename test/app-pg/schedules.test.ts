// The schedules in the PostgreSQL mode, end to end on the GitHub simulator. Retention: the App
// analyzes a pull request into its database ledger, the collector's records are rows, and the
// retention job (ticked by two App processes on one database) erases the openings and the
// record past `retention:` in the database, appends its signed entries there, and the ledger
// verifies. The weekly report: published once from the database ledger, and not due again for
// the other process.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTrailmarkApp, type TrailmarkApp } from '../../app/app.js';
import { EnterpriseProbotOctokit } from '../../app/probot-octokit.js';
import { PgRecordStore } from '../../app/pg/records.js';
import { verifierOf } from '../../src/engine/access-views.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { RETENTION_KIND, type RetentionBody } from '../../src/ledger/kinds/retention.js';
import { generateNoteKey, parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import { lastCompleteWeek, shiftWeek } from '../../src/engine/weekly-report.js';
import { reportIssueMarker } from '../../src/github/report-issue.js';
import { weekRange } from '../../src/report/week.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { testDatabase, type TestDatabase } from './harness.js';

const DAY = 86_400_000;
const INSTALLATION = 31337;
const unavailable = simUnavailable();

describe.skipIf(unavailable !== undefined)('retention on PostgreSQL (simulator, App in process)', () => {
  let dir: string;
  let sim: RunningSim;
  let weeklySim: RunningSim;
  const signerKey = generateNoteKey('example.com/trailmark-pg-retention', randomBytes(32)).signerKey;
  const apps: TrailmarkApp[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-app-pg-retention-'));
    const probe = await startSim({ scenario: 'basic' });
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify({ extends: join(probe.dir, 'scenarios', 'basic.json'), repository: { files: { '.github/trailmark.yml': 'retention:\n  subjects: 30d\n  records: 30d\n' } } }));
    const weeklyFile = join(dir, 'weekly.json');
    await writeFile(weeklyFile, JSON.stringify({ extends: join(probe.dir, 'scenarios', 'basic.json'), repository: { files: { '.github/trailmark.yml': 'report:\n  destination: issue\n' } } }));
    await probe.stop();
    sim = await startSim({ scenario: file });
    weeklySim = await startSim({ scenario: weeklyFile });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sim.stop();
    await weeklySim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The App in process on `db`, with its own data directory and an injected clock. */
  async function pgApp(db: TestDatabase, now: () => number, sim_: RunningSim = sim) {
    const sim = sim_;
    const privateKey = await readFile(sim.info.privateKeyPath, 'utf8');
    const log: string[] = [];
    const probot = new Probot({
      appId: sim.info.appId, privateKey, secret: sim.info.webhookSecret, baseUrl: `${sim.url}/api/v3`,
      Octokit: EnterpriseProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
      log: pino({ level: 'info' }, { write: (line: string) => void log.push(line) }),
    });
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const app = createTrailmarkApp({
      settings: { dataDir, signer: parseSignerKey(signerKey), apiBaseUrl: `${sim.url}/api/v3`, concurrency: 1, webhookPath: '/api/github/webhooks', webhookSecret: sim.info.webhookSecret, databaseSchema: db.schema },
      database: db.client(), clock: { now }, sleep: () => Promise.resolve(), weeklyTimer: () => () => undefined,
    });
    apps.push(app);
    await probot.load(app.appFn, { cwd: dataDir, addHandler: () => undefined });
    return {
      app, log,
      pullRequest: async (action: string, deliveryId: string) => {
        const { payload } = (await sim.admin('GET', `/_sim/webhook?event=pull_request&action=${action}`)) as { payload: object };
        await probot.receive({ id: deliveryId, name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
        await app.drain();
      },
    };
  }

  test('past retention is erased in the database once, listed in signed entries there, and the ledger verifies', async () => {
    const db = await testDatabase();
    const t0 = Date.now();
    let now = t0;
    const [a, b] = [await pgApp(db, () => now), await pgApp(db, () => now)];
    await a.pullRequest('opened', 'pg-ret-1');
    const store = () => openPostgresStore(db.sql, { log: `installation/${INSTALLATION}`, schema: db.schema });
    const openings = async () => (await (await store()).readSubjects()).filter((r) => 'value' in r);
    const before = await openings();
    expect(before.length).toBeGreaterThan(0);
    const records = new PgRecordStore(db.sql, db.schema);
    const old = (await records.put(INSTALLATION, 'acme', 'widgets', '{"version":"0.1","id":"old"}\n'))!;
    const fresh = (await records.put(INSTALLATION, 'acme', 'widgets', '{"version":"0.1","id":"fresh"}\n'))!;
    await db.sql.query(`UPDATE "${db.schema}".app_records SET stored_at = to_timestamp($1::double precision / 1000) WHERE digest = $2`, [t0 + 35 * DAY, fresh.digest.slice('sha256:'.length)]);

    // Day 40: both processes tick; the day's job runs once per queue, the second finds nothing left.
    now = t0 + 40 * DAY;
    const queued = (await a.app.retentionTick()) + (await b.app.retentionTick());
    expect(queued).toBeGreaterThanOrEqual(1);
    await Promise.all([a.app.drain(), b.app.drain()]);
    const entries = [];
    for await (const e of readEntries(await store())) entries.push(e.entry);
    const bodies = entries.filter((e) => e.kind === RETENTION_KIND).map((e) => e.body as unknown as RetentionBody);
    const subjects = bodies.filter((x) => x.rule === 'subjects');
    expect(subjects.flatMap((x) => x.commitments).sort()).toEqual([...new Set(before.map((r) => r.commitment))].sort());
    expect(bodies.filter((x) => x.rule === 'records').flatMap((x) => x.commitments)).toEqual([old.digest]);
    expect(await openings()).toEqual([]);
    expect((await records.load(INSTALLATION, 'acme', 'widgets')).map((r) => r.text)).toEqual(['{"version":"0.1","id":"fresh"}\n']);
    expect((await verifyStore(await store(), [verifierOf(parseSignerKey(signerKey))])).ok).toBe(true);
    // The day is done for every replica: the retention state is one document.
    expect((await a.app.retentionTick()) + (await b.app.retentionTick())).toBe(0);
  });

  test('the weekly report: published once from the database ledger; the other process renders it again and publishes nothing new', async () => {
    const db = await testDatabase();
    const week = shiftWeek(lastCompleteWeek(Date.now()), -2);
    const inWeek = (w: string) => Date.parse(weekRange(w).since) + 2 * DAY;
    let now = inWeek(week);
    const [a, b] = [await pgApp(db, () => now, weeklySim), await pgApp(db, () => now, weeklySim)];
    await a.pullRequest('opened', 'pg-week-1');
    now = inWeek(shiftWeek(week, 1));
    expect(await a.app.weeklyTick()).toBe(1);
    await a.app.drain();
    const marker = reportIssueMarker({ owner: 'acme', repo: 'widgets', week });
    const issues = async () => ((await weeklySim.state()) as { issues: { body: string | null }[] }).issues.filter((i) => (i.body ?? '').startsWith(`${marker}\n`));
    const published = async () => {
      const out = [];
      for await (const e of readEntries(await openPostgresStore(db.sql, { log: `installation/${INSTALLATION}`, schema: db.schema }))) if (e.entry.kind === 'report.published') out.push((e.entry.body as unknown as { week: string }).week);
      return out;
    };
    expect(await issues()).toHaveLength(1);
    expect(await published()).toEqual([week]);
    // The other process has not looked at the installation yet: it renders the last published
    // week again (late entries would change it), finds it unchanged, and publishes nothing new.
    expect(await b.app.weeklyTick()).toBe(1);
    await b.app.drain();
    expect(await issues()).toHaveLength(1);
    expect(await published()).toEqual([week]);
    expect(b.log.join('\n')).toContain(`weekly report acme/widgets ${week}: unchanged since its publication`);
  });
});
