// The App's calibration schedule (app/calibration.ts): an installation's ledger holding a
// repository's history (real analyses, real Ed25519 signatures), calibrated into the state
// document, in the data-directory mode (files) and the PostgreSQL mode (the real server, else
// PGlite): made once per ledger size, read by an analysis job as one document, applied by the
// review's decision; a ledger that grew is calibrated again.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ledgerViews } from '../../app/access-views.js';
import { CalibrationSchedule } from '../../app/calibration.js';
import { InstallationLedgers } from '../../app/ledgers.js';
import { migrateAppDatabase } from '../../app/pg/database.js';
import { PgDocuments } from '../../app/pg/documents.js';
import { pgInstallationStores } from '../../app/pg/ledgers.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { ScanResult } from '../../src/core/types.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { decideCalibration } from '../../src/engine/calibration.js';
import { recordScan } from '../../src/engine/record.js';
import type { ReportModel } from '../../src/report/model.js';
import type { SqlClient } from '../../src/ledger/store/postgres.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { dropSchema, freshSchemaName, pgliteClient, pgUnavailable, realServer } from '../support/postgres.js';
import { PATCH, STAMP, resultWith, spread } from '../support/calibration-fixtures.js';

const KEY = testKey('app-calibration', 'example.com/trailmark-app');
const INSTALLATION = 42;
const REPOSITORY = 'acme/widgets';
const H = DEFAULT_POLICY.thresholds.high;
let template: ScanResult;
beforeAll(async () => {
  template = await analyzeChange(changeSetFromPatch(PATCH), { policy: DEFAULT_POLICY });
});

async function scenario(ledgers: InstallationLedgers, schedule: CalibrationSchedule): Promise<void> {
  const unattested = spread(220, H - 0.45, Math.min(H + 0.1, 0.999)).map((score, i) => ({ score, id: `u${i}` }));
  const attested = spread(25, H - 0.05, 0.99).map((score, i) => ({ score, id: `a${i}`, evidence: [STAMP] }));
  const all = [...unattested, ...attested];
  for (let p = 0; p < 3; p++) {
    await ledgers.with(INSTALLATION, (ledger) => recordScan(resultWith(template, all.slice(p * 82, (p + 1) * 82)), ledger, { repository: REPOSITORY, policy: 'app', pullRequest: p + 1 }));
  }
  expect(await schedule.tick()).toBe(1);
  // The ledger did not grow: nothing is made again.
  expect(await schedule.tick()).toBe(0);
  const report = await schedule.sourceOf(INSTALLATION).load();
  expect(report?.repositories.map((r) => [r.repository, r.status, r.hunks.attested, r.hunks.unattested])).toEqual([[REPOSITORY, 'calibrated', 25, 220]]);
  const decision = decideCalibration(report, REPOSITORY, DEFAULT_POLICY.thresholds);
  expect(decision.applied?.thresholds.high).toBeGreaterThan(H);
  expect(decision.applied?.reason).toContain('raised');
  // Another repository of the installation has no entry: the policy's thresholds, said in the log only.
  expect(decideCalibration(report, 'acme/other', DEFAULT_POLICY.thresholds)).toMatchObject({ shown: false });
  // The ledger grew: calibrated again, counting the new hunks.
  await ledgers.with(INSTALLATION, (ledger) => recordScan(resultWith(template, [{ score: 0.2, id: 'late' }]), ledger, { repository: REPOSITORY, policy: 'app', pullRequest: 9 }));
  expect(await schedule.calibrateInstallation(INSTALLATION)).toBe(true);
  expect((await schedule.sourceOf(INSTALLATION).load())?.repositories[0]?.hunks.unattested).toBe(221);
}

describe('the App calibration schedule', () => {
  test('data-directory mode: the document is a file under the installation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-app-calibration-'));
    const ledgers = new InstallationLedgers(dataDir, KEY.signer, fixedClock(), seededRandom('files'));
    const lines: string[] = [];
    const schedule = new CalibrationSchedule({ dataDir, ledgers, log: (l) => lines.push(l) });
    await scenario(ledgers, schedule);
    expect(lines.some((l) => l.includes(`installation ${INSTALLATION}`) && l.includes('1 of 1 repositories calibrated'))).toBe(true);

    // The dashboard and the JSON report the App serves show the stored operating point (read, not remade).
    const views = ledgerViews(KEY.signer, fixedClock(), undefined, (id) => schedule.sourceOf(id));
    const request = { ledgers: [{ installationId: INSTALLATION, dir: join(dataDir, 'installations', String(INSTALLATION), 'ledger') }], repositories: [REPOSITORY], week: null };
    const json = JSON.parse((await views.report(request, 'json')).body) as ReportModel;
    expect(json.operatingPoints?.map((r) => [r.repository, r.source, r.status, r.hunks.attested, r.hunks.unattested])).toEqual([[REPOSITORY, 'calibrated', 'calibrated', 25, 221]]);
    expect(json.operatingPoints![0]!.thresholds.high).toBeGreaterThan(H);
    const { html } = await views.dashboard(request);
    expect(html).toContain(`<section id="operating-points"`);
    expect(html).toContain(`<th scope="row">${REPOSITORY}</th><td>${json.operatingPoints![0]!.thresholds.low} / ${json.operatingPoints![0]!.thresholds.high}</td><td>calibrated</td>`);
    // Another repository asked for alone: no row of acme/widgets.
    const other = JSON.parse((await views.report({ ...request, repositories: ['acme/other'] }, 'json')).body) as ReportModel;
    expect(other.operatingPoints).toEqual([]);
    // Without the calibrations (the views of an App without a schedule) the section is absent.
    const plain = JSON.parse((await ledgerViews(KEY.signer, fixedClock()).report(request, 'json')).body) as ReportModel;
    expect(plain.operatingPoints).toBeUndefined();
  }, 120_000);

  describe('PostgreSQL mode', () => {
    let sql: SqlClient & { end?: () => Promise<void>; close?: () => Promise<void> };
    let schema: string;
    let server = false;
    beforeAll(async () => {
      schema = freshSchemaName('trailmark_calibration');
      server = (await pgUnavailable()) === undefined;
      sql = server ? realServer(4) : await pgliteClient();
      await migrateAppDatabase(sql, schema);
    });
    afterAll(async () => {
      if (server) {
        await dropSchema(sql, schema);
        await sql.end?.();
      } else {
        await sql.close?.();
      }
    });

    test('the document is a row of app_documents; the ledger is the installation\'s PostgreSQL log', async () => {
      const documents = new PgDocuments(sql, { schema, root: '/data' });
      const ledgers = new InstallationLedgers('/data', KEY.signer, fixedClock(), seededRandom('pg'), { documents }, pgInstallationStores(sql, schema));
      await scenario(ledgers, new CalibrationSchedule({ dataDir: '/data', ledgers, log: () => undefined, stateFiles: { documents } }));
      expect(await documents.names('installations/')).toContain(`installations/${INSTALLATION}/calibration.json`);
    }, 120_000);
  });
});
