// The review use case with a calibration source (engine/review.ts ports.calibration): applied
// under `calibration: auto` (thresholds and the check-run summary), not read under
// `calibration: off`, ignored with the reason when stale; and calibration's model rule: entries
// without `messageModel` (written before 0.3) count as another model. Real ledgers, real keys.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { PolicySource } from '../../src/core/ports.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { CALIBRATION_SCHEMA, calibrate, currentMessageModel, currentModel, type CalibrationReport } from '../../src/engine/calibration.js';
import { review } from '../../src/engine/review.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { ORIGIN, changeBody, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { PATCH } from '../support/calibration-fixtures.js';

const REPOSITORY = 'acme/widgets';
const CALIBRATED = { low: 0.6, high: 0.96 };

function calibration(over: Partial<CalibrationReport> = {}): CalibrationReport {
  const point = (t: { low: number; high: number }) => ({ thresholds: t, unattestedFlagRate: 0.01, attestedRecall: 0.5 });
  return {
    schema: CALIBRATION_SCHEMA, model: currentModel(), messageModel: currentMessageModel(), rule: { targetFlagRate: 0.01, minUnattested: 200, minAttested: 20, maxShift: 0.15 },
    repositories: [{ repository: REPOSITORY, status: 'calibrated', reason: 'high raised from 0.85 to 0.96', hunks: { attested: 30, unattested: 300, otherModel: 0, skipped: 0 }, shipped: point(DEFAULT_POLICY.thresholds), calibrated: point(CALIBRATED), clipped: false }],
    ...over,
  };
}

function policyText(text: string | null): PolicySource {
  return { atBase: () => Promise.resolve(text === null ? { found: false, why: 'none' } : { found: true, text, source: '.github/trailmark.yml@base' }) };
}

async function run(policy: string | null, report: CalibrationReport | undefined, reads: { n: number }) {
  return review({
    changes: { load: () => Promise.resolve(changeSetFromPatch(PATCH)) },
    policy: policyText(policy),
    ledger: { off: 'switched-off' },
    calibration: {
      load: () => {
        reads.n++;
        return Promise.resolve(report);
      },
    },
  }, { key: () => 'k', repository: REPOSITORY });
}

describe('review with a calibration source', () => {
  it('applies the calibrated thresholds and says so; `calibration: off` does not read it', async () => {
    const reads = { n: 0 };
    const applied = await run(null, calibration(), reads);
    expect(reads.n).toBe(1);
    if (applied.status !== 'reviewed') throw new Error('not reviewed');
    expect(applied.result.summary.thresholds).toEqual(CALIBRATED);
    expect(applied.check.summary).toContain("Operating point calibrated from this repository's ledger");
    const off = await run('calibration: off\n', calibration(), reads);
    expect(reads.n).toBe(1);
    if (off.status !== 'reviewed') throw new Error('not reviewed');
    expect(off.result.summary.thresholds).toEqual(DEFAULT_POLICY.thresholds);
    expect(off.check.summary).not.toContain('alibrat');
  });

  it('ignores a stale calibration with the reason in the summary; none yet is only a log line', async () => {
    const stale = await run(null, calibration({ messageModel: 'older-messages@0.1' }), { n: 0 });
    if (stale.status !== 'reviewed') throw new Error('not reviewed');
    expect(stale.result.summary.thresholds).toEqual(DEFAULT_POLICY.thresholds);
    expect(stale.check.summary).toContain('stale');
    expect(stale.check.summary).toContain('commit-message model older-messages'); // '@' is escaped against mentions
    const none = await run(null, undefined, { n: 0 });
    if (none.status !== 'reviewed') throw new Error('not reviewed');
    expect(none.check.summary).not.toContain('alibrat');
    expect(none.notes.some((n) => n.includes('no calibration of this repository yet'))).toBe(true);
    // A policy with its own thresholds is not overridden by a calibration of the shipped ones.
    const own = await run('thresholds: { low: 0.4, high: 0.8 }\n', calibration(), { n: 0 });
    if (own.status !== 'reviewed') throw new Error('not reviewed');
    expect(own.result.summary.thresholds).toEqual({ low: 0.4, high: 0.8 });
    expect(own.check.summary).toContain('the policy sets 0.4/0.8');
  });
});

describe('calibration model rule', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trailmark-calibration-model-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('counts an entry only when its code and message models are the ones in force; one without messageModel is another model', async () => {
    const key = testKey('calibration-model');
    const ledger = await openLedger({ store: openDirStore(root, { create: true }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('m') });
    const body = (i: number, messageModel?: string) => ({ ...changeBody(i), model: currentModel(), ...(messageModel === undefined ? {} : { messageModel }) });
    await ledger.append([
      { kind: 'change.analyzed', policy: 'p', body: body(1) },
      { kind: 'change.analyzed', policy: 'p', body: body(2, 'older-messages@0.1') },
      { kind: 'change.analyzed', policy: 'p', body: body(3, currentMessageModel()) },
    ]);
    const [r] = (await calibrate([openDirStore(root)], { model: currentModel(), thresholds: DEFAULT_POLICY.thresholds })).repositories;
    expect(r?.hunks).toEqual({ attested: 0, unattested: 1, otherModel: 2, skipped: 0 });
  });
});
