// Builds a DetectorContext for a hunk whose lines startLine..endLine (or the given subset) were
// added to a file. Used by the engine, the training script and tests.

import type { Language } from '../src/core/types.js';
import type { AddedLine, DetectorContext } from './detector.js';
import type { ParsedFile } from './parse.js';

export interface ContextFile {
  readonly path: string;
  readonly language: Language;
  /** The head version's lines; `parsed.lines` when parsed. */
  readonly lines: readonly string[];
  readonly parsed?: ParsedFile;
}

export interface ContextOptions {
  /** Added lines; by default every line of startLine..endLine that exists in the file. */
  readonly added?: readonly AddedLine[];
  readonly deleted?: readonly string[];
  /** All lines the change set added to the file; by default the hunk's added lines. */
  readonly addedLines?: ReadonlySet<number>;
}

export function hunkContext(file: ContextFile, startLine: number, endLine: number, options: ContextOptions = {}): DetectorContext {
  let added = options.added;
  if (added === undefined) {
    const list: AddedLine[] = [];
    const last = Math.min(endLine, file.lines.length);
    for (let line = Math.max(1, startLine); line <= last; line++) list.push({ line, text: file.lines[line - 1] as string });
    added = list;
  }
  const addedLines = options.addedLines ?? new Set(added.map((a) => a.line));
  return {
    path: file.path,
    language: file.language,
    file: file.parsed !== undefined ? { lines: file.lines, parsed: file.parsed } : { lines: file.lines },
    hunk: { startLine, endLine, added, deleted: options.deleted ?? [] },
    addedLines,
  };
}
