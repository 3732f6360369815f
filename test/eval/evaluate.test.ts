import { describe, expect, it } from 'vitest';
import type { Feature } from '../../src/core/types.js';
import { DEFAULT_DETECTORS, DEFAULT_MODEL, type Detector, type DetectorContext, type ScoringModel } from '../../detectors/index.js';
import type { Sample } from '../../src/eval/corpus.js';
import { scoreSamples, splitReport, trainOperatingThreshold, type ScoredSample } from '../../src/eval/evaluate.js';
import { renderText, type EvalReport } from '../../src/eval/eval-report.js';

// A detector that reports how many added lines contain the word "Step": enough to check the
// harness wiring (added-line range, contributions per detector) without depending on the
// shipped detectors' current weights.
const stepCounter: Detector = {
  id: 'step-counter',
  version: '1.0.0',
  features: [{ id: 'step-counter/steps', direction: 'ai', description: 'lines mentioning Step' }],
  detect(ctx: DetectorContext): Feature[] {
    const n = ctx.hunk.added.filter((a) => a.text.includes('Step')).length;
    return n > 0 ? [{ id: 'step-counter/steps', value: n, detail: `${n} step lines` }] : [];
  },
};
const model: ScoringModel = { id: 'test', version: '0', bias: -1, weights: { 'step-counter/steps': 2 }, trainedOn: 'none', metrics: {} };

const FILE = ['export function f(x: number) {', '  // Step 1: double', '  const y = x * 2;', '  // Step 2: return', '  return y;', '}', ''].join('\n');

function sample(id: string, label: 'ai' | 'human', split: 'train' | 'test', startLine: number, endLine: number): Sample {
  return { id, label, split, path: 'src/f.ts', fileText: FILE, startLine, endLine, source: 'fixture', style: label === 'ai' ? 'narrated' : 'lines' };
}

describe('scoreSamples', () => {
  it('scores exactly the added range and attributes log-odds to the detector', () => {
    const scored = scoreSamples(
      [sample('a', 'ai', 'train', 1, 6), sample('b', 'human', 'train', 3, 3), sample('c', 'ai', 'train', 2, 2)],
      [stepCounter],
      model,
    );
    expect(scored.map((s) => s.contributions['step-counter'] ?? 0)).toEqual([4, 0, 2]);
    expect(scored.map((s) => s.features['step-counter/steps'] ?? 0)).toEqual([2, 0, 1]);
    expect(scored.map((s) => s.size)).toEqual([6, 1, 1]);
    // sigmoid(-1 + 4), sigmoid(-1), sigmoid(-1 + 2), rounded to 4 places by the model
    expect(scored.map((s) => s.score)).toEqual([0.9526, 0.2689, 0.7311]);
  });

  it('runs the shipped detectors and model without failures', () => {
    const scored = scoreSamples([sample('a', 'ai', 'train', 1, 6), sample('b', 'human', 'test', 3, 3)], DEFAULT_DETECTORS, DEFAULT_MODEL);
    expect(scored.every((s) => s.failures === 0 && s.score >= 0 && s.score <= 1)).toBe(true);
    const ids = new Set(DEFAULT_DETECTORS.map((d) => d.id));
    for (const s of scored) for (const key of Object.keys(s.contributions)) expect(ids.has(key)).toBe(true);
  });

  it('reports progress once per sample', () => {
    const seen: [number, number][] = [];
    scoreSamples([sample('a', 'ai', 'train', 1, 1), sample('b', 'ai', 'train', 2, 2)], [stepCounter], model, (d, t) => seen.push([d, t]));
    expect(seen).toEqual([[1, 2], [2, 2]]);
  });
});

