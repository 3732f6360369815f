import { describe, expect, it } from 'vitest';
import { lineFactsOf, LineKind, splitLines } from '../../detectors/line-facts.js';

function facts(text: string) {
  return lineFactsOf(splitLines(text));
}

describe('lineFactsOf', () => {
  it.each([
    ['const a = 1;', LineKind.Code],
    ['   \t', LineKind.Blank],
    ['// note', LineKind.Comment],
    ['/* note */', LineKind.Comment],
    ['x++; // bump', LineKind.Mixed],
    ['const url = "http://example.com";', LineKind.Code],
    ["const s = '/* not a comment */';", LineKind.Code],
    ['const t = `// ${a} not a comment`;', LineKind.Code],
    ['const r = /\\/\\/["\']/g; // real', LineKind.Mixed],
    ['const q = a / b / c; // div', LineKind.Mixed],
    ['return <div>a</div>; // jsx', LineKind.Mixed],
  ])('%s', (line, kind) => {
    expect(facts(line).kinds[0]).toBe(kind);
  });

  // Look-aheads past the end of a line (`/`, `$`, `/*`, `/**` as its last characters, a block
  // comment line that is only `*`) see no character: nothing continues onto the next line.
  it.each([
    ['x = a /', [LineKind.Code], ['x = a /'], ['x = a /'], []],
    ['x = `$', [LineKind.Code], ['x = `$'], ['x = `'], []],
    ['x = `a$\n{b}`', [LineKind.Code, LineKind.Code], ['x = `a$', '{b}`'], ['x = `', '`'], []],
    ['/*', [LineKind.Comment], [''], [''], [[1, 1, 'block', '']]],
    ['/**', [LineKind.Comment], [''], [''], [[1, 1, 'jsdoc', '']]],
    ['/* a\n *', [LineKind.Comment, LineKind.Comment], ['', ''], ['', ''], [[1, 2, 'block', 'a']]],
    ['y = 1 /* c */ /', [LineKind.Mixed], ['y = 1  /'], ['y = 1  /'], [[1, 1, 'block', 'c']]],
  ])('reads nothing past the end of %j', (text, kinds, code, bare, comments) => {
    const f = facts(text);
    expect(Array.from(f.kinds)).toEqual(kinds);
    expect(f.code).toEqual(code);
    expect(f.bare).toEqual(bare);
    expect(f.comments.map((c) => [c.line, c.endLine, c.style, c.text])).toEqual(comments);
  });

  it('extracts comment text and marks trailing comments', () => {
    const f = facts('x++; // bump x\n// whole line\n/** doc */');
    expect(f.comments.map((c) => [c.line, c.style, c.text, c.trailing])).toEqual([
      [1, 'line', 'bump x', true],
      [2, 'line', 'whole line', false],
      [3, 'jsdoc', 'doc', false],
    ]);
  });

  it('joins multi-line block comments and strips leading stars', () => {
    const f = facts('/**\n * Adds.\n * @param a first\n */\nfunction add(a) {}\n');
    expect(f.comments).toHaveLength(1);
    expect(f.comments[0]).toMatchObject({ line: 1, endLine: 4, style: 'jsdoc', text: 'Adds.\n@param a first' });
    expect(Array.from(f.kinds)).toEqual([LineKind.Comment, LineKind.Comment, LineKind.Comment, LineKind.Comment, LineKind.Code]);
    expect(f.commentAt[2]).toBe(0);
    expect(f.commentAt[4]).toBe(-1);
  });

  it('keeps multi-line template literals as code, including interpolations with braces', () => {
    const f = facts('const s = `a\n// inside the template\n${fn({ a: 1 })} tail`;\n// after');
    expect(Array.from(f.kinds)).toEqual([LineKind.Code, LineKind.Code, LineKind.Code, LineKind.Comment]);
    expect(f.comments.map((c) => c.text)).toEqual(['after']);
  });

  it('blanks string contents in bare code and counts quote styles', () => {
    const f = facts(`const a = 'one', b = "two", c = \`three\`;`);
    expect(f.bare[0]).toBe("const a = '', b = \"\", c = ``;");
    expect(f.code[0]).toBe(`const a = 'one', b = "two", c = \`three\`;`);
    expect([f.singleQuotes[0], f.doubleQuotes[0], f.backticks[0]]).toEqual([1, 1, 1]);
  });

  it('closes an unterminated block comment at end of file', () => {
    const f = facts('code();\n/* never closed\nstill comment');
    expect(f.comments).toHaveLength(1);
    expect(f.comments[0]).toMatchObject({ line: 2, endLine: 3 });
  });

  it('is cached per lines array', () => {
    const lines = splitLines('a();');
    expect(lineFactsOf(lines)).toBe(lineFactsOf(lines));
  });
});
