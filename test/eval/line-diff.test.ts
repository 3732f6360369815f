import { describe, expect, it } from 'vitest';
import { diffLines, type LineChange } from '../../src/eval/line-diff.js';
import { seededRandom } from '../../src/eval/split.js';

function apply(a: readonly string[], b: readonly string[], changes: readonly LineChange[]): string[] {
  const out: string[] = [];
  let i = 0; // 0-based next old line
  for (const c of changes) {
    const oldFirst = c.oldCount === 0 ? c.oldStart : c.oldStart - 1; // 0-based index of first deleted / insertion point
    while (i < oldFirst) out.push(a[i++]!);
    i += c.oldCount;
    const newFirst = c.newCount === 0 ? c.newStart : c.newStart - 1;
    out.push(...b.slice(newFirst, newFirst + c.newCount));
  }
  while (i < a.length) out.push(a[i++]!);
  return out;
}

function lcs(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  }
  return dp[0]![0]!;
}

describe('diffLines', () => {
  it.each([
    ['replacement', ['a', 'b', 'c'], ['a', 'x', 'c'], [{ oldStart: 2, oldCount: 1, newStart: 2, newCount: 1 }]],
    // git: @@ -1,0 +2 @@
    ['insertion', ['a', 'c'], ['a', 'b', 'c'], [{ oldStart: 1, oldCount: 0, newStart: 2, newCount: 1 }]],
    // git: @@ -2 +1,0 @@
    ['deletion', ['a', 'b', 'c'], ['a', 'c'], [{ oldStart: 2, oldCount: 1, newStart: 1, newCount: 0 }]],
    ['identical', ['a', 'b'], ['a', 'b'], []],
    ['from empty', [], ['a', 'b'], [{ oldStart: 0, oldCount: 0, newStart: 1, newCount: 2 }]],
    ['to empty', ['a', 'b'], [], [{ oldStart: 1, oldCount: 2, newStart: 0, newCount: 0 }]],
    ['two separate changes', ['a', 'b', 'c', 'd', 'e'], ['a', 'B', 'c', 'd', 'e', 'f'], [
      { oldStart: 2, oldCount: 1, newStart: 2, newCount: 1 },
      { oldStart: 5, oldCount: 0, newStart: 6, newCount: 1 },
    ]],
  ])('%s', (_name, a, b, expected) => {
    expect(diffLines(a, b)).toEqual(expected);
  });

  it('produces a minimal script that turns a into b (random cases)', () => {
    const random = seededRandom(42);
    const alphabet = ['a', 'b', 'c', 'd', '}', ''];
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]!);
      const b = Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]!);
      const changes = diffLines(a, b)!;
      expect(apply(a, b, changes)).toEqual(b);
      const edits = changes.reduce((n, c) => n + c.oldCount + c.newCount, 0);
      expect(edits).toBe(a.length + b.length - 2 * lcs(a, b));
      for (const c of changes) expect(c.oldCount + c.newCount).toBeGreaterThan(0);
    }
  });

  it('gives up beyond the edit budget', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`);
    expect(diffLines(a, b, 20)).toBeUndefined();
    expect(diffLines(a, b, 100)).toHaveLength(1);
  });
});
