import { describe, expect, it } from 'vitest';
import { languageOfPath } from '../../detectors/language.js';
import { nodeText, parseSource } from '../../detectors/parse.js';
import { LineKind, splitLines } from '../../detectors/line-facts.js';

function bigSource(bytes: number): string {
  const chunk = [
    '/** Adds two numbers. */',
    'export function add(a: number, b: number): number {',
    '  const s = `sum ${a + b}`; // template',
    "  return a + b; /* block */",
    '}',
    '',
  ].join('\n');
  let out = '';
  let i = 0;
  while (out.length < bytes) out += chunk.replace('add', `add${i++}`) + '\n';
  return out;
}

describe('languageOfPath', () => {
  it.each([
    ['src/a.ts', 'typescript'],
    ['src/a.mts', 'typescript'],
    ['src/a.cts', 'typescript'],
    ['types/a.d.ts', 'typescript'],
    ['src/A.TSX', 'tsx'],
    ['a.js', 'javascript'],
    ['a.mjs', 'javascript'],
    ['a.cjs', 'javascript'],
    ['a.jsx', 'jsx'],
    ['README.md', 'unknown'],
    ['Makefile', 'unknown'],
    ['.ts', 'unknown'],
    ['dir.ts/file', 'unknown'],
  ])('%s -> %s', (path, language) => {
    expect(languageOfPath(path)).toBe(language);
  });
});

describe('parseSource', () => {
  it('parses each grammar and exposes node text by UTF-16 index', () => {
    const ts = parseSource('const é = "😀";\nfunction f(a: number) { return a; }\n', 'typescript')!;
    expect(ts.tree).toBeDefined();
    expect(ts.hasErrors).toBe(false);
    const fn = ts.tree!.rootNode.descendantsOfType('function_declaration')[0]!;
    expect(nodeText(ts, fn)).toBe('function f(a: number) { return a; }');
    const tsx = parseSource('export const A = () => <div className="x">hi</div>;\n', 'tsx')!;
    expect(tsx.hasErrors).toBe(false);
    const jsx = parseSource('export const A = () => <div>hi</div>;\n', 'jsx')!;
    expect(jsx.hasErrors).toBe(false);
    const js = parseSource('module.exports = function () { return 1 }\n', 'javascript')!;
    expect(js.hasErrors).toBe(false);
    expect(js.language).toBe('javascript');
  });

  it('returns undefined for languages it does not parse', () => {
    expect(parseSource('hello', 'text')).toBeUndefined();
    expect(parseSource('hello', 'unknown')).toBeUndefined();
    expect(parseSource('\u0000', 'binary')).toBeUndefined();
  });

  it('parses a file over 32 KiB (where parse(string) fails in tree-sitter 0.21)', () => {
    const text = bigSource(40 * 1024);
    expect(text.length).toBeGreaterThan(32 * 1024);
    const parsed = parseSource(text, 'typescript')!;
    expect(parsed.parseFailure).toBeUndefined();
    expect(parsed.hasErrors).toBe(false);
    expect(parsed.tree!.rootNode.endPosition.row).toBe(parsed.lines.length);
  });

  it('parses a 2 MB file completely', () => {
    const text = bigSource(2 * 1024 * 1024);
    const parsed = parseSource(text, 'typescript')!;
    expect(parsed.hasErrors).toBe(false);
    const functions = parsed.tree!.rootNode.descendantsOfType('function_declaration');
    expect(functions.length).toBe(text.split('export function').length - 1);
    const last = functions[functions.length - 1]!;
    expect(nodeText(parsed, last.childForFieldName('name')!)).toBe(`add${functions.length - 1}`);
  });

  it('reports syntax errors without throwing', () => {
    const parsed = parseSource('function ( {\n  here is some prose\n', 'typescript')!;
    expect(parsed.tree).toBeDefined();
    expect(parsed.hasErrors).toBe(true);
  });

  it('handles empty, binary-looking and U+FFFD text', () => {
    expect(parseSource('', 'typescript')!.lines).toEqual([]);
    const binary = parseSource('\u0000\u0001\u0002\uFFFD\uFFFD\n'.repeat(5000), 'javascript')!;
    expect(binary.lines.length).toBe(5000);
    expect(binary.facts.kinds.length).toBe(5000);
  });

  it('splits CRLF text into lines without the carriage return, like tree-sitter rows', () => {
    const text = 'const a = 1;\r\n// note\r\n\r\nconst b = 2;\r\n';
    expect(splitLines(text)).toEqual(['const a = 1;', '// note', '', 'const b = 2;']);
    const parsed = parseSource(text, 'typescript')!;
    expect(Array.from(parsed.facts.kinds)).toEqual([LineKind.Code, LineKind.Comment, LineKind.Blank, LineKind.Code]);
    const decls = parsed.tree!.rootNode.descendantsOfType('lexical_declaration');
    expect(decls.map((d) => d.startPosition.row)).toEqual([0, 3]);
  });
});
