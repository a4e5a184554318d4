import { describe, expect, it } from 'vitest';
import { amsterdamDate, toAmsterdamIso } from '@pzp/domain';
import { amsterdamDateAt, amsterdamIso } from './amsterdam.js';

/** The memoised helpers give exactly what the domain's luxon-based functions give. */
describe('Amsterdam time on the hot path', () => {
  // Around midnight and both DST changes of 2026 (29 March: 02:00 -> 03:00; 25 October: 03:00 -> 02:00).
  const around = (iso: string) =>
    Array.from({ length: 49 }, (_, i) => new Date(new Date(iso).getTime() + (i - 24) * 15 * 60_000));
  const instants = [
    ...around('2026-03-28T23:00:00Z'),
    ...around('2026-03-29T01:00:00Z'),
    ...around('2026-03-29T22:00:00Z'),
    ...around('2026-10-24T22:00:00Z'),
    ...around('2026-10-25T01:00:00Z'),
    ...around('2026-10-25T23:00:00Z'),
    new Date('2026-12-31T22:59:59.999Z'),
    new Date('2026-12-31T23:00:00.000Z'),
  ];

  it('gives the calendar date in Amsterdam, in order and out of order', () => {
    for (const instant of instants) expect(amsterdamDateAt(instant)).toBe(amsterdamDate(instant));
    for (const instant of [...instants].reverse())
      expect(amsterdamDateAt(instant)).toBe(amsterdamDate(instant));
    const shuffled = instants.map((d, i) => instants[(i * 37) % instants.length]!);
    for (const instant of shuffled) expect(amsterdamDateAt(instant)).toBe(amsterdamDate(instant));
  });

  it('refuses an invalid instant', () => {
    expect(() => amsterdamDateAt(new Date('nonsense'))).toThrow('Invalid instant');
  });

  it('renders instants with their Amsterdam offset', () => {
    for (const instant of instants) {
      const iso = instant.toISOString();
      expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso));
      expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso)); // memoised
    }
    expect(amsterdamIso('2026-03-29T03:00:00+02:00')).toBe('2026-03-29T03:00:00.000+02:00');
  });
});
