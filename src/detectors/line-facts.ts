// Per-line lexical facts of a JS/TS source file: which lines are blank, code, comment, and the
// comment text and code text (comments removed, string contents blanked) of each line.
//
// A single linear pass over the text, no tree needed, so the same facts exist for files that do
// not parse and the hunk and its surrounding file are measured the same way. Limits: regular
// expression literals are recognised by the previous token (the usual heuristic), JSX text is
// lexed as code, and a quote left open at the end of a line closes there.

/** Line kinds stored in `LineFacts.kinds`. `Mixed` is code and a comment on the same line. */
export const LineKind = { Blank: 0, Code: 1, Comment: 2, Mixed: 3 } as const;

export type CommentStyle = 'line' | 'block' | 'jsdoc';

export interface CommentBlock {
  /** 1-based first and last line. */
  readonly line: number;
  readonly endLine: number;
  readonly style: CommentStyle;
  /** Comment text without delimiters and without leading `*` on block lines, lines joined by "\n". */
  readonly text: string;
  /** True when code precedes the comment on its first line (`x++; // note`). */
  readonly trailing: boolean;
}

export interface LineFacts {
  readonly lines: readonly string[];
  /** Indexed by 0-based line index. */
  readonly kinds: Uint8Array;
  /** Code of each line with comments removed; string contents kept. */
  readonly code: readonly string[];
  /** Code of each line with comments removed and string/regex/template contents blanked. */
  readonly bare: readonly string[];
  /** String literal openings per line by quote: single, double, backtick. */
  readonly singleQuotes: Uint16Array;
  readonly doubleQuotes: Uint16Array;
  readonly backticks: Uint16Array;
  /** Comments in source order. */
  readonly comments: readonly CommentBlock[];
  /** Index into `comments` of the first comment touching each line, -1 when none. */
  readonly commentAt: Int32Array;
}

/**
 * Splits text into lines the way tree-sitter counts rows: on "\n", with a trailing "\r" removed
 * from each line. A final newline does not start an extra line.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

const cache = new WeakMap<readonly string[], LineFacts>();

/** Facts for `lines`, computed once per array object (cached by identity). */
export function lineFactsOf(lines: readonly string[]): LineFacts {
  let facts = cache.get(lines);
  if (facts === undefined) {
    facts = scan(lines);
    cache.set(lines, facts);
  }
  return facts;
}

const REGEX_AFTER_CHARS = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
}

type Mode = 'code' | 'block' | 'template';

