// Ordering shared by every renderer: files by path (code-unit order, locale-independent),
// hunks by start line, so the same scan always renders the same bytes.

import type { HunkResult } from '../core/types.js';

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareHunks(a: HunkResult, b: HunkResult): number {
  return compareStrings(a.path, b.path) || a.startLine - b.startLine || a.endLine - b.endLine;
}

/** Hunks grouped by path, paths sorted, hunks of a path by line. */
export function groupByPath(hunks: readonly HunkResult[]): [string, HunkResult[]][] {
  const groups = new Map<string, HunkResult[]>();
  for (const h of [...hunks].sort(compareHunks)) {
    const list = groups.get(h.path);
    if (list) list.push(h);
    else groups.set(h.path, [h]);
  }
  return [...groups];
}

/** Skipped files a renderer lists one by one up to this many; past it, one line per reason. */
export const SKIPPED_LISTED = 30;
/** Paths named on a reason's line. */
export const SKIPPED_EXAMPLES = 3;

/**
 * Wholly or partly skipped files grouped by their skip reason (a file's distinct reasons joined
 * by "; "), the most common reason first, then by reason; paths in path order. Renderers collapse
 * a long skipped list to these groups.
 */
export function skippedByReason(files: readonly (readonly [string, readonly HunkResult[]])[]): [string, string[]][] {
  const byReason = new Map<string, string[]>();
  for (const [path, hunks] of files) {
    const reason = [...new Set(hunks.map((h) => h.reason ?? 'skipped'))].join('; ');
    const paths = byReason.get(reason);
    if (paths === undefined) byReason.set(reason, [path]);
    else paths.push(path);
  }
  return [...byReason].sort((a, b) => b[1].length - a[1].length || compareStrings(a[0], b[0]));
}

export function pluralize(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
