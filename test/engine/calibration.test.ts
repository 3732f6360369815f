// Per-repository calibration (engine/calibration.ts, `trailmark calibrate`, `scan --calibration`):
// a real analysis recorded many times into a real signed directory ledger, its hunks given the
// scores and evidence of a repository's history; the calibration read back from that ledger.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { Evidence, HunkResult, ScanResult } from '../../src/core/types.js';
import { analyzeChange, digestLines } from '../../src/engine/analyze.js';
import { CALIBRATION_SCHEMA, calibrate, currentModel, lowestHighFor, parseCalibration, type CalibrationReport } from '../../src/engine/calibration.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { recordScan } from '../../src/engine/record.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { ORIGIN, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { runCli } from '../cli-ledger/harness.js';
import { PATCH, STAMP, spread } from '../support/calibration-fixtures.js';

/** The shipped high threshold: the test data sits around it. */
const H = DEFAULT_POLICY.thresholds.high;
const HUMAN_DECLARED: Evidence = { class: 'declared', source: 'trailer:AI-Assisted', says: 'human' };

/** A deterministic spread of `n` scores in [from, to). */
let root: string;
let template: ScanResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trailmark-calibration-'));
  template = await analyzeChange(changeSetFromPatch(PATCH), { policy: DEFAULT_POLICY });
  expect(template.hunks).toHaveLength(1);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A scan result whose hunks have these scores and evidence (distinct content each, unless `digest` repeats). */
interface Spec {
  readonly score: number;
  readonly id: string;
  readonly evidence?: readonly Evidence[];
  readonly path?: string;
}

function resultWith(hunks: readonly Spec[]): ScanResult {
  const base = template.hunks[0]!;
  return {
    ...template,
    hunks: hunks.map((h, i): HunkResult => ({
      ...base,
      path: h.path ?? `src/f${i % 7}.ts`,
      startLine: 1 + i,
      endLine: 3 + i,
      score: h.score,
      evidence: h.evidence ?? [],
      verdict: h.evidence?.some((e) => e.says === 'ai') === true ? 'attested' : h.score >= DEFAULT_POLICY.thresholds.high ? 'unattested' : 'clear',
      contentDigest: digestLines([h.id]),
    })),
    findings: [],
  };
}

/** A ledger of `repository` holding these hunks, recorded `pages` analyses at a time. */
async function ledgerOf(name: string, repository: string, hunks: readonly Spec[], pages = 4): Promise<string> {
  const dir = join(root, name);
  const key = testKey('calibration');
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom(name) });
  const per = Math.ceil(hunks.length / pages);
  for (let p = 0; p < pages; p++) {
    const part = hunks.slice(p * per, (p + 1) * per);
    if (part.length > 0) await recordScan(resultWith(part), ledger, { repository, policy: 'test', pullRequest: p + 1 });
  }
  return dir;
}

describe('lowestHighFor', () => {
  it('puts the threshold just above the score that would be one flag too many; ties move together', () => {
    const scores = Array.from({ length: 200 }, (_, i) => i / 200); // 0, 0.005, … 0.995
    // 1% of 200 = 2 may be flagged: 0.99 and 0.995; 0.985 must not be.
    expect(lowestHighFor(scores, 0.01)).toBe(0.9851);
    expect(scores.filter((s) => s >= 0.9851)).toHaveLength(2);
    const tied = [...Array.from({ length: 97 }, () => 0.5), 0.8, 0.8, 0.8];
    // 1 of 100 allowed, but three share the top score: none of them can be flagged alone.
    expect(lowestHighFor(tied, 0.01)).toBe(0.8001);
    expect(lowestHighFor([0.3], 0.5)).toBe(0.3001);
  });
});

