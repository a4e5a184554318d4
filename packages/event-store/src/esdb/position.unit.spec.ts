import { describe, expect, it } from 'vitest';
import { decodePosition, encodePosition } from './position.js';

const MAX = (1n << 64n) - 1n;

describe('packed EventStoreDB positions', () => {
  it('round-trips commit and prepare, including 64-bit extremes', () => {
    for (const position of [
      { commit: 0n, prepare: 0n },
      { commit: 1234n, prepare: 1234n },
      { commit: 1234n, prepare: 1400n },
      { commit: MAX, prepare: MAX },
      { commit: 2n ** 63n, prepare: 2n ** 63n + 17n },
    ]) {
      expect(decodePosition(encodePosition(position))).toEqual(position);
    }
  });

  it('orders like $all: by commit, then prepare (events of one explicit transaction share their commit)', () => {
    const inLogOrder = [
      { commit: 100n, prepare: 100n },
      { commit: 400n, prepare: 180n }, // an explicit transaction whose commit record lies at 400
      { commit: 400n, prepare: 260n },
      { commit: 480n, prepare: 480n }, // since v20: one record per event
      { commit: MAX - 1n, prepare: 0n }, // a filter checkpoint whose prepare came back as 0
      { commit: MAX, prepare: 0n },
    ].map(encodePosition);
    expect([...inLogOrder].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(inLogOrder);
    expect(new Set(inLogOrder).size).toBe(inLogOrder.length);
  });

  it('refuses values that are not log positions', () => {
    expect(() => encodePosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: 0n, prepare: MAX + 1n })).toThrow(RangeError);
    expect(() => decodePosition(-1n)).toThrow(RangeError);
    expect(() => decodePosition(1n << 128n)).toThrow(RangeError);
  });
});
