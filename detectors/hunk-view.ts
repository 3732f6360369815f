// What every detector needs to know about a hunk, derived once per DetectorContext and shared:
// the file's line facts, which added lines are code or comment, the comments the hunk added,
// the units it touches, and style measures of the hunk and of the file's unchanged lines.

import type { DetectorContext } from './detector.js';
import { lineFactsOf, LineKind, type CommentBlock, type LineFacts } from './line-facts.js';
import type { ParsedFile } from './parse.js';
import { measureStyle, type StyleMeasure } from './style.js';
import { unitsInRange, type UnitInfo } from './units.js';

export interface HunkView {
  readonly facts: LineFacts;
  /** The parsed file, when the context's lines are the parsed file's lines. */
  readonly parsed: ParsedFile | undefined;
  /** Added line numbers present in `facts`, ascending. */
  readonly added: readonly number[];
  readonly isAdded: (line: number) => boolean;
  /** Added lines holding code. */
  readonly codeLines: readonly number[];
  /** Comments whose first line is an added line, in source order. */
  readonly comments: readonly CommentBlock[];
  /** Named units overlapping the hunk range (empty without a tree). */
  readonly units: readonly UnitInfo[];
  /** Style of the added lines. */
  readonly style: StyleMeasure;
  /** Style of the file's lines not added by the change set (empty when the file is new). */
  readonly baseline: StyleMeasure;
}

const views = new WeakMap<DetectorContext, HunkView>();
const baselines = new WeakMap<readonly string[], WeakMap<ReadonlySet<number>, StyleMeasure>>();

/** The shared view of `ctx`, computed on first use. */
export function hunkView(ctx: DetectorContext): HunkView {
  let view = views.get(ctx);
  if (view === undefined) {
    view = build(ctx);
    views.set(ctx, view);
  }
  return view;
}

function linesMatch(lines: readonly string[], ctx: DetectorContext): boolean {
  for (const a of ctx.hunk.added) if (lines[a.line - 1] !== a.text) return false;
  return true;
}

function build(ctx: DetectorContext): HunkView {
  let lines = ctx.file.lines;
  let parsed = ctx.file.parsed;
  let fromFile = true;
  if (parsed !== undefined && parsed.lines !== lines && !(parsed.lines.length === lines.length && linesMatch(parsed.lines, ctx))) parsed = undefined;
  if (!linesMatch(lines, ctx)) {
    // The head text is missing or disagrees with the diff: measure the added lines alone.
    fromFile = false;
    parsed = undefined;
    const synthetic: string[] = [];
    for (const a of ctx.hunk.added) {
      if (!Number.isSafeInteger(a.line) || a.line < 1 || a.line > 10_000_000) continue;
      while (synthetic.length < a.line - 1) synthetic.push('');
      synthetic[a.line - 1] = a.text;
    }
    lines = synthetic;
  }
  const facts = parsed !== undefined && parsed.lines === lines ? parsed.facts : lineFactsOf(lines);
  const added: number[] = [];
  let sorted = true;
  for (const a of ctx.hunk.added) {
    if (a.line >= 1 && a.line <= lines.length) {
      if (added.length > 0 && a.line <= (added[added.length - 1] as number)) sorted = false;
      added.push(a.line);
    }
  }
  let isAdded: (line: number) => boolean;
  const lo = added[0] ?? 0;
  const hi = added[added.length - 1] ?? -1;
  if (sorted && hi - lo + 1 === added.length) {
    // Contiguous (the common case): a range check, no set.
    isAdded = (line) => line >= lo && line <= hi;
  } else {
    const addedSet = new Set(added);
    added.length = 0;
    for (const line of addedSet) added.push(line);
    added.sort((a, b) => a - b);
    isAdded = (line) => addedSet.has(line);
  }
  const codeLines: number[] = [];
  const commentIndexes = new Set<number>();
  const comments: CommentBlock[] = [];
  for (const line of added) {
    const kind = facts.kinds[line - 1];
    if (kind === LineKind.Code || kind === LineKind.Mixed) codeLines.push(line);
    if (kind === LineKind.Comment || kind === LineKind.Mixed) {
      // A line can hold several comments; collect every comment starting on it.
      let at = facts.commentAt[line - 1] as number;
      while (at >= 0 && at < facts.comments.length) {
        const c = facts.comments[at] as CommentBlock;
        if (c.line > line) break;
        if (c.line === line && !commentIndexes.has(at)) {
          commentIndexes.add(at);
          comments.push(c);
        }
        at++;
      }
    }
  }
  const first = added[0] ?? 0;
  const last = added[added.length - 1] ?? -1;
  const units = parsed !== undefined && added.length > 0 ? unitsInRange(parsed, first, last) : [];
  const style = measureStyle(facts, first, last, isAdded);
  const baseline = fromFile ? baselineOf(facts, ctx.addedLines) : measureStyle(facts, 1, 0, () => false);
  return { facts, parsed, added, isAdded, codeLines, comments, units, style, baseline };
}

function baselineOf(facts: LineFacts, addedLines: ReadonlySet<number>): StyleMeasure {
  let perFile = baselines.get(facts.lines);
  if (perFile === undefined) {
    perFile = new WeakMap();
    baselines.set(facts.lines, perFile);
  }
  let measure = perFile.get(addedLines);
  if (measure === undefined) {
    measure = measureStyle(facts, 1, facts.lines.length, (line) => !addedLines.has(line));
    perFile.set(addedLines, measure);
  }
  return measure;
}
