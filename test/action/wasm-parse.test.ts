// The Action's parser: the WASM backend loaded from the .wasm files the bundle ships
// (dist/action/wasm/), and the analysis main.ts wires onto it. Native/WASM agreement is
// test/detectors/parser-conformance.test.ts.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { ParserError } from '../../detectors/parse.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { wasmAnalysis } from '../../action/main.js';
import { loadWasmParser, WASM_FILES } from '../../action/platform/wasm-parse.js';

const SHIPPED = join(import.meta.dirname, '../../dist/action/wasm');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function copyOfShipped(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-wasm-'));
  dirs.push(dir);
  cpSync(SHIPPED, dir, { recursive: true });
  return dir;
}

test('loads the shipped runtime and grammars and parses every language', async () => {
  const parser = await loadWasmParser(SHIPPED);
  try {
    expect(parser.backend).toBe('wasm');
    for (const [language, text] of [['typescript', 'const a: number = 1;'], ['tsx', 'const A = () => <b />;'], ['javascript', 'const a = 1;'], ['jsx', 'const A = () => <b />;']] as const) {
      const parsed = parser.parse(text, language)!;
      expect(parsed.hasErrors, language).toBe(false);
      parser.release(parsed);
    }
    expect(parser.liveTrees).toBe(0);
  } finally {
    parser.dispose();
  }
});

test('a missing grammar is a typed error naming the directory, with a hint', async () => {
  const dir = copyOfShipped();
  rmSync(join(dir, WASM_FILES.tsx));
  const err = await loadWasmParser(dir).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ParserError);
  expect(err).toMatchObject({ code: 'PARSER_UNAVAILABLE', message: expect.stringContaining(dir), hint: expect.stringContaining('bundle:action') });
});

test('a grammar that is not WebAssembly is a typed error, not a crash', async () => {
  const dir = copyOfShipped();
  writeFileSync(join(dir, WASM_FILES.javascript), 'not wasm');
  const err = await loadWasmParser(dir).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ParserError);
  expect(err).toMatchObject({ code: 'PARSER_UNAVAILABLE', message: expect.stringContaining('wasm runtime') });
});

test("the Action's analysis parses with the WASM files on first use, and surfaces a load failure", async () => {
  const source = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
  const patch = `diff --git a/src/add.ts b/src/add.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/add.ts\n@@ -0,0 +1,3 @@\n${source.split('\n').slice(0, -1).map((l) => `+${l}`).join('\n')}\n`;
  const changeSet = changeSetFromPatch(patch);
  // A plain patch has no head text: give the file its text so that it is parsed.
  const withText = { ...changeSet, files: changeSet.files.map((f) => ({ ...f, headText: source })) };
  const result = await wasmAnalysis(SHIPPED)(withText, { policy: DEFAULT_POLICY });
  expect(result.hunks).toHaveLength(1);
  expect(result.hunks[0]!.units).toEqual([{ kind: 'function', name: 'add', startLine: 1, endLine: 3, whole: true }]);

  const missing = join(tmpdir(), 'trailmark-no-such-wasm-dir');
  const analyze = wasmAnalysis(missing);
  await expect(analyze(withText, { policy: DEFAULT_POLICY })).rejects.toMatchObject({ code: 'PARSER_UNAVAILABLE' });
});
