// Parses the head version of a JS/TS file once with tree-sitter and keeps the tree with cheap,
// lazily computed per-line facts. One Parser per grammar, created on first use.
//
// Limit (node tree-sitter 0.21): `parser.parse(string)` throws "Invalid argument" for inputs over
// ~32 KiB, and so does a callback returning large chunks; the text is therefore fed through the
// callback form in chunks of INPUT_CHUNK code units. Tree indices are UTF-16 code units (the
// binding parses UTF-16), so `text.slice(node.startIndex, node.endIndex)` is the node's text.

import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import type { Language } from '../core/types.js';
import { isParsable, type ParsableLanguage } from './language.js';
import { lineFactsOf, splitLines, type LineFacts } from './line-facts.js';

/** Chunk size handed to tree-sitter's input callback; larger chunks hit the 32 KiB limit. */
export const INPUT_CHUNK = 8192;

export type Tree = Parser.Tree;
export type SyntaxNode = Parser.SyntaxNode;

export interface ParsedFile {
  readonly language: ParsableLanguage;
  /** The whole head text. Attacker-controlled. */
  readonly text: string;
  /** `text` split into lines (`splitLines`); pass this same array as `DetectorContext.file.lines`. */
  readonly lines: readonly string[];
  /** Undefined when tree-sitter could not produce a tree (it reports why in `parseFailure`). */
  readonly tree: Tree | undefined;
  readonly parseFailure?: string;
  /** True when the tree contains ERROR or MISSING nodes (the file does not fully parse). */
  readonly hasErrors: boolean;
  /** Per-line lexical facts, computed on first access and cached. */
  readonly facts: LineFacts;
}

type GrammarModule = { typescript: unknown; tsx: unknown };
type ParserConstructor = new () => Parser;

const parsers = new Map<ParsableLanguage, Parser>();
let ParserClass: ParserConstructor | undefined;
let grammars: { typescript: unknown; tsx: unknown; javascript: unknown } | undefined;

function parserFor(language: ParsableLanguage): Parser {
  let parser = parsers.get(language);
  if (parser !== undefined) return parser;
  if (ParserClass === undefined || grammars === undefined) {
    const require = createRequire(import.meta.url);
    ParserClass = require('tree-sitter') as ParserConstructor;
    const ts = require('tree-sitter-typescript') as GrammarModule;
    grammars = { typescript: ts.typescript, tsx: ts.tsx, javascript: require('tree-sitter-javascript') as unknown };
  }
  parser = new ParserClass();
  const grammar = language === 'typescript' ? grammars.typescript : language === 'tsx' ? grammars.tsx : grammars.javascript;
  parser.setLanguage(grammar);
  parsers.set(language, parser);
  return parser;
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

/**
 * Parses `text` (attacker-controlled, any size) as `language`. Returns undefined for languages
 * tree-sitter is not used for. Never throws: a parser failure yields a ParsedFile without a tree.
 */
export function parseSource(text: string, language: Language): ParsedFile | undefined {
  if (!isParsable(language)) return undefined;
  let tree: Tree | undefined;
  let failure: string | undefined;
  try {
    const parser = parserFor(language);
    tree = parser.parse((index: number) => (index < text.length ? text.slice(index, index + INPUT_CHUNK) : null));
  } catch (err) {
    failure = err instanceof Error ? err.message : 'parser failed';
    tree = undefined;
  }
  return new Parsed(language, text, tree, failure);
}

/** The text of `node`, sliced from the parsed text (cheaper than `node.text` with callback input). */
export function nodeText(parsed: ParsedFile, node: SyntaxNode): string {
  return parsed.text.slice(node.startIndex, node.endIndex);
}
