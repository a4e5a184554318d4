import { describe, expect, it } from 'vitest';
import { Bsn, isValidBsn } from './bsn.js';
import { bsns } from './testing/fixtures.js';
import { syntheticBsn } from './testing/synthetic-bsn.js';

/** BSN 11-check (elfproef): 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is divisible by 11. */

describe('isValidBsn', () => {
  it.each(['111222333', '123456782', '999999990', '100000009', '012345672'])(
    '%s passes the 11-check',
    (bsn) => expect(isValidBsn(bsn)).toBe(true),
  );

  it.each([
    ['123456789', 'fails the 11-check'],
    ['111222334', 'last digit off by one'],
    ['12345678', 'eight digits'],
    ['1234567820', 'ten digits'],
    ['', 'empty'],
    ['12345678a', 'a letter'],
    ['123 456 782', 'spaces'],
    ['123-45-6782', 'dashes'],
    [' 123456782', 'leading space'],
    ['１２３４５６７８２', 'full-width digits'],
    ['000000000', 'all zeros (passes the arithmetic, never issued)'],
  ])('%s is refused (%s)', (bsn) => expect(isValidBsn(bsn)).toBe(false));

  it('the fixture BSNs are valid', () => {
    for (const bsn of bsns) expect(isValidBsn(bsn), bsn).toBe(true);
  });

  it('detects every single-digit typo in a valid BSN', () => {
    const valid = '123456782';
    for (let i = 0; i < 9; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const typo = `${valid.slice(0, i)}${d}${valid.slice(i + 1)}`;
        expect(isValidBsn(typo), typo).toBe(false);
      }
    }
  });

  it('detects every swap of two adjacent different digits', () => {
    const valid = '111222333';
    for (let i = 0; i < 8; i++) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = `${valid.slice(0, i)}${valid[i + 1]}${valid[i]}${valid.slice(i + 2)}`;
      expect(isValidBsn(swapped), swapped).toBe(false);
    }
  });

  it('synthetic BSNs for generated data are valid, distinct and stable', () => {
    const generated = Array.from({ length: 200 }, (_, n) => syntheticBsn(n));
    for (const bsn of generated) expect(isValidBsn(bsn), bsn).toBe(true);
    expect(new Set(generated).size).toBe(generated.length);
    expect(syntheticBsn(17)).toBe(generated[17]);
  });
});

describe('the Bsn schema', () => {
  it('accepts a valid BSN', () => {
    expect(Bsn.parse('111222333')).toBe('111222333');
  });

  it('names the length problem', () => {
    const result = Bsn.safeParse('12345678');
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe('BSN must be exactly 9 digits');
  });

  it('names the 11-check problem', () => {
    const result = Bsn.safeParse('123456789');
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message)).toEqual(['BSN fails the 11-check']);
  });

  it('refuses a number instead of a string', () => {
    expect(Bsn.safeParse(123456782).success).toBe(false);
  });
});
