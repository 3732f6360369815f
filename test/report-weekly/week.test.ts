import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { isoWeekOf, lastCompleteWeek, parseWeek, previousWeeks, shiftWeek, weekOfPeriod, weekRange, weeksInYear, weeksOverlapping } from '../../src/report/week.js';

// Expected values checked against Python's date.isocalendar() (ISO 8601).
describe('ISO 8601 weeks (UTC)', () => {
  it.each([
    ['2026-01-01T00:00:00Z', '2026-W01'], // a Thursday: week 1 of its own year
    ['2026-12-31T12:00:00Z', '2026-W53'], // 2026 starts on a Thursday: 53 weeks
    ['2027-01-03T23:59:59.999Z', '2026-W53'], // Sunday of 2026-W53, in 2027
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2021-01-03T10:00:00Z', '2020-W53'], // 2020: leap year starting on a Wednesday
    ['2024-12-30T00:00:00Z', '2025-W01'], // Monday in December, week 1 of the next year
    ['2026-11-30T00:00:00Z', '2026-W49'],
    ['2026-12-06T23:59:59.999Z', '2026-W49'],
    ['2026-12-07T00:00:00Z', '2026-W50'],
  ])('%s is in %s', (date, week) => {
    expect(isoWeekOf(date)).toBe(week);
  });

  it('uses UTC whatever the offset written', () => {
    // Monday 01:00 in +02:00 is Sunday 23:00 UTC.
    expect(isoWeekOf('2026-12-07T01:00:00+02:00')).toBe('2026-W49');
  });

  it('gives half-open Monday-to-Monday ranges', () => {
    expect(weekRange('2026-W49')).toEqual({ since: '2026-11-30T00:00:00.000Z', until: '2026-12-07T00:00:00.000Z' });
    expect(weekRange('2020-W53')).toEqual({ since: '2020-12-28T00:00:00.000Z', until: '2021-01-04T00:00:00.000Z' });
    expect(weekRange('2026-W01').since).toBe('2025-12-29T00:00:00.000Z');
  });

  it('counts 52 and 53-week years', () => {
    expect([2020, 2021, 2025, 2026, 2027, 2032].map(weeksInYear)).toEqual([53, 52, 52, 53, 52, 53]);
  });

  it('refuses weeks that do not exist, with the reason', () => {
    expect(() => parseWeek('2026-W54')).toThrow(UsageError);
    expect(() => parseWeek('2026-W54')).toThrow('2026 has 53 ISO weeks');
    expect(() => parseWeek('2025-W53')).toThrow('2025 has 52 ISO weeks');
    expect(() => parseWeek('2026-W00')).toThrow('does not exist');
    expect(() => parseWeek('2026-49')).toThrow('is not an ISO week');
    expect(() => parseWeek('2026-W49\n')).toThrow('is not an ISO week');
    expect(parseWeek('2026-W53')).toEqual({ year: 2026, week: 53 });
  });

  it('lists previous weeks across a 53-week year end', () => {
    expect(previousWeeks('2027-W01', 3)).toEqual(['2026-W52', '2026-W53', '2027-W01']);
    expect(previousWeeks('2026-W02', 3)).toEqual(['2025-W52', '2026-W01', '2026-W02']);
    expect(() => previousWeeks('2026-W02', 0)).toThrow(UsageError);
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01');
    expect(shiftWeek('2021-W01', -1)).toBe('2020-W53');
  });

  it('takes the last complete week at a given instant', () => {
    expect(lastCompleteWeek('2026-12-09T00:00:00Z')).toBe('2026-W49');
    // Monday midnight: the week that just ended.
    expect(lastCompleteWeek('2026-12-07T00:00:00Z')).toBe('2026-W49');
    expect(lastCompleteWeek('2026-12-06T23:59:59Z')).toBe('2026-W48');
  });

  it('recognises a period that is exactly one week', () => {
    expect(weekOfPeriod('2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z')).toBe('2026-W49');
    expect(weekOfPeriod('2026-11-30T00:00:00.000Z', '2026-12-08T00:00:00.000Z')).toBeNull();
    expect(weekOfPeriod('2026-12-01T00:00:00.000Z', '2026-12-08T00:00:00.000Z')).toBeNull();
    expect(weeksOverlapping('2026-12-01T00:00:00Z', '2026-12-15T00:00:00Z')).toEqual(['2026-W49', '2026-W50', '2026-W51']);
  });
});
