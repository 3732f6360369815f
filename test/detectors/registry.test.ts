// The scan's detector set is the featurization set minus detectors the model does not weigh:
// the left-out detectors must weigh 0, a model that weighs one gets it back, and scores and
// signals on real code are those of the full set.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hunkContext } from '../../detectors/context.js';
import type { DetectorContext } from '../../detectors/detector.js';
import { analyzeHunk, coefficient, DEFAULT_MODEL, type ScoringModel } from '../../detectors/model.js';
import { parseSource } from '../../detectors/parse.js';
import { DEFAULT_DETECTORS, detectorsFor, FEATURE_DETECTORS } from '../../detectors/registry.js';
import { relative } from '../../detectors/relative.js';
import { rewrite } from '../../detectors/rewrite.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the scan detector set', () => {
  it('leaves out exactly the detectors whose features the shipped model does not weigh', () => {
    const ids = DEFAULT_DETECTORS.map((d) => d.id);
    expect(ids).not.toContain('relative');
    expect(ids).not.toContain('rewrite');
    expect(FEATURE_DETECTORS.map((d) => d.id).filter((id) => ids.includes(id))).toEqual(ids);
    for (const d of FEATURE_DETECTORS.filter((x) => !ids.includes(x.id))) {
      for (const f of d.features) expect(coefficient(DEFAULT_MODEL, f.id)).toBe(0);
    }
    for (const d of DEFAULT_DETECTORS) expect(d.features.some((f) => coefficient(DEFAULT_MODEL, f.id) !== 0)).toBe(true);
  });

  it('gives a model that weighs a left-out feature its detector back', () => {
    const model: ScoringModel = { ...DEFAULT_MODEL, weights: { ...DEFAULT_MODEL.weights, [rewrite.features[0]!.id]: 0.5 } };
    const ids = detectorsFor(model).map((d) => d.id);
    expect(ids).toContain('rewrite');
    expect(ids).not.toContain('relative');
    expect(ids.length).toBe(DEFAULT_DETECTORS.length + 1);
  });

  it('scores real code exactly as the full set does (the left-out detectors firing)', () => {
    const files = ['detectors/units.ts', 'src/git/change-source.ts', 'cli/commands/scan.ts', 'src/engine/analyze.ts'];
    let leftOutFired = 0;
    let contexts = 0;
    for (const path of files) {
      const text = readFileSync(join(ROOT, path), 'utf8');
      const parsed = parseSource(text, 'typescript')!;
      const n = parsed.lines.length;
      const file = { path, language: 'typescript' as const, lines: parsed.lines, parsed };
      const hunks: DetectorContext[] = [];
      // Spans of a modified file (the rest of the file is the baseline of `relative`), each
      // replacing a few made-up deleted lines (what `rewrite` reads).
      for (const [from, size] of [[0.1, 12], [0.4, 30], [0.7, 60]] as const) {
        const start = Math.floor(n * from) + 1;
        const end = Math.min(n, start + size - 1);
        const deleted = parsed.lines.slice(start - 1, start + 5).map((l) => l.replace(/[A-Za-z]+/g, 'x'));
        hunks.push(hunkContext(file, start, end, { deleted }));
      }
      hunks.push(hunkContext(file, 1, n));
      for (const ctx of hunks) {
        contexts++;
        const full = analyzeHunk(ctx, FEATURE_DETECTORS, DEFAULT_MODEL);
        const scan = analyzeHunk(ctx, DEFAULT_DETECTORS, DEFAULT_MODEL);
        expect(scan.score).toBe(full.score);
        expect(scan.signals).toEqual(full.signals);
        leftOutFired += relative.detect(ctx).length + rewrite.detect(ctx).length;
      }
    }
    expect(contexts).toBe(16);
    expect(leftOutFired).toBeGreaterThan(0);
  });

  it('runs, in a scan with another model, the detectors that model weighs', async () => {
    const patch = [
      'diff --git a/src/a.ts b/src/a.ts',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,2 +1,2 @@',
      '-const a = 1;',
      '-const b = 2;',
      '+export const a = compute(1);',
      '+export const b = compute(2);',
      '',
    ].join('\n');
    const changeSet = changeSetFromPatch(patch);
    const model: ScoringModel = { ...DEFAULT_MODEL, weights: { ...DEFAULT_MODEL.weights, [relative.features[0]!.id]: 0.5 } };
    const shipped = await analyzeChange(changeSet, { policy: DEFAULT_POLICY });
    const other = await analyzeChange(changeSet, { policy: DEFAULT_POLICY, model });
    expect(shipped.summary.detectors.map((d) => d.id)).toEqual(DEFAULT_DETECTORS.map((d) => d.id));
    expect(other.summary.detectors.map((d) => d.id)).toEqual(detectorsFor(model).map((d) => d.id));
    expect(other.summary.detectors.map((d) => d.id)).toContain('relative');
  });
});
