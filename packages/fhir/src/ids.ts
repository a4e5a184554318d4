import { createHash } from 'node:crypto';

/**
 * A resource's logical id, derived from the patient's pseudonym and what the resource is about:
 * the same item always gets the same id, ids of different patients never meet, and an id tells
 * nothing about the patient (no BSN, no name). 40 hex characters fit FHIR's 64-character id.
 */
export const idFor = (pseudonym: string, ...parts: readonly string[]): string =>
  createHash('sha256')
    .update([pseudonym, ...parts].join('\u0000'), 'utf8')
    .digest('hex')
    .slice(0, 40);
