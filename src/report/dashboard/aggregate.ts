// Sums over the model's cells (per week, repository and path) under the dashboard's filters. The
// charts are pre-rendered in Node from these sums; the page's script (client.ts) recomputes the
// tables with the same rules, and the browser test checks both against the cells.
import type { Verdict } from '../../core/types.js';
import { VERDICTS } from '../../core/types.js';
import type { ReportCell } from '../model.js';

/** At most this many path prefixes are offered by the path filter (each multiplies the charts). */
export const MAX_PATH_PREFIXES = 8;

export interface CellFilter {
  /** null: every repository. */
  readonly repository: string | null;
  /** A directory prefix ending in `/` (compared literally, never as a pattern), or null. */
  readonly prefix: string | null;
}

export function matches(cell: ReportCell, filter: CellFilter): boolean {
  if (filter.repository !== null && cell.repository !== filter.repository) return false;
  if (filter.prefix !== null && !cell.path.startsWith(filter.prefix)) return false;
  return true;
}

export interface WeekSums {
  readonly week: string;
  readonly hunks: number;
  readonly addedLines: number;
  readonly statedAiLines: number;
  readonly unattestedAiLines: number;
  readonly linesByVerdict: Record<Verdict, number>;
}

function emptyVerdicts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

/** One row per week of `weeks` (in that order), zeros where no cell matches. */
export function sumByWeek(cells: readonly ReportCell[], weeks: readonly string[], filter: CellFilter): WeekSums[] {
  const rows = new Map(weeks.map((week) => [week, { week, hunks: 0, addedLines: 0, statedAiLines: 0, unattestedAiLines: 0, linesByVerdict: emptyVerdicts() }]));
  for (const cell of cells) {
    const row = rows.get(cell.week);
    if (row === undefined || !matches(cell, filter)) continue;
    row.hunks += cell.hunks;
    row.addedLines += cell.addedLines;
    row.statedAiLines += cell.statedAiLines;
    row.unattestedAiLines += cell.unattestedAiLines;
    for (const v of VERDICTS) row.linesByVerdict[v] += cell.linesByVerdict[v];
  }
  return [...rows.values()];
}

export interface GapSums {
  readonly repository: string;
  readonly week: string;
  readonly gapLines: number;
  readonly unattested: number;
  readonly contradicted: number;
}

/**
 * Gap lines per (repository, week): added lines of unattested and contradicted hunks, which in
 * a cell are the lines by those two verdicts.
 */
export function gapsByRepositoryWeek(cells: readonly ReportCell[], filter: CellFilter): GapSums[] {
  const rows = new Map<string, { repository: string; week: string; gapLines: number; unattested: number; contradicted: number }>();
  for (const cell of cells) {
    if (!matches(cell, filter)) continue;
    const key = `${cell.repository}\0${cell.week}`;
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { repository: cell.repository, week: cell.week, gapLines: 0, unattested: 0, contradicted: 0 }));
    row.gapLines += cell.linesByVerdict.unattested + cell.linesByVerdict.contradicted;
    row.unattested += cell.unattested;
    row.contradicted += cell.contradicted;
  }
  return [...rows.values()].sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : a.week < b.week ? -1 : a.week > b.week ? 1 : 0));
}

/**
 * The path prefixes the path filter offers: every directory prefix of a cell's path, ranked by
 * added lines (ties by name), the first `max` kept, returned sorted by name. Bounded because
 * each prefix adds one pre-rendered variant of every filterable chart per repository.
 */
export function pathPrefixes(cells: readonly ReportCell[], max = MAX_PATH_PREFIXES): string[] {
  const lines = new Map<string, number>();
  for (const cell of cells) {
    let at = cell.path.indexOf('/');
    while (at > 0) {
      const prefix = cell.path.slice(0, at + 1);
      lines.set(prefix, (lines.get(prefix) ?? 0) + cell.addedLines);
      at = cell.path.indexOf('/', at + 1);
    }
  }
  return [...lines.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([prefix]) => prefix)
    .sort();
}

/** Weeks of the model: the trend's weeks, then any other week a cell names, sorted. */
export function weeksOf(trendWeeks: readonly (string | null)[], cells: readonly ReportCell[]): string[] {
  const set = new Set<string>();
  for (const w of trendWeeks) if (w !== null) set.add(w);
  for (const c of cells) set.add(c.week);
  return [...set].sort();
}
