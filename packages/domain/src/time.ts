import { DateTime } from 'luxon';
import { z } from 'zod';

/** Clinical dates and "today" are judged in the Netherlands' civil time, never in UTC. */
export const ZONE = 'Europe/Amsterdam';

/**
 * Whether YYYY-MM-DD names a day of the proleptic Gregorian calendar. Pure arithmetic: a date's
 * existence does not depend on a time zone, and this runs for every date of every stored event.
 */
function isCalendarDate(s: string): boolean {
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= days;
}

/** A calendar date (YYYY-MM-DD) that exists (no 2025-02-30). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'Not an existing calendar date');
export type LocalDate = z.infer<typeof LocalDate>;

/** An instant written with an explicit offset (Z or ±hh:mm); without one it is ambiguous around DST. */
export const Instant = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof Instant>;

/** Today's date in Amsterdam at the given instant. */
export function amsterdamDate(instant: string | Date): LocalDate {
  const dt = typeof instant === 'string' ? DateTime.fromISO(instant) : DateTime.fromJSDate(instant);
  if (!dt.isValid) throw new Error('Invalid instant');
  return dt.setZone(ZONE).toISODate()!;
}

/** Whether a local date lies after "today" in Amsterdam at `now`. */
export const isAfterToday = (date: LocalDate, now: string | Date): boolean => date > amsterdamDate(now);

/**
 * Calendar arithmetic: adding a month to 31 January gives the last day of February. Done in UTC:
 * a date has no time of day, so no zone changes its sum, and Amsterdam's rules (looked up through
 * Intl on every call) made this a visible part of recording a conversation.
 */
export function addMonths(date: LocalDate, months: number): LocalDate {
  return DateTime.fromISO(date, { zone: 'utc' }).plus({ months }).toISODate()!;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return DateTime.fromISO(date, { zone: 'utc' }).plus({ days }).toISODate()!;
}

/** An instant rendered in Amsterdam time with its offset, e.g. 2026-03-29T03:00:00.000+02:00. */
export function toAmsterdamIso(instant: string | Date): string {
  const dt = typeof instant === 'string' ? DateTime.fromISO(instant) : DateTime.fromJSDate(instant);
  return dt.setZone(ZONE).toISO()!;
}
