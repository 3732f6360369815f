// Builds detector contexts from source text for tests: real tree-sitter parse, real line facts.

import type { Language } from '../../src/core/types.js';
import { hunkContext } from '../../detectors/context.js';
import type { DetectorContext } from '../../detectors/detector.js';
import { parseSource } from '../../detectors/parse.js';
import { splitLines } from '../../detectors/line-facts.js';

/** Context for a hunk adding lines startLine..endLine (default: the whole file) of `text`. */
export function contextOf(text: string, range?: { start: number; end: number }, language: Language = 'typescript'): DetectorContext {
  const parsed = parseSource(text, language);
  const lines = parsed?.lines ?? splitLines(text);
  const start = range?.start ?? 1;
  const end = range?.end ?? lines.length;
  return hunkContext({ path: `src/example.${language === 'javascript' ? 'js' : language === 'tsx' ? 'tsx' : 'ts'}`, language, lines, ...(parsed ? { parsed } : {}) }, start, end);
}

/** Context whose hunk is the given snippet appended after `before` (the file's existing code). */
export function appendedContext(before: string, added: string, language: Language = 'typescript'): DetectorContext {
  const beforeLines = splitLines(before).length;
  const text = `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${added}`;
  const total = splitLines(text).length;
  return contextOf(text, { start: beforeLines + 1, end: total }, language);
}
