// ISO 8601 week dates, UTC: weeks start on Monday 00:00 UTC, week 1 is the week holding the
// year's first Thursday, and a year has 52 or 53 weeks (53 when it starts on a Thursday, or on
// a Wednesday in a leap year). Reports use half-open periods [since, until).
import { UsageError, printable } from '../core/errors.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const LABEL = /^(\d{4})-W(\d{2})$/;

export interface IsoWeek {
  readonly year: number;
  readonly week: number;
}

export interface WeekRange {
  /** Monday 00:00:00.000 UTC, RFC 3339. */
  readonly since: string;
  /** The next Monday 00:00:00.000 UTC (exclusive). */
  readonly until: string;
}

/** Epoch ms of Monday 00:00 UTC of ISO week 1 of `year`. */
function week1Monday(year: number): number {
  // January 4th is always in week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  return jan4 - dow * DAY_MS;
}

/** 52 or 53. */
export function weeksInYear(year: number): number {
  // December 28th is always in the year's last week.
  return isoWeekParts(Date.UTC(year, 11, 28)).week;
}

function toMs(date: Date | string | number): number {
  const ms = date instanceof Date ? date.getTime() : typeof date === 'number' ? date : Date.parse(date);
  if (!Number.isFinite(ms)) throw new UsageError('BAD_INPUT', `${printable(String(date))} is not a date`, { hint: 'use an RFC 3339 date such as 2026-12-07 or 2026-12-07T00:00:00Z' });
  return ms;
}

function isoWeekParts(ms: number): IsoWeek {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const dow = (d.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the ISO year.
  const thursday = new Date(day + (3 - dow) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - week1Monday(year)) / WEEK_MS);
  return { year, week };
}

export function formatWeek(w: IsoWeek): string {
  return `${String(w.year).padStart(4, '0')}-W${String(w.week).padStart(2, '0')}`;
}

/** The ISO week label (`2026-W49`) of an instant, in UTC. */
export function isoWeekOf(date: Date | string | number): string {
  return formatWeek(isoWeekParts(toMs(date)));
}

/** Parses and validates a label; throws UsageError naming the problem (`2026-W54`, `2025-W53`). */
export function parseWeek(label: string): IsoWeek {
  const m = LABEL.exec(label);
  if (m === null) throw new UsageError('BAD_INPUT', `${JSON.stringify(printable(label))} is not an ISO week`, { hint: 'write the week as YYYY-Www, e.g. 2026-W49' });
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1970) throw new UsageError('BAD_INPUT', `ISO week ${label} is before 1970`, { hint: 'use a week from 1970 on' });
  const max = weeksInYear(year);
  if (week < 1 || week > max) {
    throw new UsageError('BAD_INPUT', `ISO week ${label} does not exist: ${year} has ${max} ISO weeks`, { hint: `use a week from ${year}-W01 to ${formatWeek({ year, week: max })}` });
  }
  return { year, week };
}

function mondayOf(w: IsoWeek): number {
  return week1Monday(w.year) + (w.week - 1) * WEEK_MS;
}

/** [Monday 00:00 UTC, next Monday 00:00 UTC) of a week label. */
export function weekRange(label: string): WeekRange {
  const start = mondayOf(parseWeek(label));
  return { since: new Date(start).toISOString(), until: new Date(start + WEEK_MS).toISOString() };
}

/** The week `offset` weeks after `label` (negative: before). */
export function shiftWeek(label: string, offset: number): string {
  return isoWeekOf(mondayOf(parseWeek(label)) + offset * WEEK_MS);
}

/** The `count` weeks ending with `label`, oldest first: `previousWeeks('2026-W02', 3)` is 2025-W52, 2026-W01, 2026-W02. */
export function previousWeeks(label: string, count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError('BAD_INPUT', `week count ${count} must be a positive integer`, { hint: 'pass --trend-weeks N with N ≥ 1' });
  const end = mondayOf(parseWeek(label));
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(isoWeekOf(end - i * WEEK_MS));
  return out;
}

/** The last ISO week that has fully ended at `now` (the week before the one holding `now`). */
export function lastCompleteWeek(now: Date | string | number): string {
  return isoWeekOf(toMs(now) - WEEK_MS);
}

/** The week label when [since, until) is exactly one ISO week, else null. */
export function weekOfPeriod(since: string, until: string): string | null {
  const s = toMs(since);
  const label = isoWeekOf(s);
  const r = weekRange(label);
  return Date.parse(r.since) === s && Date.parse(r.until) === toMs(until) ? label : null;
}

/** Every week label that overlaps [since, until), oldest first. */
export function weeksOverlapping(since: string, until: string): string[] {
  const s = toMs(since);
  const u = toMs(until);
  const out: string[] = [];
  for (let t = mondayOf(parseWeek(isoWeekOf(s))); t < u; t += WEEK_MS) out.push(isoWeekOf(t));
  return out;
}
