// Per-line lexical facts of a JS/TS source file: which lines are blank, code, comment, and the
// comment text and code text (comments removed, string contents blanked) of each line.
//
// A single linear pass over the text, no tree needed, so the same facts exist for files that do
// not parse and the hunk and its surrounding file are measured the same way. Limits: regular
// expression literals are recognised by the previous token (the usual heuristic), JSX text is
// lexed as code, and a quote left open at the end of a line closes there.

import { nameShape, NameShape, NOT_NAMES } from './identifiers.js';

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
  /** Per line: identifiers (names the author chose, see identifiers.ts), their total length, and shapes. */
  readonly names: Uint16Array;
  readonly nameChars: Uint32Array;
  readonly descriptiveNames: Uint16Array;
  readonly terseNames: Uint16Array;
  readonly snakeNames: Uint16Array;
  readonly camelNames: Uint16Array;
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

// Characters after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER_CHARS = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^'].map((c) => c.charCodeAt(0)));
const REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);

const NOTHING = -1;
const WORD = -2;

/**
 * The code unit at `i`, -1 past the end. `charCodeAt` gives NaN there, which no comparison
 * below matches either; reading past the end deoptimizes the optimized lexer (V8 recompiles it
 * once per such site), so the look-aheads read through this.
 */
function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127;
}

type Mode = 'code' | 'block' | 'template';

/** ShapeTable answer for words that are not names (NOT_NAMES). */
const NOT_A_NAME = -1;

/**
 * Name shapes of the words of one file, memoised: a word seen before is answered from its hash
 * (computed while lexing) and a comparison in place, without slicing a new string. Open
 * addressing, linear probing, grown at half load. Lives for one scan only (keys are slices of
 * that file's lines).
 */
class ShapeTable {
  #keys: (string | undefined)[] = new Array<string | undefined>(256);
  #hashes = new Int32Array(256);
  #shapes = new Int8Array(256);
  #count = 0;

  of(line: string, start: number, end: number, hash: number): number {
    let mask = this.#keys.length - 1;
    let slot = hash & mask;
    const length = end - start;
    for (;;) {
      const key = this.#keys[slot];
      if (key === undefined) break;
      if (this.#hashes[slot] === hash && key.length === length && line.startsWith(key, start)) return this.#shapes[slot] as number;
      slot = (slot + 1) & mask;
    }
    const name = line.slice(start, end);
    const shape = NOT_NAMES.has(name) ? NOT_A_NAME : nameShape(name);
    if (this.#count * 2 >= this.#keys.length) {
      this.#grow();
      mask = this.#keys.length - 1;
      slot = hash & mask;
      while (this.#keys[slot] !== undefined) slot = (slot + 1) & mask;
    }
    this.#keys[slot] = name;
    this.#hashes[slot] = hash;
    this.#shapes[slot] = shape;
    this.#count++;
    return shape;
  }

  #grow(): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const shapes = this.#shapes;
    const size = keys.length * 2;
    const mask = size - 1;
    this.#keys = new Array<string | undefined>(size);
    this.#hashes = new Int32Array(size);
    this.#shapes = new Int8Array(size);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (key === undefined) continue;
      let slot = (hashes[k] as number) & mask;
      while (this.#keys[slot] !== undefined) slot = (slot + 1) & mask;
      this.#keys[slot] = key;
      this.#hashes[slot] = hashes[k] as number;
      this.#shapes[slot] = shapes[k] as number;
    }
  }
}

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
  const names = new Uint16Array(n);
  const nameChars = new Uint32Array(n);
  const descriptiveNames = new Uint16Array(n);
  const terseNames = new Uint16Array(n);
  const snakeNames = new Uint16Array(n);
  const camelNames = new Uint16Array(n);

  const shapes = new ShapeTable();
  let mode: Mode = 'code';
  // Brace depth of each open `${` inside a template literal, innermost last.
  const templateStack: number[] = [];
  let braceDepth = 0;
  // The last significant token: a character code, WORD (then lastWord holds it) or NOTHING.
  let lastSig = NOTHING;
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
    // Start of the pending run of plain code, copied to both outputs when flushed.
    let seg = 0;
    let wordStart = -1;
    let wordEnd = -1;
    let nameCount = 0;
    let nameLength = 0;
    let descriptive = 0;
    let terse = 0;
    let snake = 0;
    let camel = 0;

    if (mode === 'block' && block !== null) {
      hasComment = true;
      const end = line.indexOf('*/');
      const body = end === -1 ? line : line.slice(0, end);
      // Drop the indentation, one leading `*` and one space after it.
      let k = 0;
      while (k < body.length && (body.charCodeAt(k) === 32 || body.charCodeAt(k) === 9)) k++;
      if (codeAt(body, k) === 42) k++;
      if (codeAt(body, k) === 32) k++;
      block.parts.push(k === 0 ? body : body.slice(k));
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
      seg = i;
    } else if (mode === 'template') {
      hasCode = true;
    }

