import type { Request } from 'express';
import { ACCESS_PURPOSES, type AccessPurpose } from '@pzp/domain';
import { z } from 'zod';
import { FhirError } from './outcome.js';

/**
 * Purpose of use travels in headers, not search parameters: it is about the request, not the
 * resources searched, and the guide leaves its carriage to the infrastructure (data-exchange
 * page, "Authorization"); a header keeps every search exactly as the guide writes it.
 */
export const PURPOSE_HEADER = 'X-PZP-Purpose';
export const BREAK_GLASS_HEADER = 'X-PZP-Break-Glass-Reason';

const Purpose = z.enum(ACCESS_PURPOSES);

export function accessOf(req: Request): { purpose: AccessPurpose; breakGlassReason?: string } {
  const raw = req.get(PURPOSE_HEADER);
  const purpose = raw === undefined ? 'TREATMENT' : Purpose.safeParse(raw.trim());
  if (typeof purpose !== 'string' && !purpose.success) {
    throw new FhirError(400, 'value', `${PURPOSE_HEADER} must be one of ${ACCESS_PURPOSES.join(', ')}`);
  }
  const breakGlassReason = req.get(BREAK_GLASS_HEADER);
  return {
    purpose: typeof purpose === 'string' ? purpose : purpose.data,
    // The door checks the reason's text (and logs a refused break-glass attempt).
    ...(breakGlassReason === undefined ? {} : { breakGlassReason }),
  };
}
