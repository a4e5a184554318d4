import { toAmsterdamIso, ZONE } from '@pzp/domain';
import { DateTime } from 'luxon';

/**
 * Hot-path time helpers for the API. They give exactly what `amsterdamDate` / `toAmsterdamIso`
 * from the domain give, without asking luxon for every request or every field: the day comes
 * from the access package (which names each day's access-log stream with it), and instants are
 * rendered with the zone's offset luxon gave for their span of UTC time (luxon takes some 20 µs for
 * one instant).
 */
export { amsterdamDateAt } from '@pzp/access';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What `Date#toISOString` writes, the form the registry stores and hands out its instants in. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Minutes east of UTC, and the offset as luxon writes it ("+01:00"). */
interface Offset {
  readonly minutes: number;
  readonly suffix: string;
}

/**
 * Spans of UTC time whose one offset is kept, longest first: an eight-day span with an offset change
 * in it (two a year) is kept as its days, such a day as its hours, and the hour of the change is
 * left to luxon (null). Eight days: far fewer spans to ask luxon about on a node's first reads,
 * and still far shorter than the eight weeks between two changes. Bounded: a span is asked about
 * again after a clear.
 */
const SPANS = [8 * DAY, DAY, HOUR] as const;
const FINER = 'FINER';
const MAX_KEPT = 50_000;
const offsets = SPANS.map(() => new Map<number, Offset | null | typeof FINER>());

/** Luxon's rendering of a UTC instant (ms) in Amsterdam: the reference every shortcut is checked against. */
const byLuxon = (ms: number): string | null => DateTime.fromMillis(ms, { zone: ZONE }).toISO();

/** The local wall-clock time of `ms` at `minutes` east of UTC, as luxon writes it; undefined past year 9999. */
function wallClock(ms: number, minutes: number, suffix: string): string | undefined {
  const local = new Date(ms + minutes * 60_000).toISOString();
  return local.length === 24 ? `${local.slice(0, 23)}${suffix}` : undefined;
}

/**
 * The offset of every millisecond of [first, first + length), or null when there is none. Luxon is
 * asked for the first and the last millisecond; when both have the same offset (a whole number of
 * minutes) and luxon renders both exactly as the arithmetic above does, every instant in between
 * has that offset too: an offset changes only at a transition, and a zone never has two within
 * eight days (Europe/Amsterdam's, a link to Europe/Brussels since tzdata 2022b, lie 56 days apart or
 * more, all 308 of 1850-2100 on a whole UTC hour in the time-zone data Node 20 ships).
 */
function constantOffset(first: number, length: number): Offset | null {
  const last = first + length - 1;
  const start = DateTime.fromMillis(first, { zone: ZONE });
  const minutes = start.offset;
  if (!start.isValid || !Number.isInteger(minutes)) return null;
  if (DateTime.fromMillis(last, { zone: ZONE }).offset !== minutes) return null;
  const iso = start.toISO();
  const suffix = iso?.slice(23) ?? '';
  return iso !== null &&
    wallClock(first, minutes, suffix) === iso &&
    wallClock(last, minutes, suffix) === byLuxon(last)
    ? { minutes, suffix }
    : null;
}

/** The offset at `ms`, or null when luxon must render it (the hour of an offset change, or out of range). */
function offsetAt(ms: number): Offset | null {
  for (let level = 0; level < SPANS.length; level++) {
    const span = SPANS[level]!;
    const kept = offsets[level]!;
    const key = Math.floor(ms / span);
    let offset = kept.get(key);
    if (offset === undefined) {
      offset = constantOffset(key * span, span) ?? (level < SPANS.length - 1 ? FINER : null);
      if (kept.size >= MAX_KEPT) kept.clear();
      kept.set(key, offset);
    }
    if (offset !== FINER) return offset;
  }
  return null;
}

const MAX_RENDERED = 10_000;
/**
 * Rendered instants by their input: stored instants repeat (every read of a plan shows the same
 * provenance), and a lookup here is far cheaper than even the arithmetic below. Bounded.
 */
const rendered = new Map<string, string>();

/** An instant in Amsterdam time with its offset, exactly as `toAmsterdamIso` writes it. */
export function amsterdamIso(instant: string): string {
  let iso = rendered.get(instant);
  if (iso === undefined) {
    iso = byOffset(instant) ?? toAmsterdamIso(instant);
    if (rendered.size >= MAX_RENDERED) rendered.clear();
    rendered.set(instant, iso);
  }
  return iso;
}

/**
 * The instant rendered with its span's offset; undefined when it is not in the form
 * Date writes, or its hour is left to luxon (see offsetAt).
 */
function byOffset(instant: string): string | undefined {
  if (!CANONICAL.test(instant)) return undefined;
  const ms = Date.parse(instant);
  // Only an instant the string names exactly: Date.parse also takes what luxon refuses
  // (2026-02-30) or reads otherwise (T24:00), and those come back as another string.
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== instant) return undefined;
  const offset = offsetAt(ms);
  return offset ? wallClock(ms, offset.minutes, offset.suffix) : undefined;
}