describe('splitReport', () => {
  const s = (id: string, label: 'ai' | 'human', split: 'train' | 'test', score: number, style: string, steps: number, size = 2): ScoredSample => ({
    id, label, split, style, score, size,
    contributions: steps === 0 ? {} : { 'step-counter': steps },
    features: steps === 0 ? {} : { 'step-counter/steps': steps / 2 },
    failures: 0,
  });
  const directions = new Map([['step-counter/steps', 'ai' as const]]);
  const scored = [
    s('h1', 'human', 'test', 0.1, 'lines', 0),
    s('h2', 'human', 'test', 0.6, 'unit', 0),
    s('h3', 'human', 'test', 0.85, 'unit', 1),
    s('h4', 'human', 'test', 0.2, 'lines', 0),
    s('a1', 'ai', 'test', 0.9, 'narrated', 2, 30),
    s('a2', 'ai', 'test', 0.7, 'terse', 0),
    s('a3', 'ai', 'test', 0.3, 'terse', 0),
    s('t1', 'human', 'train', 0.4, 'lines', 0),
  ];

  it('counts bands, per-style recall and per-detector figures on its split only', () => {
    const r = splitReport(scored, 'test', { low: 0.5, high: 0.8 }, directions, 0.65);
    expect(r.counts).toEqual({ human: 4, ai: 3 });
    expect(r.human).toMatchObject({ total: 4, flagged: 1, uncertain: 1, clear: 2, flaggedRate: 0.25, uncertainRate: 0.25 });
    expect(r.ai).toMatchObject({ total: 3, flagged: 1, uncertain: 1, clear: 1 });
    expect(r.aiByStyle).toEqual([
      { name: 'narrated', total: 1, flagged: 1, flaggedRate: 1 },
      { name: 'terse', total: 2, flagged: 0, flaggedRate: 0 },
    ]);
    expect(r.humanBySpan.map((g) => [g.name, g.flagged, g.total])).toEqual([['lines', 0, 2], ['unit', 1, 2]]);
    // AUROC by hand: ai 0.9 beats all 4; 0.7 beats 3 (0.1, 0.6, 0.2); 0.3 beats 2 → 9/12
    expect(r.auroc).toBeCloseTo(9 / 12, 12);
    // step-counter alone: ai contributions [2,0,0], human [0,0,1,0]; pairs: 2 beats all (4), each 0 beats 3 zeros at ½ and loses to 1 → 1.5+1.5 → 7/12
    expect(r.detectors).toEqual([{ id: 'step-counter', meanAi: 2 / 3, meanHuman: 0.25, auroc: 7 / 12, aurocUnweighted: 7 / 12 }]);
    expect(r.features).toEqual([{ id: 'step-counter/steps', direction: 'ai', firesAi: 1 / 3, firesHuman: 0.25, auroc: 7 / 12 }]);
    expect(r.aiBySize).toEqual([
      { name: '1-3 lines', total: 2, flagged: 0, flaggedRate: 0 },
      { name: '11-40 lines', total: 1, flagged: 1, flaggedRate: 1 },
    ]);
    expect(r.humanBySize).toEqual([{ name: '1-3 lines', total: 4, flagged: 1, flaggedRate: 0.25 }]);
    // at 0.65: humans flagged 1 of 4 (0.85), ai caught 2 of 3
    expect(r.operatingPoint).toEqual({ threshold: 0.65, humanFlagged: 0.25, aiRecall: 2 / 3 });
  });

  it('counts a human-pointing feature against AI in the unweighted AUROC', () => {
    const rows: ScoredSample[] = [
      { ...s('a', 'ai', 'test', 0.5, 'x', 0), features: {} },
      { ...s('h', 'human', 'test', 0.5, 'x', 0), features: { 'marks/todo': 1 } },
    ];
    const r = splitReport(rows, 'test', { low: 0.5, high: 0.8 }, new Map([['marks/todo', 'human' as const]]), null);
    expect(r.features[0]).toMatchObject({ id: 'marks/todo', direction: 'human', firesAi: 0, firesHuman: 1, auroc: 1 });
    expect(r.detectors[0]).toMatchObject({ id: 'marks', aurocUnweighted: 1, auroc: 0.5 });
    expect(r.operatingPoint).toEqual({ threshold: null, humanFlagged: null, aiRecall: null });
  });

  it('chooses the operating cut on human train hunks only', () => {
    expect(trainOperatingThreshold(scored)).toBeGreaterThan(0.4);
    expect(trainOperatingThreshold(scored.filter((x) => x.split === 'test'))).toBeNull();
  });

  it('renders a text report naming the never-tuned split', () => {
    const report: EvalReport = {
      schema: 'trailmark.eval/v1',
      model: { id: 'test', version: '0', trainedOn: 'none' },
      detectorsVersion: '1',
      thresholds: { low: 0.5, high: 0.8, source: 'model' },
      neverTuned: 'test',
      humanFlagBudget: 0.02,
      splits: [splitReport(scored, 'test', { low: 0.5, high: 0.8 }, directions, 0.65)],
    };
    const text = renderText(report);
    expect(text).toContain('== test (never tuned on) ==');
    expect(text).toContain('human: flagged  25.0% (1/4)');
    expect(text).toMatch(/narrated\s+100\.0% {2}\(1\/1\)/);
  });
});
