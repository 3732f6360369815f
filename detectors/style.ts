// Style measurements over a set of lines of one file: the same function measures the hunk and
// the file's unchanged lines, so the two are compared like with like. Linear in the lines given.

import { LineKind, type LineFacts } from './line-facts.js';

export interface StyleMeasure {
  readonly codeLines: number;
  /** Lines holding a comment (comment-only or trailing). */
  readonly commentLines: number;
  readonly trailingComments: number;
  readonly jsdocBlocks: number;
  readonly singleQuotes: number;
  readonly doubleQuotes: number;
  /** Statement-ending lines with and without a final semicolon. */
  readonly semicolonEnds: number;
  readonly bareEnds: number;
  /** Space-indented lines whose indent is 2 mod 4, and those at a positive multiple of 4. */
  readonly indentTwo: number;
  readonly indentFour: number;
  readonly tabIndented: number;
  readonly identifiers: number;
  readonly identifierChars: number;
  /** Identifiers of three or more words (`fetchUserProfileData`, `max_retry_count`). */
  readonly descriptive: number;
  readonly snakeCase: number;
  readonly camelCase: number;
  /** Identifiers of one or two characters other than loop counters. */
  readonly terse: number;
  readonly lineLengthSum: number;
  readonly lineLengthSquares: number;
}

const STATEMENT_END = /[\w$)\]'"`]$/;
/** Lines that are a whole statement by their start: declarations, returns, calls, assignments. */
const STATEMENT_START = /^\s*(?:(?:return|const|let|var|throw|await|import|export|break|continue|yield)\b|[\w$.]+\(.*\)$|[\w$.[\]]+\s*[+\-*/]?=\s)/;
const CONTINUES = /^\s*(?:[.?:+\-*/%&|^=<>,)\]]|\?\?|\|\||&&)/;

/** Measures the lines for which `include(line)` holds (1-based), iterating lines from..to. */
export function measureStyle(facts: LineFacts, from: number, to: number, include: (line: number) => boolean): StyleMeasure {
  const kinds = facts.kinds;
  let codeLines = 0;
  let commentLines = 0;
  let trailingComments = 0;
  let singleQuotes = 0;
  let doubleQuotes = 0;
  let semicolonEnds = 0;
  let bareEnds = 0;
  let indentTwo = 0;
  let indentFour = 0;
  let tabIndented = 0;
  let identifiers = 0;
  let identifierChars = 0;
  let descriptive = 0;
  let snakeCase = 0;
  let camelCase = 0;
  let terse = 0;
  let lineLengthSum = 0;
  let lineLengthSquares = 0;
  const jsdocSeen = new Set<number>();
  const last = Math.min(to, kinds.length);
  for (let line = Math.max(1, from); line <= last; line++) {
    if (!include(line)) continue;
    const index = line - 1;
    const kind = kinds[index];
    if (kind === LineKind.Blank) continue;
    if (kind === LineKind.Comment || kind === LineKind.Mixed) {
      commentLines++;
      const at = facts.commentAt[index] as number;
      const block = at >= 0 ? facts.comments[at] : undefined;
      if (block !== undefined && block.style === 'jsdoc' && !jsdocSeen.has(at)) {
        jsdocSeen.add(at);
      }
      if (kind === LineKind.Mixed && block !== undefined && block.trailing && block.line === line) trailingComments++;
    }
    if (kind !== LineKind.Code && kind !== LineKind.Mixed) continue;
    codeLines++;
    const raw = facts.lines[index] as string;
    lineLengthSum += raw.length;
    lineLengthSquares += raw.length * raw.length;
    singleQuotes += facts.singleQuotes[index] as number;
    doubleQuotes += facts.doubleQuotes[index] as number;
    const bare = facts.bare[index] as string;
    const trimmed = bare.trimEnd();
    if (trimmed.endsWith(';')) semicolonEnds++;
    else if (trimmed.length <= 300 && STATEMENT_END.test(trimmed) && STATEMENT_START.test(trimmed)) {
      const nextBare = facts.bare[index + 1];
      if (nextBare === undefined || !CONTINUES.test(nextBare)) bareEnds++;
    }
    const first = raw.charCodeAt(0);
    if (first === 9) tabIndented++;
    else if (first === 32) {
      let indent = 0;
      while (raw.charCodeAt(indent) === 32) indent++;
      if (indent % 4 === 2) indentTwo++;
      else if (indent % 4 === 0) indentFour++;
    }
    identifiers += facts.names[index] as number;
    identifierChars += facts.nameChars[index] as number;
    descriptive += facts.descriptiveNames[index] as number;
    terse += facts.terseNames[index] as number;
    snakeCase += facts.snakeNames[index] as number;
    camelCase += facts.camelNames[index] as number;
  }
  return {
    codeLines,
    commentLines,
    trailingComments,
    jsdocBlocks: jsdocSeen.size,
    singleQuotes,
    doubleQuotes,
    semicolonEnds,
    bareEnds,
    indentTwo,
    indentFour,
    tabIndented,
    identifiers,
    identifierChars,
    descriptive,
    snakeCase,
    camelCase,
    terse,
    lineLengthSum,
    lineLengthSquares,
  };
}
