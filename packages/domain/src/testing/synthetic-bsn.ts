import type { Bsn } from '../bsn.js';

/**
 * The n-th synthetic BSN that passes the 11-check, for generated data. They start with 9 so they
 * stay clear of the small fixture set; n maps to one BSN, always the same.
 */
export function syntheticBsn(n: number): Bsn {
  // Each block of 8 leading digits has at most one valid check digit; skip blocks without one.
  for (let body = 90_000_000 + n * 2; ; body++) {
    const digits = String(body).padStart(8, '0');
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (9 - i);
    const check = sum % 11;
    if (check <= 9) return `${digits}${check}` as Bsn;
  }
}
