import { DateTime } from 'luxon';
import { z } from 'zod';
import { Bsn } from '@pzp/domain';
import { SYSTEM } from '@pzp/fhir';

/**
 * Search parameter values as the routes declare them: each a zod schema of the raw string, so a
 * bad value is refused before any record is opened. Error messages name the parameter only.
 */

/** A patient's logical id: the pseudonym the registry hands out (64 hex characters). */
export const PatientId = z.string().regex(/^[0-9a-f]{64}$/);

/** `patient=<id>` or `patient=Patient/<id>`. */
export const PatientReference = z
  .string()
  .transform((v) => (v.startsWith('Patient/') ? v.slice('Patient/'.length) : v))
  .pipe(PatientId);

/** `identifier=http://fhir.nl/fhir/NamingSystem/bsn|<BSN>`: the BSN system is required. */
export const BsnIdentifier = z
  .string()
  .refine((v) => v.startsWith(`${SYSTEM.bsn}|`))
  .transform((v) => v.slice(SYSTEM.bsn.length + 1))
  .pipe(Bsn);

/** A token that must be exactly `system|code` (the only value this server holds data for). */
export const exactToken = (system: string, code: string) => z.literal(`${system}|${code}`);

/** A token that must be one of the given `system|code` values; the handler gets the code. */
export const oneOfTokens = (system: string, codes: readonly [string, ...string[]]) =>
  z
    .string()
    .refine((v) => v.startsWith(`${system}|`))
    .transform((v) => v.slice(system.length + 1))
    .pipe(z.enum(codes));

/**
 * A token list (FHIR's comma for "or") of codes of one system, as the guide's Observation search
 * writes it: `system|a,b,c` (`system|a,system|b` and bare codes too). The handler gets the codes,
 * comma-separated; a code outside `codes` or another system is refused.
 */
export const tokenList = (system: string, codes: readonly [string, ...string[]]) =>
  z
    .string()
    .transform((v) => v.split(',').map((t) => (t.startsWith(`${system}|`) ? t.slice(system.length + 1) : t)))
    .pipe(z.array(z.enum(codes)).min(1))
    .transform((list) => [...new Set(list)].join(','));

/**
 * An instant with its offset (`2026-03-09T14:00:00+01:00`, `...Z`): the `_at` of a point-in-time
 * read. A date alone is refused: which instant of the day the caller meant is not ours to guess.
 */
export const AtInstant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/** The zone a FHIR date without a time is read in: the registry's (Dutch) local time. */
const ZONE = 'Europe/Amsterdam';

type DatePrefix = 'eq' | 'ge' | 'le' | 'gt' | 'lt';

/** A date search value as the instants it covers: a day, or one instant. */
export interface DateFilter {
  readonly prefix: DatePrefix;
  readonly start: number;
  readonly end: number;
}

/**
 * A FHIR date search value (search.html#date): an optional prefix eq, ge, le, gt or lt, then a
 * date (the whole day in Amsterdam) or an instant with its offset. Undefined when it is neither.
 */
export function dateFilterOf(raw: string): DateFilter | undefined {
  const match = /^(eq|ge|le|gt|lt)?(.+)$/.exec(raw);
  if (!match) return undefined;
  const prefix = (match[1] ?? 'eq') as DatePrefix;
  const value = match[2]!;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = DateTime.fromISO(value, { zone: ZONE });
    if (!day.isValid) return undefined;
    return { prefix, start: day.toMillis(), end: day.endOf('day').toMillis() };
  }
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) return undefined;
  const at = Date.parse(value);
  return { prefix, start: at, end: at };
}

/** Whether an instant lies where the filter says (the range semantics of search.html#prefix). */
export function inDateRange(instant: number, f: DateFilter): boolean {
  switch (f.prefix) {
    case 'eq':
      return instant >= f.start && instant <= f.end;
    case 'ge':
      return instant >= f.start;
    case 'le':
      return instant <= f.end;
    case 'gt':
      return instant > f.end;
    case 'lt':
      return instant < f.start;
  }
}

/** A date search value this server understands, passed on as given (the handler reads it with dateFilterOf). */
export const DateSearch = z.string().refine((v) => dateFilterOf(v) !== undefined);

/** `_count`: how many matches a page holds, 1 to `max`. */
export const countOf = (max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/)
    .refine((v) => Number(v) >= 1 && Number(v) <= max);

/** The opaque position a `next` link carries: where the previous page ended. */
export const PagePosition = z.string().regex(/^\d{1,30}$/);
