import { z } from 'zod';

/**
 * BSN (burgerservicenummer) 11-check ("elfproef"): 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11.
 * All-zero numbers pass the arithmetic but are never issued, so they are rejected.
 */
export function isValidBsn(value: string): boolean {
  if (!/^\d{9}$/.test(value) || value === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(value[i]) * (9 - i);
  sum -= Number(value[8]);
  return sum % 11 === 0;
}

export const Bsn = z
  .string()
  .regex(/^\d{9}$/, 'BSN must be exactly 9 digits')
  .refine(isValidBsn, 'BSN fails the 11-check')
  .brand<'Bsn'>();
export type Bsn = z.infer<typeof Bsn>;
