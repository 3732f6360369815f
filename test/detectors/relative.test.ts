import { describe, expect, it } from 'vitest';
import { hunkContext } from '../../detectors/context.js';
import { splitLines } from '../../detectors/line-facts.js';
import { parseSource } from '../../detectors/parse.js';
import { relative } from '../../detectors/relative.js';
import { rewrite } from '../../detectors/rewrite.js';
import { appendedContext } from './fixture.js';

/** A terse, uncommented file body of `n` small functions (the file's own style). */
function terseFile(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(`function f${i}(a, b) {`, `  const s = a + b;`, `  if (!s) return 0;`, `  return s * ${i};`, `}`);
  }
  return `${out.join('\n')}\n`;
}

const VERBOSE = [
  '/**',
  ' * Computes the weighted average of the provided measurement values.',
  ' */',
  'export function computeWeightedAverageOfMeasurements(measurementValues, measurementWeights) {',
  '  // Validate that both input arrays have exactly the same length.',
  '  if (measurementValues.length !== measurementWeights.length) throw new Error("length mismatch");',
  '',
  '  // Accumulate the weighted sum and the total weight in a single pass.',
  '  let accumulatedWeightedSum = 0;',
  '  let accumulatedTotalWeight = 0;',
  '',
  '  for (let index = 0; index < measurementValues.length; index++) {',
  '    accumulatedWeightedSum += measurementValues[index] * measurementWeights[index];',
  '    accumulatedTotalWeight += measurementWeights[index];',
  '  }',
  '',
  '  // Avoid dividing by zero when every weight is zero.',
  '  return accumulatedTotalWeight === 0 ? 0 : accumulatedWeightedSum / accumulatedTotalWeight;',
  '}',
  '',
].join('\n');

const TERSE_ADDITION = ['function g(a) {', '  const t = a * 2;', '  if (!t) return 1;', '  return t;', '}', ''].join('\n');

describe('relative', () => {
  it('reports longer lines, more and sentence-style comments and blank lines than the rest of the file, with true details', () => {
    const features = relative.detect(appendedContext(terseFile(12), VERBOSE, 'javascript'));
    const ids = features.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['relative/longer-lines', 'relative/more-comments', 'relative/sentence-comments', 'relative/longer-comments', 'relative/more-blank-lines']));
    const lines = features.find((f) => f.id === 'relative/longer-lines')!;
    expect(lines.detail).toMatch(/^added code lines average \d+ characters, against 1\d in the rest of this file$/);
    const sentences = features.find((f) => f.id === 'relative/sentence-comments')!;
    expect(sentences.detail).toBe('4 of 4 added comments are sentences ending in a full stop, against 0% of 0 comments in the rest of this file');
    for (const f of features) expect(f.value).toBeGreaterThan(0);
    for (const f of features) expect(f.value).toBeLessThanOrEqual(1);
  });

  it('reports nothing when the hunk matches the file', () => {
    expect(relative.detect(appendedContext(terseFile(12), TERSE_ADDITION, 'javascript'))).toEqual([]);
  });

  it('reports shorter lines as a human-direction feature', () => {
    const wide = Array.from({ length: 40 }, (_, i) => `export const configurationEntryNumber${i} = computeDefaultConfigurationValue(${i}, 'production');`).join('\n');
    const ids = relative.detect(appendedContext(`${wide}\n`, 'let a = 1;\nlet b = 2;\nlet c = a + b;\n', 'javascript')).map((f) => f.id);
    expect(ids).toEqual(['relative/shorter-lines']);
    expect(relative.features.find((s) => s.id === 'relative/shorter-lines')!.direction).toBe('human');
  });

  it('has no baseline, and so no features, in a new file', () => {
    expect(relative.detect(appendedContext('', VERBOSE, 'javascript'))).toEqual([]);
    // A file with too little unchanged code is treated the same way.
    expect(relative.detect(appendedContext(terseFile(2), VERBOSE, 'javascript'))).toEqual([]);
  });

  it('reports ?./?? and catch clauses the file does not use', () => {
    const added = [
      'async function loadSettings(store) {',
      '  try {',
      '    const raw = await store?.read?.("settings");',
      '    return raw?.value ?? {};',
      '  } catch (error) {',
      '    return {};',
      '  }',
      '}',
      '',
    ].join('\n');
    const ids = relative.detect(appendedContext(terseFile(12), added, 'javascript')).map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['relative/optional-chaining', 'relative/try-catch']));
  });

  it('declares every feature it emits', () => {
    const declared = new Set(relative.features.map((s) => s.id));
    for (const f of relative.detect(appendedContext(terseFile(12), VERBOSE, 'javascript'))) expect(declared.has(f.id)).toBe(true);
  });
});

/** Context of a hunk that replaced `deleted` by lines start..end of `text`. */
function replaced(text: string, start: number, end: number, deleted: readonly string[]) {
  const parsed = parseSource(text, 'typescript');
  const lines = parsed?.lines ?? splitLines(text);
  return hunkContext({ path: 'src/sum.ts', language: 'typescript', lines, ...(parsed ? { parsed } : {}) }, start, end, { deleted });
}

describe('rewrite', () => {
  const OLD = ['  let t = 0;', '  for (const x of xs) t += x;', '  if (t < 0) t = 0;', '  return t;'];
  const NEW_TEXT = [
    'export function total(xs: number[]): number {',
    '  // Sum every value, clamping the running total at zero.',
    '  // Negative totals are not meaningful for this counter.',
    '  const runningTotalOfValues = xs.reduce((accumulator, value) => accumulator + value, 0);',
    '  const clampedTotalOfValues = Math.max(0, runningTotalOfValues);',
    '  return clampedTotalOfValues;',
    '}',
    '',
  ].join('\n');

  it('reports a block replaced wholesale, comments where there were none and lengthened lines', () => {
    const features = rewrite.detect(replaced(NEW_TEXT, 2, 6, OLD));
    expect(features.map((f) => f.id)).toEqual(['rewrite/block-replaced', 'rewrite/comments-added', 'rewrite/lines-lengthened']);
    expect(features[0]!.detail).toBe('4 lines removed and 5 written in their place; 0 of the removed lines kept');
    expect(features[1]!.detail).toBe('2 comment lines added where the 4 replaced lines had none');
  });

  it('reports a small in-place edit as a human-direction feature', () => {
    const text = ['export function total(xs: number[]): number {', '  let t = 0;', '  for (const x of xs) t += x * 2;', '  return t;', '}', ''].join('\n');
    const features = rewrite.detect(replaced(text, 3, 3, ['  for (const x of xs) t += x;']));
    expect(features.map((f) => f.id)).toEqual(['rewrite/edit-in-place']);
    expect(rewrite.features.find((s) => s.id === 'rewrite/edit-in-place')!.direction).toBe('human');
  });

  it('is silent on pure additions', () => {
    expect(rewrite.detect(replaced(NEW_TEXT, 1, 7, []))).toEqual([]);
  });
});
