// The parser port: text + language → ParsedFile (a tree-sitter tree behind the narrow facade the
// detectors read, the lines, lazily computed line facts). Two backends implement it: the native
// binding (parsers/native.ts: the CLI, the App, the default of `analyzeChange`) and WASM
// (parsers/wasm.ts: the Action bundle). test/detectors/parser-conformance.test.ts holds both to
// the same trees, facts and units for the same input.
//
// Indices are UTF-16 code units (both backends are fed a JS string), so
// `text.slice(node.startIndex, node.endIndex)` is the node's text.

import { TrailmarkError } from '../../src/core/errors.js';
import type { Language } from '../../src/core/types.js';
import type { ParsableLanguage } from '../language.js';
import { lineFactsOf, splitLines, type LineFacts } from '../line-facts.js';

/**
 * Chunk size handed to tree-sitter's input callback. Node tree-sitter 0.21 throws "Invalid
 * argument" for a string (or a callback chunk) over ~32 KiB; both backends use the same chunks.
 */
export const INPUT_CHUNK = 8192;

/** Zero-based row; column in the backend's units (not used for slicing). */
export interface Point {
  readonly row: number;
  readonly column: number;
}

/** The members of a tree-sitter node the detectors, units and evaluation read. */
export interface SyntaxNode {
  /** Unique among the live nodes of one tree; compare identity with it. */
  readonly id: number;
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  /** True when this subtree contains ERROR or MISSING nodes. */
  readonly hasError: boolean;
  readonly parent: SyntaxNode | null;
  readonly namedChildCount: number;
  /**
   * Native tree-sitter 0.21 builds this list with a tree cursor and misreports the type of some
   * comment nodes in it (as their parent's type: action/environment.ts's second doc comment
   * reads `interface_body`); `namedChild(i)` and `descendantsOfType` are right, and WASM is.
   * test/detectors/parser-conformance.test.ts pins the defect.
   */
  readonly namedChildren: readonly SyntaxNode[];
  namedChild(index: number): SyntaxNode | null;
  childForFieldName(fieldName: string): SyntaxNode | null;
  /** Descendants of the given types, in document order; positions bound the search. */
  descendantsOfType(types: string | string[], startPosition?: Point, endPosition?: Point): SyntaxNode[];
  /** The smallest node spanning start..end. */
  descendantForPosition(startPosition: Point, endPosition: Point): SyntaxNode;
  // Not `toString()`: both backends print the S-expression recursively; on attacker-controlled
  // nesting, WASM traps ("memory access out of bounds") from ~1,000 levels and the native
  // binding crashes the process from ~20,000 (measured on 5,000- and 20,000-deep parentheses).
}

export interface Tree {
  readonly rootNode: SyntaxNode;
}

export interface ParsedFile {
  readonly language: ParsableLanguage;
  /** The whole head text. Attacker-controlled. */
  readonly text: string;
  /** `text` split into lines (`splitLines`); pass this same array as `DetectorContext.file.lines`. */
  readonly lines: readonly string[];
  /**
   * Undefined when tree-sitter could not produce a tree (`parseFailure` says why). Reading it
   * after `Parser.release` throws TREE_RELEASED: the nodes of a released WASM tree point into
   * freed memory.
   */
  readonly tree: Tree | undefined;
  readonly parseFailure?: string;
  /** True when the tree contains ERROR or MISSING nodes, or there is no tree. */
  readonly hasErrors: boolean;
  /** Per-line lexical facts, computed on first access and cached. */
  readonly facts: LineFacts;
}

/** Parses source text with tree-sitter. The engine parses each file once, then releases it. */
export interface Parser {
  /** `native` or `wasm`: for logs and benchmarks. */
  readonly backend: string;
  /**
   * Parses `text` (attacker-controlled, any size) as `language`. Undefined for languages
   * tree-sitter is not used for. Never throws: a failure yields a ParsedFile without a tree.
   */
  parse(text: string, language: Language): ParsedFile | undefined;
  /**
   * Frees the tree of `parsed` (WASM trees live in the module's linear memory and are never
   * garbage-collected). Its nodes must not be used afterwards. Idempotent; a ParsedFile of
   * another parser is left alone.
   */
  release(parsed: ParsedFile): void;
  /** Frees the parsers themselves; `parse` then yields files without a tree. Idempotent. */
  dispose(): void;
}

export type ParserErrorCode = 'TREE_RELEASED' | 'PARSER_UNAVAILABLE';
export class ParserError extends TrailmarkError<ParserErrorCode> {}

/** A ParsedFile as both backends build it; `release` is for the backend that made it. */
export class ParsedSource implements ParsedFile {
  readonly language: ParsableLanguage;
  readonly text: string;
  readonly lines: readonly string[];
  readonly parseFailure?: string;
  readonly hasErrors: boolean;
  #tree: Tree | undefined;
  #released = false;
  #facts: LineFacts | undefined;

  constructor(language: ParsableLanguage, text: string, tree: Tree | undefined, failure: string | undefined) {
    this.language = language;
    this.text = text;
    this.lines = splitLines(text);
    this.#tree = tree;
    if (failure !== undefined) this.parseFailure = failure;
    this.hasErrors = tree === undefined || tree.rootNode.hasError;
  }

  get tree(): Tree | undefined {
    if (this.#released) throw new ParserError('TREE_RELEASED', `the tree of this ${this.language} file was released`);
    return this.#tree;
  }

  get facts(): LineFacts {
    this.#facts ??= lineFactsOf(this.lines);
    return this.#facts;
  }

  /** Marks the tree released and hands it back once (to be freed); undefined afterwards. */
  release(): Tree | undefined {
    if (this.#released) return undefined;
    this.#released = true;
    const tree = this.#tree;
    this.#tree = undefined;
    return tree;
  }
}

/** tree-sitter's input callback over `text`: INPUT_CHUNK code units at a time, `end` past the end. */
export function chunksOf<End>(text: string, end: End): (index: number) => string | End {
  return (index) => (index < text.length ? text.slice(index, index + INPUT_CHUNK) : end);
}

/** A thrown value as a parse failure message: its first line (Node's module errors append a require stack of local paths). */
export function failureOf(err: unknown): string {
  const message = err instanceof Error ? err.message : 'parser failed';
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}

/** The text of `node`, sliced from the parsed text (cheaper than `node.text` with callback input). */
export function nodeText(parsed: ParsedFile, node: SyntaxNode): string {
  return parsed.text.slice(node.startIndex, node.endIndex);
}
