import { toAmsterdamIso } from '@pzp/domain';

/**
 * Hot-path time helpers for the API. They give exactly what `amsterdamDate` / `toAmsterdamIso`
 * from the domain give, without asking luxon for every request or every field: the day comes
 * from the access package (which names each day's access-log stream with it), and rendered
 * instants are memoised by their input (a pure function of it).
 */
export { amsterdamDateAt } from '@pzp/access';

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
