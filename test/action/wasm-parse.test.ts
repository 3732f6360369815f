// The bundle's WASM parser must give the detectors exactly what the native binding gives them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import type { Language } from '../../src/core/types.js';
import * as native from '../../src/detectors/parse.js';
import { languageOfPath } from '../../src/detectors/language.js';
import * as wasm from '../../src/action/platform/wasm-parse.js';
import { nodeModulesWasmPaths } from './wasm-paths.js';

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|js|mjs|jsx)$/.test(name)) out.push(p);
  }
  return out;
}

beforeAll(async () => {
  await wasm.initWasmParsers(nodeModulesWasmPaths());
});

test('languages tree-sitter is not used for yield no ParsedFile, as with the native module', () => {
  expect(wasm.parseSource('x', 'text')).toBe(native.parseSource('x', 'text'));
  expect(wasm.parseSource('x', 'text')).toBeUndefined();
});

const corpus = [...walk('src'), ...walk('node_modules/commander/lib'), ...walk('node_modules/yaml/dist/parse')];
const extra: [string, Language, string][] = [
  ['component.tsx', 'tsx', 'export const A = () => <div className="x">{items.map((i) => <B key={i} />)}</div>;\n'],
  ['broken.ts', 'typescript', 'function (a: { b: \n'],
  ['big.ts', 'typescript', `${'// é 𝄞 comment\nexport function f(a: number): number { return a + 1; }\n'.repeat(2000)}`],
  ['crlf.js', 'javascript', 'const a = 1;\r\nconst b = `x\r\ny`;\r\n'],
];

test.each([...corpus.map((p) => [p, languageOfPath(p), readFileSync(p, 'utf8')] as [string, Language, string]), ...extra])('%s parses to the same tree with native and WASM tree-sitter', (_path, language, text) => {
  const a = native.parseSource(text, language)!;
  const b = wasm.parseSource(text, language)!;
  expect(b.parseFailure).toBeUndefined();
  expect(b.tree!.rootNode.toString()).toBe(a.tree!.rootNode.toString());
  expect(b.hasErrors).toBe(a.hasErrors);
  expect(b.lines).toEqual(a.lines);
  // The members detectors/ read, on every function-like node.
  const kinds = ['function_declaration', 'method_definition', 'arrow_function', 'class_declaration', 'comment'];
  const pick = (f: native.ParsedFile) => f.tree!.rootNode.descendantsOfType(kinds).map((n) => [n.type, n.startIndex, n.endIndex, n.startPosition.row, n.endPosition.row, n.parent?.type, n.childForFieldName('name')?.type, n.namedChildCount, native.nodeText(f, n).length]);
  expect(pick(b)).toEqual(pick(a));
});

test('the corpus is not trivially small', () => {
  expect(corpus.length).toBeGreaterThan(50);
});
