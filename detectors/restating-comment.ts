// Comments that say again what the next line of code already says
// (`// increment counter` above `counter++`, `// return the result` above `return result;`).

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { finish, saturate, snippet } from './feature.js';
import { hunkView } from './hunk-view.js';
import { LineKind } from './line-facts.js';

const ID = 'restating-comment';

const STOP_WORDS = new Set(
  ('a an the to of for and or in on at by with from into is are be it its this that these those we our us if then else as so all ' +
    'each any some new current given value values based using use via').split(' '),
);

/** Words a piece of code "says" through its operators and keywords. */
const OPERATOR_WORDS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/\+\+/, ['increment', 'increase', 'add']],
  [/--/, ['decrement', 'decrease']],
  [/\+=/, ['add', 'increase', 'append']],
  [/-=/, ['subtract', 'decrease']],
  [/\breturn\b/, ['return']],
  [/\bthrow\b/, ['throw', 'error']],
  [/\bawait\b/, ['wait', 'await']],
  [/\bnew\s/, ['create', 'instantiate', 'initialize']],
  [/\bimport\b/, ['import']],
  [/\bexport\b/, ['export']],
  [/\bif\b/, ['check']],
  [/\b(?:for|while)\b|\.forEach\(/, ['loop', 'iterate']],
  [/\bconsole\./, ['log', 'print']],
  [/\.push\(/, ['add', 'append', 'push']],
  [/\[\s*\]/, ['array', 'list', 'empty']],
  [/\{\s*\}/, ['object', 'empty', 'map']],
  [/(?<![=!<>+\-*/%&|^])=(?![=>])/, ['set', 'assign', 'store', 'initialize', 'define', 'declare', 'create', 'get']],
];

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('es')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s')) return word.slice(0, -1);
  return word;
}

function commentWords(text: string): string[] {
  const words: string[] = [];
  // Quoted text in a comment names a value the code matches; it is not a description of the code.
  const prose = text.replace(/"[^"]*"|`[^`]*`|'[^'\s]*'/g, ' ');
  for (const m of prose.toLowerCase().matchAll(/[a-z]+/g)) {
    const w = m[0];
    if (w.length < 2 || STOP_WORDS.has(w)) continue;
    words.push(stem(w));
  }
  return words;
}

function codeWords(code: string): Set<string> {
  const words = new Set<string>();
  for (const m of code.matchAll(/[A-Za-z]+/g)) {
    for (const part of m[0].split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)) {
      const w = part.toLowerCase();
      if (w.length >= 2) words.add(stem(w));
    }
  }
  for (const [token, said] of OPERATOR_WORDS) if (token.test(code)) for (const s of said) words.add(stem(s));
  return words;
}

/** True when at least 3/4 of the comment's content words (2 to 8 of them) appear in the code. */
export function restates(comment: string, code: string): boolean {
  const words = commentWords(comment);
  if (words.length < 2 || words.length > 8) return false;
  const said = codeWords(code);
  let hits = 0;
  for (const w of words) if (said.has(w)) hits++;
  return hits * 4 >= words.length * 3;
}

export const restatingComment: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/restates-code`, direction: 'ai', description: 'comments that restate the line of code they annotate' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const { facts } = view;
    let count = 0;
    let firstLine = 0;
    let example = '';
    for (const c of view.comments) {
      if (c.style === 'jsdoc' || c.text.length > 200 || c.line !== c.endLine) continue;
      let code: string | undefined;
      if (c.trailing) code = facts.code[c.line - 1];
      else {
        for (let l = c.endLine + 1; l <= Math.min(facts.lines.length, c.endLine + 2); l++) {
          const kind = facts.kinds[l - 1];
          if (kind === LineKind.Code || kind === LineKind.Mixed) {
            code = facts.code[l - 1];
            break;
          }
          if (kind === LineKind.Comment) break;
        }
      }
      if (code === undefined || code.length > 200) continue;
      if (restates(c.text, code)) {
        if (count++ === 0) {
          firstLine = c.line;
          example = `${snippet(`// ${c.text}`)} ${c.trailing ? 'on' : 'above'} ${snippet(code)}`;
        }
      }
    }
    if (count === 0) return [];
    return finish([
      {
        id: `${ID}/restates-code`,
        value: saturate(count, 3),
        line: firstLine,
        detail: `${count} comment${count === 1 ? '' : 's'} restate${count === 1 ? 's' : ''} the code, e.g. ${example}`,
      },
    ]);
  },
};