    while (i < len) {
      if (mode === 'template') {
        // Inside a template literal: find its end or an interpolation. Content goes to `code` only.
        const start = i;
        while (i < len) {
          const c = line.charCodeAt(i);
          if (c === 92) {
            i += 2;
            continue;
          }
          if (c === 96) break;
          if (c === 36 && codeAt(line, i + 1) === 123) break;
          i++;
        }
        if (i >= len) {
          codeOut += line.slice(start, len);
          seg = len;
          break;
        }
        if (line.charCodeAt(i) === 96) {
          codeOut += line.slice(start, i + 1);
          bareOut += '`';
          i++;
          mode = 'code';
          lastSig = 96;
        } else {
          codeOut += line.slice(start, i + 2);
          bareOut += '${';
          i += 2;
          templateStack.push(braceDepth);
          braceDepth++;
          mode = 'code';
          lastSig = 123;
        }
        seg = i;
        continue;
      }

      const c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 12 || c === 11 || c === 0xfeff) {
        i++;
        continue;
      }
      if (isWordChar(c)) {
        hasCode = true;
        wordStart = i;
        let hash = c;
        i++;
        for (; i < len; i++) {
          const d = line.charCodeAt(i);
          if (!isWordChar(d)) break;
          hash = (Math.imul(hash, 31) + d) | 0;
        }
        wordEnd = i;
        lastSig = WORD;
        if ((c < 48 || c > 57) && c < 128) {
          const shape = shapes.of(line, wordStart, wordEnd, hash);
          if (shape !== NOT_A_NAME && nameCount < 0xffff) {
            nameCount++;
            nameLength += wordEnd - wordStart;
            if (shape & NameShape.Descriptive) descriptive++;
            if (shape & NameShape.Terse) terse++;
            if (shape & NameShape.Snake) snake++;
            if (shape & NameShape.Camel) camel++;
          }
        }
        continue;
      }
      if (c === 47 /* / */) {
        const next = codeAt(line, i + 1);
        if (next === 47) {
          hasComment = true;
          codeOut += line.slice(seg, i);
          bareOut += line.slice(seg, i);
          addComment({ line: li + 1, endLine: li + 1, style: 'line', text: line.slice(i + 2).trim(), trailing: hasCode });
          i = len;
          seg = len;
          break;
        }
        if (next === 42) {
          hasComment = true;
          codeOut += line.slice(seg, i);
          bareOut += line.slice(seg, i);
          const jsdoc = codeAt(line, i + 2) === 42 && codeAt(line, i + 3) !== 47;
          const style: CommentStyle = jsdoc ? 'jsdoc' : 'block';
          const bodyStart = i + (jsdoc ? 3 : 2);
          const end = line.indexOf('*/', bodyStart);
          if (end === -1) {
            block = { line: li + 1, style, parts: [line.slice(bodyStart).trim()], trailing: hasCode };
            mode = 'block';
            i = len;
            seg = len;
            break;
          }
          addComment({ line: li + 1, endLine: li + 1, style, text: line.slice(bodyStart, end).trim(), trailing: hasCode });
          i = end + 2;
          seg = i;
          continue;
        }
        const prevChar = i > 0 ? line.charCodeAt(i - 1) : -1;
        let afterOperator: boolean;
        if (lastSig === WORD) {
          const word = wordStart >= 0 ? line.slice(wordStart, wordEnd) : lastWord;
          afterOperator = REGEX_AFTER_WORDS.has(word);
        } else afterOperator = lastSig === NOTHING || REGEX_AFTER_CHARS.has(lastSig);
        if (prevChar !== 60 /* </ JSX closing tag */ && next !== 62 /* /> */ && afterOperator) {
          hasCode = true;
          let j = i + 1;
          let inClass = false;
          while (j < len) {
            const d = line.charCodeAt(j);
            if (d === 92) {
              j += 2;
              continue;
            }
            if (d === 91) inClass = true;
            else if (d === 93) inClass = false;
            else if (d === 47 && !inClass) break;
            j++;
          }
          j = Math.min(j + 1, len);
          while (j < len && isWordChar(line.charCodeAt(j))) j++;
          codeOut += line.slice(seg, j);
          bareOut += `${line.slice(seg, i)}//`;
          i = j;
          seg = j;
          lastSig = 47;
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
          if (d === 92) {
            j += 2;
            continue;
          }
          if (d === c) break;
          j++;
        }
        j = Math.min(j + 1, len);
        const quote = c === 39 ? "''" : '""';
        codeOut += line.slice(seg, j);
        bareOut += line.slice(seg, i) + quote;
        i = j;
        seg = j;
        lastSig = c;
        continue;
      }
      if (c === 96) {
        bt++;
        codeOut += line.slice(seg, i + 1);
        bareOut += line.slice(seg, i + 1);
        i++;
        seg = i;
        mode = 'template';
        continue;
      }
      if (c === 123) braceDepth++;
      else if (c === 125) {
        braceDepth--;
        if (templateStack.length > 0 && braceDepth === templateStack[templateStack.length - 1]) {
          templateStack.pop();
          codeOut += line.slice(seg, i + 1);
          bareOut += line.slice(seg, i + 1);
          i++;
          seg = i;
          mode = 'template';
          continue;
        }
      }
      lastSig = c;
      i++;
    }
    if (seg < len && mode !== 'block') {
      codeOut += line.slice(seg, len);
      bareOut += line.slice(seg, len);
    }
    if (lastSig === WORD && wordStart >= 0) lastWord = line.slice(wordStart, wordEnd);

    code[li] = codeOut;
    bare[li] = bareOut;
    singleQuotes[li] = sq;
    doubleQuotes[li] = dq;
    backticks[li] = bt;
    names[li] = nameCount;
    nameChars[li] = nameLength;
    descriptiveNames[li] = descriptive;
    terseNames[li] = terse;
    snakeNames[li] = snake;
    camelNames[li] = camel;
    kinds[li] = hasCode ? (hasComment ? LineKind.Mixed : LineKind.Code) : hasComment ? LineKind.Comment : LineKind.Blank;
  }
  if (block !== null) {
    addComment({ line: block.line, endLine: n, style: block.style, text: block.parts.join('\n').trim(), trailing: block.trailing });
  }
  return { lines, kinds, code, bare, singleQuotes, doubleQuotes, backticks, names, nameChars, descriptiveNames, terseNames, snakeNames, camelNames, comments, commentAt };
}
