import { describe, expect, it } from 'vitest';
import { AtInstant, dateFilterOf, inDateRange } from './params.js';

/** FHIR date search values (search.html#date) as the AuditEvent search reads them, and `_at`. */
describe('date search values', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reads a date as the whole day in Amsterdam, and each prefix by its range rule', () => {
    const day = dateFilterOf('2026-03-09')!;
    // 00:00 in Amsterdam (UTC+1 in March) is 23:00 UTC the day before.
    expect(inDateRange(at('2026-03-08T23:00:00Z'), day)).toBe(true);
    expect(inDateRange(at('2026-03-08T22:59:59Z'), day)).toBe(false);
    expect(inDateRange(at('2026-03-09T22:59:59Z'), day)).toBe(true);
    expect(inDateRange(at('2026-03-09T23:00:00Z'), day)).toBe(false);

    const noon = at('2026-03-09T11:00:00Z');
    expect(inDateRange(noon, dateFilterOf('ge2026-03-09')!)).toBe(true);
    expect(inDateRange(noon, dateFilterOf('le2026-03-09')!)).toBe(true);
    expect(inDateRange(noon, dateFilterOf('gt2026-03-09')!)).toBe(false);
    expect(inDateRange(noon, dateFilterOf('lt2026-03-09')!)).toBe(false);
    expect(inDateRange(noon, dateFilterOf('gt2026-03-08')!)).toBe(true);
    expect(inDateRange(noon, dateFilterOf('lt2026-03-10')!)).toBe(true);
  });

  it('reads an instant with its offset as that instant', () => {
    const f = dateFilterOf('ge2026-03-09T12:00:00+01:00')!;
    expect(inDateRange(at('2026-03-09T11:00:00Z'), f)).toBe(true);
    expect(inDateRange(at('2026-03-09T10:59:59Z'), f)).toBe(false);
  });

  it('refuses what is neither a date nor an instant with offset', () => {
    for (const v of ['', 'ge', 'yesterday', '2026-13-01', '2026-03', 'ne2026-03-09', '2026-03-09T12:00:00'])
      expect(dateFilterOf(v), v).toBeUndefined();
  });

  it('takes _at only as an instant with its offset', () => {
    expect(AtInstant.parse('2026-03-09T14:00:00+01:00').toISOString()).toBe('2026-03-09T13:00:00.000Z');
    for (const v of ['2026-03-09', '2026-03-09T14:00:00', 'now'])
      expect(AtInstant.safeParse(v).success, v).toBe(false);
  });
});
