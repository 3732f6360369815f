// Consistency with the file's own unchanged code: the repository is its own best baseline. A
// hunk whose quotes, semicolons, indentation or naming convention differ from the rest of the
// file, or that comments, documents or names far more verbosely than the file does, is a signal.
// Silent when the file has too little unchanged code to define a habit.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, support } from './feature.js';
import { hunkView } from './hunk-view.js';
import type { StyleMeasure } from './style.js';

const ID = 'consistency';

/** Unchanged code lines a file needs before its habits count. */
export const MIN_BASELINE_LINES = 30;
/** Added non-blank lines a hunk needs before its style counts (code habits: code lines). */
export const MIN_HUNK_LINES = 5;

/** JSDoc blocks per code line at which a file has a documentation habit (one per 50 lines). */
export const JSDOC_HABIT = 0.02;
/** Comment share above the file's own that is still ordinary variation. */
const COMMENT_MARGIN = 0.1;

type Habit<T> = { readonly value: T; readonly strength: number } | undefined;

function quoteHabit(s: StyleMeasure, min: number): Habit<'single' | 'double'> {
  const total = s.singleQuotes + s.doubleQuotes;
  if (total < min) return undefined;
  const single = s.singleQuotes / total;
  if (single >= 0.8) return { value: 'single', strength: single };
  if (single <= 0.2) return { value: 'double', strength: 1 - single };
  return undefined;
}

function semicolonHabit(s: StyleMeasure, min: number): Habit<'semicolons' | 'no semicolons'> {
  const total = s.semicolonEnds + s.bareEnds;
  if (total < min) return undefined;
  const semi = s.semicolonEnds / total;
  if (semi >= 0.8) return { value: 'semicolons', strength: semi };
  if (semi <= 0.2) return { value: 'no semicolons', strength: 1 - semi };
  return undefined;
}

function indentHabit(s: StyleMeasure, min: number): Habit<'tabs' | '2 spaces' | '4 spaces'> {
  const total = s.tabIndented + s.indentTwo + s.indentFour;
  if (total < min) return undefined;
  if (s.tabIndented / total >= 0.8) return { value: 'tabs', strength: s.tabIndented / total };
  const spaces = s.indentTwo + s.indentFour;
  if (spaces / total < 0.8) return undefined;
  // Two-space code has lines at 2 mod 4; four-space code has none.
  if (s.indentTwo / spaces >= 0.15) return { value: '2 spaces', strength: spaces / total };
  if (s.indentTwo / spaces <= 0.02) return { value: '4 spaces', strength: spaces / total };
  return undefined;
}

function namingHabit(s: StyleMeasure, min: number): Habit<'snake_case' | 'camelCase'> {
  const total = s.snakeCase + s.camelCase;
  if (total < min) return undefined;
  const snake = s.snakeCase / total;
  if (snake >= 0.7) return { value: 'snake_case', strength: snake };
  if (snake <= 0.3) return { value: 'camelCase', strength: 1 - snake };
  return undefined;
}

function commentShare(s: StyleMeasure): number {
  const total = s.codeLines + s.commentLines;
  return total === 0 ? 0 : s.commentLines / total;
}

export const consistency: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/quote-style`, direction: 'ai', description: "string quotes unlike the file's" },
    { id: `${ID}/semicolons`, direction: 'ai', description: "semicolon use unlike the file's" },
    { id: `${ID}/indentation`, direction: 'ai', description: "indentation unlike the file's" },
    { id: `${ID}/naming`, direction: 'ai', description: "naming convention (camelCase/snake_case) unlike the file's" },
    { id: `${ID}/comment-excess`, direction: 'ai', description: 'comment share above the file’s own' },
    { id: `${ID}/identifier-excess`, direction: 'ai', description: 'identifiers longer than the file’s own' },
    { id: `${ID}/jsdoc-excess`, direction: 'ai', description: 'JSDoc blocks where the file has few or none' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const { style: hunk, baseline: file } = hunkView(ctx);
    const nonBlank = hunk.codeLines + hunk.commentLines;
    if (file.codeLines < MIN_BASELINE_LINES || hunk.codeLines === 0 || nonBlank < MIN_HUNK_LINES) return [];
    const out: Feature[] = [];
    // Code habits need code lines; comment habits are judged on all non-blank lines.
    const trust = support(hunk.codeLines, MIN_HUNK_LINES, 15);
    const commentTrust = support(nonBlank, MIN_HUNK_LINES, 12);
    const mismatch = <T>(id: string, what: string, f: Habit<T>, h: Habit<T>): void => {
      if (f === undefined || h === undefined || f.value === h.value) return;
      out.push({ id: `${ID}/${id}`, value: clamp01(f.strength * h.strength) * trust, detail: `${what}: hunk uses ${String(h.value)}, the rest of the file ${String(f.value)}` });
    };
    mismatch('quote-style', 'quote style', quoteHabit(file, 20), quoteHabit(hunk, 4));
    mismatch('semicolons', 'statement endings', semicolonHabit(file, 20), semicolonHabit(hunk, 4));
    mismatch('indentation', 'indentation', indentHabit(file, 20), indentHabit(hunk, 4));
    mismatch('naming', 'naming', namingHabit(file, 20), namingHabit(hunk, 4));

    const hc = commentShare(hunk);
    const fc = commentShare(file);
    if (hc > fc + COMMENT_MARGIN) {
      out.push({
        id: `${ID}/comment-excess`,
        value: clamp01((hc - fc - COMMENT_MARGIN) * 2.5) * commentTrust,
        detail: `${Math.round(hc * 100)}% of the hunk's lines are comments, ${Math.round(fc * 100)}% in the rest of the file`,
      });
    }
    if (hunk.identifiers >= 10 && file.identifiers >= 50) {
      const hm = hunk.identifierChars / hunk.identifiers;
      const fm = file.identifierChars / file.identifiers;
      if (hm > fm) {
        out.push({
          id: `${ID}/identifier-excess`,
          value: clamp01((hm - fm) / 4) * support(hunk.identifiers, 10, 30),
          detail: `identifiers average ${hm.toFixed(1)} characters, ${fm.toFixed(1)} in the rest of the file`,
        });
      }
    }
    const hj = hunk.jsdocBlocks / hunk.codeLines;
    const fj = file.jsdocBlocks / file.codeLines;
    if (hunk.jsdocBlocks >= 1 && fj <= JSDOC_HABIT && hj > fj) {
      out.push({
        id: `${ID}/jsdoc-excess`,
        value: clamp01((hj - fj) * 10) * commentTrust,
        detail: `${hunk.jsdocBlocks} JSDoc block${hunk.jsdocBlocks === 1 ? '' : 's'} in ${hunk.codeLines} added code lines; the rest of the file has ${file.jsdocBlocks} in ${file.codeLines}`,
      });
    }
    return finish(out);
  },
};
