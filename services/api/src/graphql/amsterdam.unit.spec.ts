import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { amsterdamDate, toAmsterdamIso } from '@pzp/domain';
import { amsterdamDateAt, amsterdamIso } from './amsterdam.js';

/** The hot-path helpers give exactly what the domain's luxon-based functions give. */
describe('Amsterdam time on the hot path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

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
      expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso)); // a second time, from what was kept
    }
    expect(amsterdamIso('2026-03-29T03:00:00+02:00')).toBe('2026-03-29T03:00:00.000+02:00');
  });

  it('renders every millisecond next to an offset change as luxon does', () => {
    for (const change of [
      '2026-03-29T01:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '1944-04-03T01:00:00.000Z',
    ]) {
      const at = Date.parse(change);
      for (const ms of [at - 3_600_000, at - 1, at, at + 1, at + 3_599_999, at + 3_600_000]) {
        const iso = new Date(ms).toISOString();
        expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso));
      }
      // Every hour of the days around it: the span with the change is kept as days and hours.
      for (let hour = -240; hour < 240; hour++) {
        for (const into of [0, 1_800_000, 3_599_999]) {
          const iso = new Date(at + hour * 3_600_000 + into).toISOString();
          expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso));
        }
      }
    }
  });

  it('renders instants from 1850 to 2100 as luxon does', () => {
    // A fixed sequence (a linear congruential generator), the same on every run.
    let seed = 16;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const from = Date.UTC(1850, 0, 1);
    const span = Date.UTC(2100, 0, 1) - from;
    for (let i = 0; i < 5_000; i++) {
      const iso = new Date(from + Math.floor(next() * span)).toISOString();
      expect(amsterdamIso(iso)).toBe(toAmsterdamIso(iso));
    }
  });

  it('leaves to luxon what Date would read otherwise: an impossible date, 24:00, past year 9999', () => {
    for (const odd of [
      '2026-02-30T12:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '9999-12-31T23:30:00.000Z',
      '2026-06-01T12:00:00Z',
      '2026-06-01T12:00:00.5+02:00',
    ])
      expect(amsterdamIso(odd)).toBe(toAmsterdamIso(odd));
  });

  it('asks luxon once for days on end, not once per instant (each request shows the instant it was answered)', () => {
    const toISO = vi.spyOn(DateTime.prototype, 'toISO');
    const day = Date.UTC(2031, 4, 6);
    for (let i = 0; i < 1_000; i++) amsterdamIso(new Date(day + i * 86_399).toISOString());
    // The first and last millisecond of the span of days, once, to check the offset holds for all of it.
    expect(toISO.mock.calls.length).toBeLessThanOrEqual(2);
  });
});
