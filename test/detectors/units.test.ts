import { describe, expect, it } from 'vitest';
import { parseSource } from '../../detectors/parse.js';
import { enclosingUnits, functionShape, unitsInRange } from '../../detectors/units.js';

const SOURCE = [
  'import x from "x";', // 1
  '', // 2
  'export class Store {', // 3
  '  private items = new Map<string, number>();', // 4
  '', // 5
  '  get(key: string): number | undefined {', // 6
  '    return this.items.get(key);', // 7
  '  }', // 8
  '', // 9
  '  set(key: string, value: number): void {', // 10
  '    this.items.set(key, value);', // 11
  '  }', // 12
  '', // 13
  '  onChange = (key: string) => {', // 14
  '    console.log(key);', // 15
  '  };', // 16
  '}', // 17
  '', // 18
  'export const double = (n: number): number => n * 2;', // 19
  '', // 20
  'interface Shape {', // 21
  '  area(): number;', // 22
  '}', // 23
  '', // 24
  'function outer() {', // 25
  '  function inner() {', // 26
  '    return [1, 2].map((v) => v + 1);', // 27
  '  }', // 28
  '  return inner;', // 29
  '}', // 30
  'module.exports.handler = function () {', // 31
  '  return 1;', // 32
  '};', // 33
].join('\n');

const parsed = parseSource(SOURCE, 'typescript')!;

describe('enclosingUnits', () => {
  it('maps a line inside a method to the method (innermost)', () => {
    expect(enclosingUnits(parsed, 7, 7)).toEqual([{ kind: 'method', name: 'get', startLine: 6, endLine: 8 }]);
  });

  it('maps a class field line to the class', () => {
    expect(enclosingUnits(parsed, 4, 4)).toEqual([{ kind: 'class', name: 'Store', startLine: 3, endLine: 17 }]);
  });

  it('reports a method added complete as whole', () => {
    expect(enclosingUnits(parsed, 10, 12)).toEqual([{ kind: 'method', name: 'set', startLine: 10, endLine: 12, whole: true }]);
  });

  it('names arrow functions by their binding and starts them at the declaration', () => {
    expect(enclosingUnits(parsed, 19, 19)).toEqual([{ kind: 'arrow', name: 'double', startLine: 19, endLine: 19, whole: true }]);
    expect(enclosingUnits(parsed, 15, 15)).toEqual([{ kind: 'arrow', name: 'onChange', startLine: 14, endLine: 16 }]);
  });

  it('maps a hunk spanning two methods to both, and whole units only when every line was added', () => {
    expect(enclosingUnits(parsed, 7, 11)).toEqual([
      { kind: 'class', name: 'Store', startLine: 3, endLine: 17 },
      { kind: 'method', name: 'get', startLine: 6, endLine: 8 },
      { kind: 'method', name: 'set', startLine: 10, endLine: 12 },
    ]);
    const added = new Set([10, 12]);
    expect(enclosingUnits(parsed, 10, 12, (l) => added.has(l))).toEqual([{ kind: 'method', name: 'set', startLine: 10, endLine: 12 }]);
  });

  it('reports the maximal whole units of a large hunk, not their nested units', () => {
    const units = enclosingUnits(parsed, 1, 33);
    expect(units.filter((u) => u.whole === true).map((u) => u.name)).toEqual(['Store', 'double', 'Shape', 'outer', 'module.exports.handler']);
  });

  it('does not treat anonymous callbacks as units', () => {
    expect(enclosingUnits(parsed, 27, 27)).toEqual([{ kind: 'function', name: 'inner', startLine: 26, endLine: 28 }]);
  });

  it('returns nothing outside units and without a tree', () => {
    expect(enclosingUnits(parsed, 1, 2)).toEqual([]);
    const failed = { ...parsed, tree: undefined };
    expect(enclosingUnits(failed, 1, 33)).toEqual([]);
  });

  it('counts statements and parameters of functions', () => {
    const get = unitsInRange(parsed, 6, 8).find((u) => u.name === 'get')!;
    expect(functionShape(get)).toEqual({ statements: 1, parameters: 1, returnType: true });
    const onChange = unitsInRange(parsed, 14, 16).find((u) => u.name === 'onChange')!;
    expect(functionShape(onChange)).toEqual({ statements: 1, parameters: 1, returnType: false });
  });

  it('gives the same units after switching to one whole-file query for many hunks', () => {
    const shared = parseSource(SOURCE, 'typescript')!;
    const view = (units: readonly { kind: string; name: string | undefined; startLine: number; endLine: number; declLine: number }[]) =>
      units.map((u) => [u.kind, u.name, u.startLine, u.endLine, u.declLine]);
    const ranges: [number, number][] = [];
    for (let s = 1; s <= 33; s++) for (const len of [0, 2, 7]) if (s + len <= 33) ranges.push([s, s + len]);
    expect(ranges.length).toBeGreaterThan(20);
    for (const [s, e] of ranges) {
      const fresh = parseSource(SOURCE, 'typescript')!;
      expect(view(unitsInRange(shared, s, e))).toEqual(view(unitsInRange(fresh, s, e)));
    }
  });

  it('is linear enough for a 5,000-line hunk', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `function f${i}(a) {\n  if (a) {\n    return a;\n  }\n}`).join('\n');
    const big = parseSource(text, 'javascript')!;
    const units = enclosingUnits(big, 1, 5000);
    expect(units).toHaveLength(1000);
    expect(units.every((u) => u.whole === true)).toBe(true);
  });
});
