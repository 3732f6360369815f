// Departures from the file's own style: the unchanged lines of the head file (everything the
// change set did not add) are the repository's baseline, and each feature says how far the hunk
// moves away from it — longer lines, more and longer comments, comments written as full
// sentences, more blank lines, idioms (`?.`/`??`, try/catch) the file uses less. Measured on real
// agent commits, agents in a repository write longer lines and more comments than its people do;
// an absolute norm cannot see that, a per-file one can. A new file (or one with too little
// unchanged code) has no baseline: every feature is then absent, never guessed.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, support } from './feature.js';
import { hunkView } from './hunk-view.js';
import { LineKind, type LineFacts } from './line-facts.js';

const ID = 'relative';

/** Unchanged code lines the file needs before its style is a baseline. */
export const MIN_BASELINE_CODE = 30;
/** Added code lines the hunk needs before its line length counts. */
export const MIN_HUNK_CODE = 3;

/** Style figures over a set of lines of one file (the hunk's added lines, or the file's others). */
export interface RelativeMeasure {
  readonly codeLines: number;
  /** Characters of code per code line, indentation and trailing comments excluded. */
  readonly codeChars: number;
  readonly blankLines: number;
  readonly nonBlankLines: number;
  readonly commentLines: number;
  /** Comments (blocks) starting in the set; line-comment runs count once per line. */
  readonly comments: number;
  /** Comments written as a sentence: capital first letter and a final full stop. */
  readonly sentenceComments: number;
  readonly commentWords: number;
  /** `?.` and `??` occurrences in code. */
  readonly optionalChains: number;
  /** `catch` clauses in code. */
  readonly catches: number;
}

