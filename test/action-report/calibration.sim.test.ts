// The Action's calibration against the GitHub simulator, in process: a ledger branch holding a
// repository's history (real analyses recorded through the real branch store, signed with a
// real Ed25519 key); the report job calibrates from it and writes `calibration.json` on the
// branch in one commit (and nothing when it did not change); a review run reads that one file
// with one request and applies it. Every request is counted; zero simulator violations.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ledgerBranchCalibration, ledgerBranchCalibrationSink } from '../../action/calibration.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { decideCalibration } from '../../src/engine/calibration.js';
import { recordScan } from '../../src/engine/record.js';
import { runReportJob } from '../../src/engine/report-job.js';
import { renderReportMarkdown } from '../../src/report/weekly-markdown.js';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { generateNoteKey, parseSignerKey } from '../../src/ledger/note.js';
import { fixedClock, seededRandom } from '../ledger/fixtures.js';
import { operations, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { PATCH, STAMP, resultWith, spread } from '../support/calibration-fixtures.js';

const skip = simUnavailable();
const ORIGIN = 'example.com/acme/widgets';
const KEY = generateNoteKey(ORIGIN, new Uint8Array(32).fill(11));
const REPOSITORY = 'acme/widgets';
const H = DEFAULT_POLICY.thresholds.high;
describe.skipIf(skip !== undefined)('calibration.json on the ledger branch (simulator)', () => {
  let sim: RunningSim;
  let client: GitHubClient;
  beforeAll(async () => {
    sim = await startSim({ scenario: 'basic' });
    const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'actions', permissions: { contents: 'write' } })) as { token: string };
    client = createGitHubClient({ token, baseUrl: sim.url });
  });
  afterAll(async () => sim.stop());

  const store = () => new LedgerBranchStore({ client, owner: 'acme', repo: 'widgets', branch: 'trailmark-ledger', holder: 'test', random: seededRandom('branch') });

  test('the report job calibrates and writes the file once; a review reads it with one request and applies it', async () => {
    // A repository whose human code scores high: 240 unattested hunks around the shipped high, 30 stamped ones.
    const template = await analyzeChange(changeSetFromPatch(PATCH), { policy: DEFAULT_POLICY });
    const unattested = spread(240, H - 0.45, Math.min(H + 0.1, 0.999)).map((score, i) => ({ score, id: `u${i}` }));
    const attested = spread(30, H - 0.05, 0.99).map((score, i) => ({ score, id: `a${i}`, evidence: [STAMP] }));
    const all = [...unattested, ...attested];
    const writer = await openLedger({ store: store(), signer: parseSignerKey(KEY.signerKey), origin: ORIGIN, clock: fixedClock(Date.UTC(2026, 10, 2)), random: seededRandom('ledger') });
    for (let p = 0; p < 3; p++) await recordScan(resultWith(template, all.slice(p * 90, (p + 1) * 90)), writer, { repository: REPOSITORY, policy: 'default-1', pullRequest: p + 1 });

    const reportStore = store();
    const job = (calibrating = true) => runReportJob({
      policy: DEFAULT_POLICY, store: reportStore, repository: REPOSITORY, clock: fixedClock(Date.UTC(2026, 10, 20)), random: seededRandom('job'),
      signer: KEY.signerKey, refresh: () => reportStore.refresh(),
      ...(calibrating ? { calibration: ledgerBranchCalibrationSink(reportStore) } : {}),
    });
    // What a report run costs without calibration (read the branch, verify), to count the difference.
    reportStore.refresh();
    const base = (await sim.requests()).length;
    const plain = await job(false);
    expect(plain.calibration).toBeNull();
    expect(plain.model.operatingPoints).toBeUndefined();
    const without = await operations(sim, base);
    reportStore.refresh();
    const from = (await sim.requests()).length;
    const first = await job();
    expect(first.calibration).not.toBeNull();
    expect(first.calibration).toMatchObject({ written: true });
    const report = (first.calibration as { report: { repositories: readonly { status: string; calibrated: { thresholds: { high: number } } }[] } }).report;
    expect(report.repositories).toHaveLength(1);
    expect(report.repositories[0]!.status).toBe('calibrated');
    expect(report.repositories[0]!.calibrated.thresholds.high).toBeGreaterThan(H);
    // The report lists the operating point.
    expect(first.model.operatingPoints).toHaveLength(1);
    expect(first.model.operatingPoints![0]).toMatchObject({ repository: REPOSITORY, source: 'calibrated', status: 'calibrated', hunks: { attested: 30, unattested: 240 } });
    expect(first.markdown).toContain('## Operating points');
    // The JSON form (trailmark.report/v1 with the optional operatingPoints) is valid against the published schema.
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajvFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../docs/schemas/report-v1.schema.json', import.meta.url), 'utf8')) as object);
    expect(validate(JSON.parse(JSON.stringify(first.model))), JSON.stringify(validate.errors)).toBe(true);
    expect(renderReportMarkdown(first.model)).toContain('| calibrated | calibrated |');
    // Calibration adds the side file's read (one query) and one commit (tree, commit, ref update); the ledger is read once.
    const withCalibration = await operations(sim, from);
    const extra = Object.fromEntries(Object.keys(withCalibration).map((op) => [op, withCalibration[op]! - (without[op] ?? 0)]).filter(([, n]) => n !== 0));
    expect(extra).toEqual({ 'graphql:LedgerFiles': 1, 'git/create-tree': 1, 'git/create-commit': 1, 'git/update-ref': 1 });

    // Nothing changed: the file is not written again (no write request).
    const again = (await sim.requests()).length;
    const second = await job();
    expect(second.calibration).toMatchObject({ written: false });
    expect(Object.keys(await operations(sim, again)).filter((op) => op.startsWith('git/create') || op === 'git/update-ref')).toEqual([]);

    // A review run: one contents request, and the calibration applies to this repository.
    const before = (await sim.requests()).length;
    const loaded = await ledgerBranchCalibration(client, 'acme', 'widgets', 'trailmark-ledger').load();
    expect(await operations(sim, before)).toEqual({ 'repos/get-content': 1 });
    const decision = decideCalibration(loaded, REPOSITORY, DEFAULT_POLICY.thresholds);
    expect(decision.applied?.thresholds.high).toBe(report.repositories[0]!.calibrated.thresholds.high);
    // A policy with other thresholds is not overridden by a calibration of the shipped ones.
    expect(decideCalibration(loaded, REPOSITORY, { low: 0.4, high: 0.8 }).applied).toBeUndefined();
    // A stale model: ignored, with the reason shown.
    const stale = decideCalibration({ ...loaded!, messageModel: 'older-messages@0.1' }, REPOSITORY, DEFAULT_POLICY.thresholds);
    expect(stale.applied).toBeUndefined();
    expect(stale.note).toContain('stale');
    expect(stale.note).toContain('older-messages@0.1');
    // No file yet on another branch: one request, nothing applied.
    expect(await ledgerBranchCalibration(client, 'acme', 'widgets', 'no-such-branch').load()).toBeUndefined();
    expect(await sim.violations()).toEqual([]);
  }, 120_000);
});