function scan(lines: readonly string[]): LineFacts {
  const n = lines.length;
  const kinds = new Uint8Array(n);
  const code: string[] = new Array<string>(n);
  const bare: string[] = new Array<string>(n);
  const singleQuotes = new Uint16Array(n);
  const doubleQuotes = new Uint16Array(n);
  const backticks = new Uint16Array(n);
  const commentAt = new Int32Array(n).fill(-1);
  const comments: CommentBlock[] = [];

  let mode: Mode = 'code';
  // Brace depth of each open `${` inside a template literal, innermost last.
  const templateStack: number[] = [];
  let braceDepth = 0;
  let lastSig = '';
  let lastWord = '';
  let block: { line: number; style: CommentStyle; parts: string[]; trailing: boolean } | null = null;

  const addComment = (c: CommentBlock): void => {
    const index = comments.length;
    comments.push(c);
    for (let l = c.line; l <= c.endLine; l++) if (commentAt[l - 1] === -1) commentAt[l - 1] = index;
  };

  for (let li = 0; li < n; li++) {
    const line = lines[li] as string;
    const len = line.length;
    let codeOut = '';
    let bareOut = '';
    let hasCode = false;
    let hasComment = false;
    let sq = 0;
    let dq = 0;
    let bt = 0;
    let i = 0;

    if (mode === 'block' && block !== null) {
      hasComment = true;
      const end = line.indexOf('*/');
      const body = end === -1 ? line : line.slice(0, end);
      block.parts.push(body.replace(/^\s*\*?\s?/, ''));
      if (end === -1) {
        kinds[li] = LineKind.Comment;
        code[li] = '';
        bare[li] = '';
        continue;
      }
      addComment({ line: block.line, endLine: li + 1, style: block.style, text: block.parts.join('\n').trim(), trailing: block.trailing });
      block = null;
      mode = 'code';
      i = end + 2;
    } else if (mode === 'template') {
      hasCode = true;
    }

    while (i < len) {
      if (mode === 'template') {
        // Inside a template literal: find its end or an interpolation.
        const start = i;
        while (i < len) {
          const c = line.charCodeAt(i);
          if (c === 92) { i += 2; continue; }
          if (c === 96) break;
          if (c === 36 && line.charCodeAt(i + 1) === 123) break;
          i++;
        }
        codeOut += line.slice(start, Math.min(i, len));
        if (i >= len) break;
        if (line.charCodeAt(i) === 96) {
          codeOut += '`';
          bareOut += '`';
          i++;
          mode = 'code';
          lastSig = '`';
          lastWord = '';
          continue;
        }
        codeOut += '${';
        bareOut += '${';
        i += 2;
        templateStack.push(braceDepth);
        braceDepth++;
        mode = 'code';
        lastSig = '{';
        lastWord = '';
        continue;
      }

      const ch = line[i] as string;
      const c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 12 || c === 11 || c === 0xfeff) {
        codeOut += ch;
        bareOut += ch;
        i++;
        continue;
      }
      if (c === 47 /* / */) {
        const next = line.charCodeAt(i + 1);
        if (next === 47) {
          hasComment = true;
          addComment({ line: li + 1, endLine: li + 1, style: 'line', text: line.slice(i + 2).trim(), trailing: hasCode });
          i = len;
          break;
        }
        if (next === 42) {
          hasComment = true;
          const jsdoc = line.charCodeAt(i + 2) === 42 && line.charCodeAt(i + 3) !== 47;
          const style: CommentStyle = jsdoc ? 'jsdoc' : 'block';
          const bodyStart = i + (jsdoc ? 3 : 2);
          const end = line.indexOf('*/', bodyStart);
          if (end === -1) {
            block = { line: li + 1, style, parts: [line.slice(bodyStart).trim()], trailing: hasCode };
            mode = 'block';
            i = len;
            break;
          }
          addComment({ line: li + 1, endLine: li + 1, style, text: line.slice(bodyStart, end).trim(), trailing: hasCode });
          i = end + 2;
          continue;
        }
        const prevChar = i > 0 ? line.charCodeAt(i - 1) : -1;
        const regexStart =
          prevChar !== 60 /* </ JSX closing tag */ && next !== 62 /* /> */ &&
          (REGEX_AFTER_CHARS.has(lastSig) || (lastWord !== '' && REGEX_AFTER_WORDS.has(lastWord)));
        if (regexStart) {
          hasCode = true;
          let j = i + 1;
          let inClass = false;
          while (j < len) {
            const d = line.charCodeAt(j);
            if (d === 92) { j += 2; continue; }
            if (d === 91) inClass = true;
            else if (d === 93) inClass = false;
            else if (d === 47 && !inClass) break;
            j++;
          }
          j = Math.min(j + 1, len);
          while (j < len && isWordChar(line.charCodeAt(j))) j++;
          codeOut += line.slice(i, j);
          bareOut += '//';
          i = j;
          lastSig = '/';
          lastWord = '';
          continue;
        }
      }
      hasCode = true;
      if (c === 39 || c === 34) {
        if (c === 39) sq++;
        else dq++;
        let j = i + 1;
        while (j < len) {
          const d = line.charCodeAt(j);
          if (d === 92) { j += 2; continue; }
          if (d === c) break;
          j++;
        }
        j = Math.min(j + 1, len);
        codeOut += line.slice(i, j);
        bareOut += ch + ch;
        i = j;
        lastSig = ch;
        lastWord = '';
        continue;
      }
      if (c === 96) {
        bt++;
        codeOut += '`';
        bareOut += '`';
        i++;
        mode = 'template';
        continue;
      }
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < len && isWordChar(line.charCodeAt(j))) j++;
        const word = line.slice(i, j);
        codeOut += word;
        bareOut += word;
        lastWord = word;
        lastSig = 'a';
        i = j;
        continue;
      }
      if (c === 123) braceDepth++;
      else if (c === 125) {
        braceDepth--;
        if (templateStack.length > 0 && braceDepth === templateStack[templateStack.length - 1]) {
          templateStack.pop();
          codeOut += '}';
          bareOut += '}';
          i++;
          mode = 'template';
          continue;
        }
      }
      codeOut += ch;
      bareOut += ch;
      lastSig = ch;
      lastWord = '';
      i++;
    }

    code[li] = codeOut;
    bare[li] = bareOut;
    singleQuotes[li] = sq;
    doubleQuotes[li] = dq;
    backticks[li] = bt;
    kinds[li] = hasCode ? (hasComment ? LineKind.Mixed : LineKind.Code) : hasComment ? LineKind.Comment : LineKind.Blank;
    if (hasCode && codeOut.trim() === '' && mode !== 'template') kinds[li] = hasComment ? LineKind.Comment : LineKind.Blank;
  }
  if (block !== null) {
    addComment({ line: block.line, endLine: n, style: block.style, text: block.parts.join('\n').trim(), trailing: block.trailing });
  }
  return { lines, kinds, code, bare, singleQuotes, doubleQuotes, backticks, comments, commentAt };
}
