// Parsing for the detectors: the parser port (parsers/port.ts) and, for callers that are not
// handed a parser (evaluation, benchmarks, scripts, tests), `parseSource` on the native backend.
// The engine takes its parser as an option (`analyzeChange(…, { parser })`); the Action passes
// the WASM backend (parsers/wasm.ts).

import type { Language } from '../src/core/types.js';
import { nativeParser } from './parsers/native.js';
import type { ParsedFile } from './parsers/port.js';

export { INPUT_CHUNK, nodeText, ParserError, type ParsedFile, type Parser, type ParserErrorCode, type Point, type SyntaxNode, type Tree } from './parsers/port.js';
export { createNativeParser, nativeParser } from './parsers/native.js';

/**
 * Parses `text` (attacker-controlled, any size) with the native parser. Returns undefined for
 * languages tree-sitter is not used for. Never throws: a parser failure yields a ParsedFile
 * without a tree. The tree is garbage-collected; nothing needs releasing.
 */
export function parseSource(text: string, language: Language): ParsedFile | undefined {
  return nativeParser.parse(text, language);
}
