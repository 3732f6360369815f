/**
 * The number of milliseconds in one day.
 */
const MS_PER_DAY = 24 * 60 * 60 * 1000;

/**
 * Adds a number of days to a date without mutating the original date.
 *
 * @param date - The starting date.
 * @param days - The number of days to add (can be negative).
 * @returns A new Date instance.
 */
export function addDays(date: Date, days: number): Date {
  // Create a copy so we don't modify the input
  const result = new Date(date.getTime());
  result.setDate(result.getDate() + days);
  return result;
}

/**
 * Calculates the number of whole days between two dates.
 *
 * @param start - The start date.
 * @param end - The end date.
 * @returns The number of days between the two dates.
 */
export function daysBetween(start: Date, end: Date): number {
  // Normalize both dates to midnight UTC to avoid DST issues
  const startUtc = Date.UTC(start.getFullYear(), start.getMonth(), start.getDate());
  const endUtc = Date.UTC(end.getFullYear(), end.getMonth(), end.getDate());

  return Math.round((endUtc - startUtc) / MS_PER_DAY);
}

/**
 * Checks whether a given date falls on a weekend.
 *
 * @param date - The date to check.
 * @returns `true` if the date is a Saturday or Sunday.
 */
export function isWeekend(date: Date): boolean {
  const day = date.getDay();
  // 0 = Sunday, 6 = Saturday
  return day === 0 || day === 6;
}

/**
 * Formats a date as a human-readable relative string, such as "3 days ago" or "in 2 days".
 *
 * @param date - The date to format.
 * @param now - The reference date (defaults to the current date).
 * @returns A relative time string.
 */
export function formatRelative(date: Date, now: Date = new Date()): string {
  const diff = daysBetween(now, date);

  // Handle the special cases first
  if (diff === 0) return 'today';
  if (diff === 1) return 'tomorrow';
  if (diff === -1) return 'yesterday';

  // Handle future and past dates
  return diff > 0 ? `in ${diff} days` : `${Math.abs(diff)} days ago`;
}
