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

export function pluralize(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
