import { describe, expect, it } from 'vitest';
import type { Feature } from '../../src/core/types.js';
import { analyzeHunk, DEFAULT_MODEL, scoreFeatures, type ScoringModel } from '../../detectors/model.js';
import type { Detector } from '../../detectors/detector.js';
import { DEFAULT_DETECTORS, FEATURE_DETECTORS } from '../../detectors/registry.js';
import { contextOf } from './fixture.js';

const MODEL: ScoringModel = {
  id: 'test',
  version: '1.0.0',
  bias: -2,
  weights: { 'a/up': 3, 'a/down': -1.5, 'b/tie': 1, 'a/tie': 1 },
  trainedOn: 'test',
  metrics: {},
};

const f = (id: string, value: number, line?: number): Feature => (line === undefined ? { id, value, detail: id } : { id, value, line, detail: id });

describe('scoreFeatures', () => {
  it('is the sigmoid of bias plus contributions', () => {
    const { score } = scoreFeatures([f('a/up', 1), f('a/down', 1)], MODEL);
    expect(score).toBeCloseTo(1 / (1 + Math.exp(-(-2 + 3 - 1.5))), 4);
    expect(scoreFeatures([], MODEL).score).toBeCloseTo(1 / (1 + Math.exp(2)), 4);
  });

  it('stays within 0..1 for extreme inputs', () => {
    for (const value of [0, 1, 1e6, -1e6]) {
      const { score } = scoreFeatures([f('a/up', value)], MODEL);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(scoreFeatures([f('a/up', Number.NaN), f('a/up', Number.POSITIVE_INFINITY)], MODEL).score).toBeCloseTo(scoreFeatures([], MODEL).score, 10);
  });

  it('is monotone in a positive-weight feature and antitone in a negative one', () => {
    let previous = -1;
    for (const v of [0, 0.1, 0.3, 0.5, 0.9, 1]) {
      const { score } = scoreFeatures([f('a/up', v)], MODEL);
      expect(score).toBeGreaterThan(previous);
      previous = score;
    }
    expect(scoreFeatures([f('a/down', 1)], MODEL).score).toBeLessThan(scoreFeatures([f('a/down', 0.2)], MODEL).score);
  });

  it('makes each signal the contribution to the log-odds, sorted by |weight| then id', () => {
    const { signals } = scoreFeatures([f('b/tie', 0.5), f('a/down', 1, 7), f('a/up', 0.5), f('a/tie', 0.5)], MODEL);
    expect(signals).toEqual([
      { id: 'a/down', weight: -1.5, line: 7, detail: 'a/down' },
      { id: 'a/up', weight: 1.5, detail: 'a/up' },
      { id: 'a/tie', weight: 0.5, detail: 'a/tie' },
      { id: 'b/tie', weight: 0.5, detail: 'b/tie' },
    ]);
  });

  it('ignores unknown features, including prototype property names', () => {
    const base = scoreFeatures([f('a/up', 1)], MODEL);
    const withUnknown = scoreFeatures([f('a/up', 1), f('zzz/unknown', 1), f('constructor', 1), f('__proto__', 1)], MODEL);
    expect(withUnknown).toEqual(base);
  });
});

describe('DEFAULT_MODEL', () => {
  it('knows every feature the default detectors emit and only those', () => {
    const declared = new Set(DEFAULT_DETECTORS.flatMap((d) => d.features.map((s) => s.id)));
    for (const id of Object.keys(DEFAULT_MODEL.weights)) expect(declared.has(id)).toBe(true);
  });

  it('weighs every feature in its declared direction', () => {
    for (const spec of FEATURE_DETECTORS.flatMap((d) => d.features)) {
      const w = DEFAULT_MODEL.weights[spec.id] ?? 0;
      if (spec.direction === 'ai') expect(w).toBeGreaterThanOrEqual(0);
      else expect(w).toBeLessThanOrEqual(0);
    }
  });

  it('never flags on the shape of a change alone', () => {
    const shapeOnly = [f('hunk-shape/size', 1), f('hunk-shape/whole-units', 1)];
    expect(scoreFeatures(shapeOnly, DEFAULT_MODEL).score).toBeLessThan(DEFAULT_MODEL.thresholds!.high);
  });

  it('clears a hunk with no features', () => {
    expect(scoreFeatures([], DEFAULT_MODEL).score).toBeLessThan(DEFAULT_MODEL.thresholds!.low);
  });

  it('flags any single leftover of a chat answer', () => {
    for (const id of ['assistant-text/chat-phrase', 'assistant-text/code-fence', 'assistant-text/placeholder']) {
      expect(scoreFeatures([f(id, 1)], DEFAULT_MODEL).score).toBeGreaterThan(DEFAULT_MODEL.thresholds!.high);
    }
  });

  it('has a version and thresholds in order', () => {
    expect(DEFAULT_MODEL.version.length).toBeGreaterThan(0);
    const t = DEFAULT_MODEL.thresholds!;
    expect(t.low).toBeGreaterThan(0);
    expect(t.low).toBeLessThanOrEqual(t.high);
    expect(t.high).toBeLessThan(1);
  });
});

describe('analyzeHunk', () => {
  it('flags a chatty, over-commented hunk and clears a terse human one at the shipped thresholds', () => {
    const ai = contextOf(`// Here's the updated function with the requested changes
/**
 * Increments the counter.
 * @param {number} counter - The counter value.
 * @returns {number} The incremented counter.
 */
export function incrementCounter(counter: number): number {
  // Step 1: Increment the counter
  const incrementedCounter = counter + 1;
  // Return the incremented counter
  return incrementedCounter;
}
`);
    const human = contextOf('if (!res.ok) return cb(res.status) // TODO retry?\nn += chunk.length\n', undefined, 'javascript');
    const a = analyzeHunk(ai, DEFAULT_DETECTORS, DEFAULT_MODEL);
    const h = analyzeHunk(human, DEFAULT_DETECTORS, DEFAULT_MODEL);
    const { low, high } = DEFAULT_MODEL.thresholds!;
    expect(a.score).toBeGreaterThan(high);
    expect(h.score).toBeLessThan(low);
    expect(a.signals[0]!.id).toBe('assistant-text/chat-phrase');
    expect(a.features.map((x) => x.id)).toEqual([...a.features.map((x) => x.id)].sort());
    expect(a.failures).toEqual([]);
  });

  it('reports a detector that throws as a failure instead of throwing', () => {
    const broken: Detector = {
      id: 'broken',
      version: '0.0.1',
      features: [{ id: 'broken/x', direction: 'ai', description: 'x' }],
      detect() {
        throw new Error('boom');
      },
    };
    const result = analyzeHunk(contextOf('a();'), [broken, ...DEFAULT_DETECTORS], DEFAULT_MODEL);
    expect(result.failures).toEqual([{ detector: 'broken', message: 'boom' }]);
  });
});