const SENTENCE = /^[A-Z][^\n]*[.!?]$/;
const OPTIONAL = /\?\.(?!\d)|\?\?/g;
const CATCH = /\bcatch\b|\.catch\(/g;

function count(re: RegExp, text: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

/** Whether a comment reads as prose written as a sentence (not a directive, marker or license). */
function isSentence(text: string): boolean {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length >= 12 && SENTENCE.test(t);
}

/** Measures the lines `line` of `facts` for which `include(line)` holds. */
export function measureRelative(facts: LineFacts, include: (line: number) => boolean, from = 1, to = facts.lines.length): RelativeMeasure {
  let codeLines = 0;
  let codeChars = 0;
  let blankLines = 0;
  let nonBlankLines = 0;
  let commentLines = 0;
  let comments = 0;
  let sentenceComments = 0;
  let commentWords = 0;
  let optionalChains = 0;
  let catches = 0;
  const last = Math.min(to, facts.lines.length);
  for (let line = Math.max(1, from); line <= last; line++) {
    if (!include(line)) continue;
    const i = line - 1;
    const kind = facts.kinds[i];
    if (kind === LineKind.Blank) {
      blankLines++;
      continue;
    }
    nonBlankLines++;
    if (kind === LineKind.Comment || kind === LineKind.Mixed) {
      commentLines++;
      const at = facts.commentAt[i] as number;
      const block = at >= 0 ? facts.comments[at] : undefined;
      if (block !== undefined && block.line === line) {
        comments++;
        if (isSentence(block.text)) sentenceComments++;
        commentWords += block.text.split(/\s+/).filter((w) => w.length > 0).length;
      }
    }
    if (kind === LineKind.Code || kind === LineKind.Mixed) {
      codeLines++;
      const code = (facts.code[i] as string).trim();
      codeChars += Math.min(code.length, 300);
      const bare = facts.bare[i] as string;
      optionalChains += count(OPTIONAL, bare);
      catches += count(CATCH, bare);
    }
  }
  return { codeLines, codeChars, blankLines, nonBlankLines, commentLines, comments, sentenceComments, commentWords, optionalChains, catches };
}

const baselines = new WeakMap<readonly string[], WeakMap<ReadonlySet<number>, RelativeMeasure>>();

function baselineOf(facts: LineFacts, addedLines: ReadonlySet<number>): RelativeMeasure {
  let perFile = baselines.get(facts.lines);
  if (perFile === undefined) {
    perFile = new WeakMap();
    baselines.set(facts.lines, perFile);
  }
  let m = perFile.get(addedLines);
  if (m === undefined) {
    m = measureRelative(facts, (line) => !addedLines.has(line));
    perFile.set(addedLines, m);
  }
  return m;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const relative: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/longer-lines`, direction: 'ai', description: 'added code lines longer than the rest of the file' },
    { id: `${ID}/shorter-lines`, direction: 'human', description: 'added code lines shorter than the rest of the file' },
    { id: `${ID}/more-comments`, direction: 'ai', description: 'more comment lines per code line than the rest of the file' },
    { id: `${ID}/sentence-comments`, direction: 'ai', description: 'comments written as full sentences where the file rarely does' },
    { id: `${ID}/longer-comments`, direction: 'ai', description: 'longer comments than the rest of the file' },
    { id: `${ID}/more-blank-lines`, direction: 'ai', description: 'more blank lines than the rest of the file' },
    { id: `${ID}/optional-chaining`, direction: 'ai', description: '`?.` and `??` more often than the rest of the file' },
    { id: `${ID}/try-catch`, direction: 'ai', description: 'catch clauses where the rest of the file has few' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    // hunkView's baseline is empty when the head text is missing or disagrees with the diff.
    if (view.baseline.codeLines < MIN_BASELINE_CODE || view.added.length === 0) return [];
    const base = baselineOf(view.facts, ctx.addedLines);
    if (base.codeLines < MIN_BASELINE_CODE) return [];
    const first = view.added[0] as number;
    const last = view.added[view.added.length - 1] as number;
    const hunk = measureRelative(view.facts, view.isAdded, first, last);
    const out: Feature[] = [];

    if (hunk.codeLines >= MIN_HUNK_CODE) {
      const trust = support(hunk.codeLines, MIN_HUNK_CODE, 10);
      const hm = hunk.codeChars / hunk.codeLines;
      const fm = base.codeChars / base.codeLines;
      const detail = `added code lines average ${hm.toFixed(0)} characters, against ${fm.toFixed(0)} in the rest of this file`;
      if (hm >= fm + 4) out.push({ id: `${ID}/longer-lines`, value: clamp01((hm - fm - 4) / 20 + 0.2) * trust, detail });
      else if (hm <= fm - 4) out.push({ id: `${ID}/shorter-lines`, value: clamp01((fm - hm - 4) / 15 + 0.2) * trust, detail });
    }

    if (hunk.comments >= 1 && hunk.codeLines >= 1) {
      const hr = hunk.commentLines / (hunk.codeLines + hunk.commentLines);
      const fr = base.commentLines / (base.codeLines + base.commentLines);
      if (hr >= fr + 0.05) {
        out.push({
          id: `${ID}/more-comments`,
          value: clamp01((hr - fr) * 3) * support(hunk.nonBlankLines, 4, 12),
          detail: `comments on ${pct(hr)} of the added non-blank lines, against ${pct(fr)} in the rest of this file`,
        });
      }
    }

    if (hunk.comments >= 2) {
      const hs = hunk.sentenceComments / hunk.comments;
      const fs = base.comments === 0 ? 0 : base.sentenceComments / base.comments;
      if (hunk.sentenceComments >= 2 && hs >= fs + 0.3) {
        out.push({
          id: `${ID}/sentence-comments`,
          value: clamp01(hs - fs) * support(hunk.comments, 2, 4),
          detail: `${hunk.sentenceComments} of ${hunk.comments} added comments are sentences ending in a full stop, against ${pct(fs)} of ${plural(base.comments, 'comment')} in the rest of this file`,
        });
      }
      const hw = hunk.commentWords / hunk.comments;
      const fw = base.comments === 0 ? 0 : base.commentWords / base.comments;
      if (base.comments >= 3 ? hw >= fw * 1.5 + 2 : hw >= 8) {
        out.push({
          id: `${ID}/longer-comments`,
          value: clamp01((hw - fw) / 10) * support(hunk.comments, 2, 4),
          detail:
            base.comments >= 3
              ? `added comments average ${hw.toFixed(0)} words, against ${fw.toFixed(0)} in the rest of this file`
              : `added comments average ${hw.toFixed(0)} words; the rest of this file has ${plural(base.comments, 'comment')}`,
        });
      }
    }

    const hunkLines = hunk.blankLines + hunk.nonBlankLines;
    if (hunkLines >= 8 && hunk.blankLines >= 2) {
      const hb = hunk.blankLines / hunkLines;
      const fb = base.blankLines / Math.max(1, base.blankLines + base.nonBlankLines);
      if (hb >= fb + 0.06) {
        out.push({
          id: `${ID}/more-blank-lines`,
          value: clamp01((hb - fb) * 4) * support(hunkLines, 8, 20),
          detail: `${pct(hb)} of the added lines are blank, against ${pct(fb)} in the rest of this file`,
        });
      }
    }

    if (hunk.optionalChains >= 2 && hunk.codeLines >= MIN_HUNK_CODE) {
      const hr = hunk.optionalChains / hunk.codeLines;
      const fr = base.optionalChains / base.codeLines;
      if (hr >= fr * 2 + 0.05) {
        out.push({
          id: `${ID}/optional-chaining`,
          value: clamp01((hr - fr) * 4),
          detail: `${plural(hunk.optionalChains, 'use')} of \`?.\`/\`??\` in ${plural(hunk.codeLines, 'added code line')}; the rest of this file has ${base.optionalChains} in ${base.codeLines}`,
        });
      }
    }

    if (hunk.catches >= 1 && hunk.codeLines >= MIN_HUNK_CODE) {
      const hr = hunk.catches / hunk.codeLines;
      const fr = base.catches / base.codeLines;
      if (hr >= fr * 3 && hr >= 0.02) {
        out.push({
          id: `${ID}/try-catch`,
          value: clamp01(0.5 + (hr - fr) * 5) * support(hunk.codeLines, MIN_HUNK_CODE, 10),
          detail: `${plural(hunk.catches, 'catch clause')} in ${plural(hunk.codeLines, 'added code line')}; the rest of this file has ${base.catches} in ${base.codeLines}`,
        });
      }
    }
    return finish(out);
  },
};