describe('calibrate', () => {
  it('raises a repository whose human code scores high, and reports recall at both points', async () => {
    const unattested = spread(400, H - 0.45, Math.min(H + 0.1, 0.999)).map((score, i) => ({ score, id: `u${i}` }));
    const attested = spread(40, H - 0.05, 0.99).map((score, i) => ({ score, id: `a${i}`, evidence: [STAMP] }));
    const dir = await ledgerOf('verbose', 'acme/verbose', [...unattested, ...attested]);
    const report = await calibrate([openDirStore(dir)], { model: currentModel(), thresholds: DEFAULT_POLICY.thresholds });
    expect(report.schema).toBe(CALIBRATION_SCHEMA);
    const [r] = report.repositories;
    expect(r).toMatchObject({ repository: 'acme/verbose', status: 'calibrated', clipped: false, hunks: { attested: 40, unattested: 400, otherModel: 0, skipped: 0 } });
    const high = lowestHighFor(unattested.map((u) => u.score).sort((a, b) => a - b), 0.01);
    expect(high).toBeGreaterThan(DEFAULT_POLICY.thresholds.high);
    expect(r!.calibrated.thresholds.high).toBe(high);
    expect(r!.calibrated.thresholds.low).toBeCloseTo(DEFAULT_POLICY.thresholds.low + (high - DEFAULT_POLICY.thresholds.high), 4);
    expect(r!.calibrated.unattestedFlagRate).toBeLessThanOrEqual(0.01);
    expect(r!.shipped.unattestedFlagRate).toBeGreaterThan(0.1);
    expect(r!.calibrated.attestedRecall!).toBeLessThan(r!.shipped.attestedRecall!);
    expect(r!.reason).toContain('raised');
  });

  it('the bound stops the move: a history full of high scores cannot switch detection off', async () => {
    const unattested = spread(300, H - 0.2, 0.999).map((score, i) => ({ score, id: `x${i}` }));
    const attested = spread(20, H, 0.999).map((score, i) => ({ score, id: `y${i}`, evidence: [STAMP] }));
    const dir = await ledgerOf('ai-heavy', 'acme/ai-heavy', [...unattested, ...attested]);
    const [r] = (await calibrate([openDirStore(dir)], { model: currentModel(), thresholds: DEFAULT_POLICY.thresholds, maxShift: 0.05 })).repositories;
    expect(r).toMatchObject({ status: 'calibrated', clipped: true });
    expect(r!.calibrated.thresholds.high).toBeCloseTo(H + 0.05, 4);
    expect(r!.calibrated.unattestedFlagRate).toBeGreaterThan(0.01);
    expect(r!.reason).toContain('the bound of ±0.05 stopped it');
  });

  it('re-analyses of the same content count once; human-declared hunks are not positives; too little history keeps the shipped point', async () => {
    const same = Array.from({ length: 30 }, () => ({ score: 0.9, id: 'same', path: 'src/same.ts' }));
    const declaredHuman = Array.from({ length: 25 }, (_, i) => ({ score: 0.7, id: `h${i}`, evidence: [HUMAN_DECLARED] }));
    const stamped = Array.from({ length: 5 }, (_, i) => ({ score: 0.95, id: `s${i}`, evidence: [STAMP] }));
    const dir = await ledgerOf('small', 'acme/small', [...same, ...declaredHuman, ...stamped], 3);
    const [r] = (await calibrate([openDirStore(dir)], { model: currentModel(), thresholds: DEFAULT_POLICY.thresholds })).repositories;
    expect(r!.hunks).toEqual({ attested: 5, unattested: 26, otherModel: 0, skipped: 0 });
    expect(r!.status).toBe('insufficient');
    expect(r!.calibrated).toEqual(r!.shipped);
    expect(r!.reason).toContain('174 more unattested and 15 more attested');
  });

  it('hunks of text the detectors do not read are not calibration data, attested or not', async () => {
    const code = Array.from({ length: 10 }, (_, i) => ({ score: 0.5, id: `c${i}` }));
    const docs = Array.from({ length: 12 }, (_, i) => ({ score: 0, id: `d${i}`, path: i % 2 === 0 ? `docs/page${i}.mdx` : `config/${i}.json`, ...(i < 4 ? { evidence: [STAMP] } : {}) }));
    const dir = await ledgerOf('docs', 'acme/docs', [...code, ...docs], 2);
    const [r] = (await calibrate([openDirStore(dir)], { model: currentModel(), thresholds: DEFAULT_POLICY.thresholds })).repositories;
    expect(r!.hunks).toEqual({ attested: 0, unattested: 10, otherModel: 0, skipped: 12 });
  });

  it('scores of another model version do not calibrate this one', async () => {
    const dir = await ledgerOf('other-model', 'acme/other', spread(250, 0.1, 0.9).map((score, i) => ({ score, id: `o${i}` })));
    const [r] = (await calibrate([openDirStore(dir)], { model: 'some-older-model@0.1', thresholds: DEFAULT_POLICY.thresholds })).repositories;
    expect(r!.hunks).toMatchObject({ attested: 0, unattested: 0, otherModel: 250 });
    expect(r!.status).toBe('insufficient');
  });
});

