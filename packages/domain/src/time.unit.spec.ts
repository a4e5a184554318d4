import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  amsterdamDate,
  Instant,
  isAfterToday,
  LocalDate,
  toAmsterdamIso,
  ZONE,
} from './time.js';

/** Clinical dates and "today" are judged in Europe/Amsterdam; review dates use calendar arithmetic. */

describe('amsterdamDate: today in Amsterdam', () => {
  it('is the zone the registry uses', () => {
    expect(ZONE).toBe('Europe/Amsterdam');
  });

  it.each([
    ['2026-03-09T23:30:00Z', '2026-03-10', '00:30 CET, UTC still on the 9th'],
    ['2026-03-09T22:59:59Z', '2026-03-09', '23:59:59 CET'],
    ['2026-03-10T00:30:00+01:00', '2026-03-10', 'written with the Amsterdam offset'],
    ['2026-03-10T19:30:00-04:00', '2026-03-11', '19:30 in New York is 00:30 next day in Amsterdam'],
    ['2026-03-29T00:59:59Z', '2026-03-29', 'night of the spring change, before it'],
    ['2026-03-29T21:59:59Z', '2026-03-29', '23:59:59 CEST'],
    ['2026-03-29T22:00:00Z', '2026-03-30', 'midnight CEST is 22:00 UTC'],
    ['2026-10-25T21:59:59Z', '2026-10-25', '22:59:59 CET after the autumn change'],
    ['2026-10-25T22:59:59Z', '2026-10-25', '23:59:59 CET'],
    ['2026-10-25T23:00:00Z', '2026-10-26', 'midnight CET is 23:00 UTC'],
    ['2026-07-01T22:30:00Z', '2026-07-02', '00:30 CEST in summer'],
    ['2026-12-31T23:00:00Z', '2027-01-01', 'new year in Amsterdam, not yet in UTC'],
  ])('%s is %s (%s)', (instant, date) => {
    expect(amsterdamDate(instant)).toBe(date);
  });

  it('accepts a Date', () => {
    expect(amsterdamDate(new Date(Date.UTC(2026, 2, 9, 23, 30)))).toBe('2026-03-10');
  });

  it('refuses an invalid instant', () => {
    expect(() => amsterdamDate('not a date')).toThrow('Invalid instant');
  });
});

describe('isAfterToday', () => {
  const halfPastMidnight = '2026-03-09T23:30:00Z'; // 00:30 on 10 March in Amsterdam
  it('today in Amsterdam is not in the future, even though UTC is still on the 9th', () => {
    expect(isAfterToday('2026-03-10', halfPastMidnight)).toBe(false);
  });
  it('tomorrow in Amsterdam is in the future', () => {
    expect(isAfterToday('2026-03-11', halfPastMidnight)).toBe(true);
  });
  it('yesterday is not in the future', () => {
    expect(isAfterToday('2026-03-09', halfPastMidnight)).toBe(false);
  });
  it('across the spring DST change', () => {
    expect(isAfterToday('2026-03-30', '2026-03-29T22:00:00Z')).toBe(false);
    expect(isAfterToday('2026-03-30', '2026-03-29T21:59:59Z')).toBe(true);
  });
  it('across the autumn DST change', () => {
    expect(isAfterToday('2026-10-26', '2026-10-25T23:00:00Z')).toBe(false);
    expect(isAfterToday('2026-10-26', '2026-10-25T22:59:59Z')).toBe(true);
  });
});

describe('calendar arithmetic', () => {
  it.each([
    ['2024-02-29', 12, '2025-02-28', '12 months after a leap day'],
    ['2024-02-29', 48, '2028-02-29', 'four years after a leap day'],
    ['2026-01-31', 1, '2026-02-28', 'end of January + 1 month'],
    ['2024-01-31', 1, '2024-02-29', 'end of January + 1 month in a leap year'],
    ['2026-03-31', 1, '2026-04-30', 'end of March + 1 month'],
    ['2026-08-31', 6, '2027-02-28', 'end of August + 6 months'],
    ['2026-03-02', 12, '2027-03-02', 'plain year'],
    ['2026-03-29', 1, '2026-04-29', 'from the DST day'],
    ['2026-10-25', 1, '2026-11-25', 'from the autumn DST day'],
  ])('addMonths(%s, %i) = %s (%s)', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it.each([
    ['2026-03-28', 1, '2026-03-29'],
    ['2026-03-29', 1, '2026-03-30'],
    ['2026-10-25', 1, '2026-10-26'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-03-02', 14, '2026-03-16'],
  ])('addDays(%s, %i) = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('toAmsterdamIso', () => {
  it('renders with the offset in force: CET before the spring change, CEST after', () => {
    expect(toAmsterdamIso('2026-03-29T00:59:59Z')).toBe('2026-03-29T01:59:59.000+01:00');
    expect(toAmsterdamIso('2026-03-29T01:00:00Z')).toBe('2026-03-29T03:00:00.000+02:00');
  });
  it('renders the repeated hour of the autumn change with both offsets', () => {
    expect(toAmsterdamIso('2026-10-25T00:30:00Z')).toBe('2026-10-25T02:30:00.000+02:00');
    expect(toAmsterdamIso('2026-10-25T01:30:00Z')).toBe('2026-10-25T02:30:00.000+01:00');
  });
});

describe('LocalDate and Instant schemas', () => {
  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '2026-04-30'])('%s is a calendar date', (date) => {
    expect(LocalDate.safeParse(date).success).toBe(true);
  });

  it.each([
    '2025-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-3-1',
    '02-03-2026',
    '2026-03-02T10:00',
  ])('%s is refused', (date) => {
    expect(LocalDate.safeParse(date).success).toBe(false);
  });

  it('an instant needs an explicit offset', () => {
    expect(Instant.safeParse('2026-03-02T14:00:00+01:00').success).toBe(true);
    expect(Instant.safeParse('2026-03-02T13:00:00Z').success).toBe(true);
    expect(Instant.safeParse('2026-03-02T14:00:00').success).toBe(false);
  });
});
