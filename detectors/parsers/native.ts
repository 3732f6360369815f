// The native backend of the parser port: node tree-sitter 0.21 (N-API) with the TypeScript,
// TSX and JavaScript grammars 0.23. Prebuilds exist for darwin-arm64, darwin-x64, linux-x64 and
// win32-x64; elsewhere the binding fails to load and every parse says so (parseFailure).
// The binding is required on first parse, never at import: the Action bundle contains this
// module (the engine's default) but not the binding, and hands the engine the WASM backend.

import { createRequire } from 'node:module';
import type TreeSitter from 'tree-sitter';
import type { Language } from '../../src/core/types.js';
import { isParsable, type ParsableLanguage } from '../language.js';
import { chunksOf, failureOf, ParsedSource, type ParsedFile, type Parser, type Tree } from './port.js';

type GrammarModule = { typescript: unknown; tsx: unknown };
type Grammars = Readonly<Record<ParsableLanguage, unknown>>;

let binding: { Parser: new () => TreeSitter; grammars: Grammars } | undefined;

function loadBinding(): { Parser: new () => TreeSitter; grammars: Grammars } {
  if (binding === undefined) {
    const require = createRequire(import.meta.url);
    const Parser = require('tree-sitter') as new () => TreeSitter;
    const ts = require('tree-sitter-typescript') as GrammarModule;
    const javascript = require('tree-sitter-javascript') as unknown;
    binding = { Parser, grammars: { typescript: ts.typescript, tsx: ts.tsx, javascript, jsx: javascript } };
  }
  return binding;
}

// The binding's node type has every member of the port's facade.
type NativeTree = TreeSitter.Tree;
const asTree = (tree: NativeTree): Tree => tree;

class NativeParser implements Parser {
  readonly backend = 'native';
  #parsers: Map<ParsableLanguage, TreeSitter> | undefined = new Map();
  readonly #made = new WeakSet<ParsedSource>();

  parse(text: string, language: Language): ParsedFile | undefined {
    if (!isParsable(language)) return undefined;
    const parsers = this.#parsers;
    if (parsers === undefined) return new ParsedSource(language, text, undefined, 'parser disposed');
    try {
      let parser = parsers.get(language);
      if (parser === undefined) {
        const { Parser, grammars } = loadBinding();
        parser = new Parser();
        parser.setLanguage(grammars[language]);
        parsers.set(language, parser);
      }
      const parsed = new ParsedSource(language, text, asTree(parser.parse(chunksOf(text, null))), undefined);
      this.#made.add(parsed);
      return parsed;
    } catch (err) {
      return new ParsedSource(language, text, undefined, failureOf(err));
    }
  }

  /** Native trees are garbage-collected; the file is only marked released (same contract as WASM). */
  release(parsed: ParsedFile): void {
    if (parsed instanceof ParsedSource && this.#made.has(parsed)) parsed.release();
  }

  dispose(): void {
    this.#parsers = undefined;
  }
}

/** A native parser with its own tree-sitter parsers (one per grammar, created on first use). */
export function createNativeParser(): Parser {
  return new NativeParser();
}

/** The process-wide native parser: the default of `analyzeChange` and of `parseSource`. Never disposed. */
export const nativeParser: Parser = createNativeParser();
