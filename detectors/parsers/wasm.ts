// The WASM backend of the parser port: web-tree-sitter 0.25 with the grammars' .wasm builds, so
// one Action bundle runs on every runner (node tree-sitter 0.21 ships no linux-arm64 prebuild).
// It does no I/O: the adapter reads the .wasm files and hands their bytes in.
//
// WASM trees live in the module's linear memory and are never garbage-collected: every parsed
// file must be given back with `release` (the engine does it after each file). Measured over
// 4,540 parses (23.8 MB of TypeScript and JavaScript): resident memory 103 → 748 MB without
// releasing, 103 → 122 MB with (docs/action.md).

import { Language as WasmLanguage, Parser as WasmParser, type Tree as WasmTree } from 'web-tree-sitter';
import type { Language } from '../../src/core/types.js';
import { isParsable, type ParsableLanguage } from '../language.js';
import { chunksOf, failureOf, ParsedSource, type ParsedFile, type Parser, type Tree } from './port.js';

/** The runtime and the grammars, as bytes (the files of dist/action/wasm/, node_modules in tests). */
export interface WasmBinaries {
  /** web-tree-sitter's `tree-sitter.wasm`. */
  readonly runtime: Uint8Array;
  readonly typescript: Uint8Array;
  readonly tsx: Uint8Array;
  readonly javascript: Uint8Array;
}

/** File names of the binaries, as web-tree-sitter and the grammar packages ship them. */
export const WASM_FILES: Readonly<Record<keyof WasmBinaries, string>> = {
  runtime: 'tree-sitter.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
};

// web-tree-sitter has one runtime per process (`Parser.init` sets module state): the first
// binaries given start it, later calls share it.
let runtime: Promise<void> | undefined;

function startRuntime(wasmBinary: Uint8Array): Promise<void> {
  runtime ??= WasmParser.init({ wasmBinary }).catch((err: unknown) => {
    runtime = undefined;
    throw err;
  });
  return runtime;
}

// web-tree-sitter types list members (namedChildren, descendantsOfType) as `(Node | null)[]` and
// descendantForPosition as `Node | null`: lookups by id that can miss. On a live tree they never
// do; the conformance suite compares those members with the native backend's on real files.
const asTree = (tree: WasmTree): Tree => tree as unknown as Tree;

class WasmBackend implements Parser {
  readonly backend = 'wasm';
  #parsers: ReadonlyMap<ParsableLanguage, WasmParser> | undefined;
  /** Trees not yet released, by the file that holds them. */
  readonly #live = new Map<ParsedSource, WasmTree>();

  constructor(parsers: ReadonlyMap<ParsableLanguage, WasmParser>) {
    this.#parsers = parsers;
  }

  /** Trees parsed and not yet released (each holds WASM memory). */
  get liveTrees(): number {
    return this.#live.size;
  }

  parse(text: string, language: Language): ParsedFile | undefined {
    if (!isParsable(language)) return undefined;
    const parser = this.#parsers?.get(language);
    if (parser === undefined) return new ParsedSource(language, text, undefined, 'parser disposed');
    let tree: WasmTree | null;
    try {
      tree = parser.parse(chunksOf(text, undefined));
    } catch (err) {
      // A failed parse can leave the parser mid-document; the next one must start afresh.
      parser.reset();
      return new ParsedSource(language, text, undefined, failureOf(err));
    }
    if (tree === null) return new ParsedSource(language, text, undefined, 'parser returned no tree');
    const parsed = new ParsedSource(language, text, asTree(tree), undefined);
    this.#live.set(parsed, tree);
    return parsed;
  }

  release(parsed: ParsedFile): void {
    if (!(parsed instanceof ParsedSource)) return;
    const tree = this.#live.get(parsed);
    if (tree === undefined) return;
    this.#live.delete(parsed);
    parsed.release();
    tree.delete();
  }

  /** Frees the parsers and every tree not yet released (their files then throw on `tree`). */
  dispose(): void {
    for (const parsed of [...this.#live.keys()]) this.release(parsed);
    const parsers = this.#parsers;
    this.#parsers = undefined;
    for (const parser of new Set(parsers?.values())) parser.delete();
  }
}

export type WasmParserBackend = Parser & { readonly liveTrees: number };

/** Starts the runtime (once per process) and loads the three grammars. */
export async function createWasmParser(binaries: WasmBinaries): Promise<WasmParserBackend> {
  await startRuntime(binaries.runtime);
  const [typescript, tsx, javascript] = await Promise.all([
    WasmLanguage.load(binaries.typescript),
    WasmLanguage.load(binaries.tsx),
    WasmLanguage.load(binaries.javascript),
  ]);
  const make = (language: WasmLanguage): WasmParser => new WasmParser().setLanguage(language);
  const js = make(javascript);
  return new WasmBackend(new Map<ParsableLanguage, WasmParser>([
    ['typescript', make(typescript)],
    ['tsx', make(tsx)],
    ['javascript', js],
    ['jsx', js],
  ]));
}
