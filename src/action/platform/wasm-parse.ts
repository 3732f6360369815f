// The Action bundle's tree-sitter: the same module contract as src/detectors/parse.ts, backed by
// web-tree-sitter and the grammars' .wasm files instead of the native binding, so one bundle runs
// on every runner (node tree-sitter 0.21 ships no linux-arm64 prebuild; WASM needs none).
// scripts/bundle-action.ts substitutes this module for detectors/parse.ts at bundle time; the
// test in test/action/wasm-parse.test.ts holds both to identical trees and ParsedFile values.
// Remove it when detectors/ takes a parser backend as a port (proposal in docs/action.md).
//
// WASM needs asynchronous loading; `initWasmParsers` must have resolved before `parseSource` is
// called (the Action's run does it first). Before that, parseSource yields no tree and says why.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Language as WasmLanguage, Parser as WasmParser } from 'web-tree-sitter';
import type { Language } from '../../core/types.js';
import { isParsable, type ParsableLanguage } from '../../detectors/language.js';
import { lineFactsOf, splitLines, type LineFacts } from '../../detectors/line-facts.js';
import type * as NativeParse from '../../detectors/parse.js';

export type Tree = NativeParse.Tree;
export type SyntaxNode = NativeParse.SyntaxNode;
export type ParsedFile = NativeParse.ParsedFile;

/** Same chunking as the native module, so trees and indices are identical. */
export const INPUT_CHUNK = 8192;

/** File names inside the wasm directory (dist/action/wasm/ in the bundle). */
export const WASM_FILES = {
  runtime: 'tree-sitter.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
} as const;

let parsers: ReadonlyMap<ParsableLanguage, WasmParser> | undefined;

/**
 * WASM trees live in the module's linear memory and are never garbage-collected: each must be
 * deleted. A tree stays valid until LIVE_TREES later parses; the engine uses a file's tree only
 * while it analyses that file (src/engine/analyze.ts parses and scores one file at a time).
 */
export const LIVE_TREES = 4;
const live: { delete(): void }[] = [];

export type WasmPaths = Readonly<Record<keyof typeof WASM_FILES, string>>;

/** The wasm files as the bundle lays them out in `dir`. */
export function wasmPathsIn(dir: string): WasmPaths {
  return {
    runtime: join(dir, WASM_FILES.runtime),
    typescript: join(dir, WASM_FILES.typescript),
    tsx: join(dir, WASM_FILES.tsx),
    javascript: join(dir, WASM_FILES.javascript),
  };
}

/** Loads the runtime and the three grammars. Idempotent. */
export async function initWasmParsers(paths: WasmPaths): Promise<void> {
  if (parsers !== undefined) return;
  const wasmBinary = await readFile(paths.runtime);
  await WasmParser.init({ wasmBinary });
  const load = async (path: string) => WasmLanguage.load(new Uint8Array(await readFile(path)));
  const [typescript, tsx, javascript] = await Promise.all([load(paths.typescript), load(paths.tsx), load(paths.javascript)]);
  const make = (language: WasmLanguage) => {
    const parser = new WasmParser();
    parser.setLanguage(language);
    return parser;
  };
  const js = make(javascript);
  parsers = new Map<ParsableLanguage, WasmParser>([
    ['typescript', make(typescript)],
    ['tsx', make(tsx)],
    ['javascript', js],
    ['jsx', js],
  ]);
}

class Parsed implements ParsedFile {
  readonly language: ParsableLanguage;
  readonly text: string;
  readonly lines: readonly string[];
  readonly tree: Tree | undefined;
  readonly parseFailure?: string;
  readonly hasErrors: boolean;
  #facts: LineFacts | undefined;

  constructor(language: ParsableLanguage, text: string, tree: Tree | undefined, failure: string | undefined) {
    this.language = language;
    this.text = text;
    this.lines = splitLines(text);
    this.tree = tree;
    if (failure !== undefined) this.parseFailure = failure;
    this.hasErrors = tree === undefined || tree.rootNode.hasError;
  }

  get facts(): LineFacts {
    this.#facts ??= lineFactsOf(this.lines);
    return this.#facts;
  }
}

/** Contract of detectors/parse.ts `parseSource`: never throws; a failure yields no tree. */
export function parseSource(text: string, language: Language): ParsedFile | undefined {
  if (!isParsable(language)) return undefined;
  const parser = parsers?.get(language);
  if (parser === undefined) return new Parsed(language, text, undefined, 'wasm parsers not initialised');
  let tree: Tree | undefined;
  let failure: string | undefined;
  try {
    const parsed = parser.parse((index: number) => (index < text.length ? text.slice(index, index + INPUT_CHUNK) : undefined));
    // web-tree-sitter's Tree/Node expose the members detectors/ use (type, fields, children,
    // positions, UTF-16 indices, hasError, descendantsOfType) under the same names.
    tree = parsed === null ? undefined : (parsed as unknown as Tree);
    if (parsed === null) failure = 'parser returned no tree';
    else {
      live.push(parsed);
      while (live.length > LIVE_TREES) live.shift()?.delete();
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : 'parser failed';
  }
  return new Parsed(language, text, tree, failure);
}

export function nodeText(parsed: ParsedFile, node: SyntaxNode): string {
  return parsed.text.slice(node.startIndex, node.endIndex);
}

// The substitution must keep the native module's exports and their types.
({ INPUT_CHUNK, parseSource, nodeText }) satisfies typeof NativeParse;
