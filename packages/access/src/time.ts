import { ZONE } from '@pzp/domain';
import { DateTime } from 'luxon';

/** The node's clock: the real one, or a fake in development and tests. */
export type Clock = () => Date;

interface Day {
  readonly from: number;
  readonly until: number;
  readonly date: string;
}
let today: Day | undefined;

/**
 * The calendar date in Amsterdam at `instant`: exactly what the domain's `amsterdamDate` gives,
 * without asking luxon on every read (each access record names its day's stream, and every
 * record shown judges its date warnings). The day is remembered with its bounds in Amsterdam
 * (23, 24 or 25 hours long).
 */
export function amsterdamDateAt(instant: Date): string {
  const t = instant.getTime();
  if (today !== undefined && t >= today.from && t < today.until) return today.date;
  if (Number.isNaN(t)) throw new Error('Invalid instant');
  const start = DateTime.fromMillis(t, { zone: ZONE }).startOf('day');
  const day = { from: start.toMillis(), until: start.plus({ days: 1 }).toMillis(), date: start.toISODate()! };
  today = day;
  return day.date;
}