describe('trailmark calibrate and scan --calibration', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    const unattested = spread(300, H - 0.4, Math.min(H + 0.1, 0.999)).map((score, i) => ({ score, id: `cu${i}` }));
    const attested = spread(30, H, 0.999).map((score, i) => ({ score, id: `ca${i}`, evidence: [STAMP] }));
    dir = await ledgerOf('cli', 'acme/cli', [...unattested, ...attested]);
    file = join(root, 'calibration.json');
  });

  it('prints the operating points, writes JSON scan reads, and scan applies it with the reason', async () => {
    const text = await runCli(['calibrate', '--ledger', dir], { cwd: root });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('acme/cli: calibrated (30 attested, 300 unattested hunks');
    expect(text.stdout).toMatch(/calibrated +low [0-9.]+ +high [0-9.]+ +unattested flagged [01]\.[0-9]%/);
    const json = await runCli(['calibrate', '--ledger', dir, '--json'], { cwd: root });
    const report: CalibrationReport = parseCalibration(json.stdout, 'stdout');
    await writeFile(file, json.stdout);
    const high = report.repositories[0]!.calibrated.thresholds.high;
    expect(high).toBeGreaterThan(DEFAULT_POLICY.thresholds.high);

    const patch = join(root, 'change.patch');
    await writeFile(patch, PATCH);
    const scan = await runCli(['scan', '--patch', patch, '--format', 'json', '--calibration', file], { cwd: root });
    expect(scan.code).toBe(0);
    const result = JSON.parse(scan.stdout) as ScanResult;
    expect(result.summary.thresholds.high).toBe(high);
    const plain = JSON.parse((await runCli(['scan', '--patch', patch, '--format', 'json'], { cwd: root })).stdout) as ScanResult;
    expect(plain.summary.thresholds).toEqual(DEFAULT_POLICY.thresholds);
  });

  it('refuses a malformed file, an unknown repository and bad numbers; a file of another model is ignored with a warning', async () => {
    const patch = join(root, 'change.patch');
    await writeFile(join(root, 'bad.json'), '{"schema":"nope"}');
    const bad = await runCli(['scan', '--patch', patch, '--calibration', join(root, 'bad.json')], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a trailmark.calibration/v1 document');
    const unknown = await runCli(['scan', '--patch', patch, '--calibration', file, '--calibration-repository', 'acme/nope'], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no repository acme/nope');
    expect((await runCli(['calibrate', '--ledger', dir, '--target-rate', 'x'], { cwd: root })).code).toBe(2);
    const other = JSON.parse(await readFile(file, 'utf8')) as CalibrationReport;
    await writeFile(join(root, 'other.json'), JSON.stringify({ ...other, model: 'older@0.1' }));
    const stale = await runCli(['scan', '--patch', patch, '--format', 'json', '--calibration', join(root, 'other.json')], { cwd: root });
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain('was made for model older@0.1');
    expect((JSON.parse(stale.stdout) as ScanResult).summary.thresholds).toEqual(DEFAULT_POLICY.thresholds);
  });
});
