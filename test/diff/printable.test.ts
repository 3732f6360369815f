import { describe, expect, it } from 'vitest';
import { printable } from '../../src/core/errors.js';
import { parseUnifiedDiff } from '../../src/diff/parse.js';

describe('printable', () => {
  it.each([
    ['plain/path.ts', 'plain/path.ts'],
    ['tést ü 😀', 'tést ü 😀'],
    ['a\x1b[31mred', 'a\\x1b[31mred'],
    ['line\nforged: ok', 'line\\x0aforged: ok'],
    ['tab\tcr\rdel\x7f c1\x9b', 'tab\\x09cr\\x0ddel\\x7f c1\\x9b'],
    ['bidi \u202egnp.exe', 'bidi \\u202egnp.exe'],
    ['sep\u2028x', 'sep\\u2028x'],
  ])('%j', (value, expected) => {
    expect(printable(value)).toBe(expected);
  });

  it('cuts long values', () => {
    expect(printable('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('diff errors never echo control characters', () => {
  it('escapes a hostile path in a mismatch message', () => {
    const text = 'diff --git a/f b/f\n--- a/f\n+++ "b/\\033[2Jevil"\n@@ -1 +1 @@\n-a\n+b\n';
    expect(() => parseUnifiedDiff(text)).toThrow('"+++" names "\\x1b[2Jevil" but the git header names "f"');
  });
});
