import { toAmsterdamIso, ZONE } from '@pzp/domain';
import { DateTime } from 'luxon';

/**
 * Hot-path time helpers for the API. They give exactly what `amsterdamDate` / `toAmsterdamIso`
 * from the domain give, without asking luxon for every request or every field: the day is
 * remembered with its bounds in Amsterdam (23, 24 or 25 hours long), and rendered instants are
 * memoised by their input (a pure function of it).
 */

interface Day {
  readonly from: number;
  readonly until: number;
  readonly date: string;
}
let today: Day | undefined;

/** The calendar date in Amsterdam at `instant` (as `amsterdamDate`). */
export function amsterdamDateAt(instant: Date): string {
  const t = instant.getTime();
  if (today !== undefined && t >= today.from && t < today.until) return today.date;
  if (Number.isNaN(t)) throw new Error('Invalid instant');
  const start = DateTime.fromMillis(t, { zone: ZONE }).startOf('day');
  const day = { from: start.toMillis(), until: start.plus({ days: 1 }).toMillis(), date: start.toISODate()! };
  today = day;
  return day.date;
}

const MAX_RENDERED = 10_000;
const rendered = new Map<string, string>();

/** An instant in Amsterdam time with its offset (as `toAmsterdamIso`), memoised. */
export function amsterdamIso(instant: string): string {
  let iso = rendered.get(instant);
  if (iso === undefined) {
    iso = toAmsterdamIso(instant);
    // Stored instants repeat (every read of a plan shows the same provenance): a bounded memo.
    if (rendered.size >= MAX_RENDERED) rendered.clear();
    rendered.set(instant, iso);
  }
  return iso;
}
