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

/** The pseudonym (64 hex, 32 bytes) in 43 FHIR id characters: base64url with '_' spelled '.'. */
const PSEUDONYM_CHARS = 43;

/**
 * The id of a resource that is read on its own (a RelatedPerson or PractitionerRole a bundle
 * references): the patient's pseudonym, reversibly encoded, then a hash of what it is. A read of
 * it can so open the one patient's record through the access door, and never any other; the
 * pseudonym is no secret to that reader, it is the Patient id the resource already points to.
 */
export const patientScopedId = (pseudonym: string, ...parts: readonly string[]): string =>
  Buffer.from(pseudonym, 'hex').toString('base64url').replaceAll('_', '.') +
  idFor(pseudonym, ...parts).slice(0, 64 - PSEUDONYM_CHARS);

/** The pseudonym a patient-scoped id was made with, or undefined when the id is not one. */
export function pseudonymOfScopedId(id: string): string | undefined {
  if (!/^[A-Za-z0-9.-]{43}[0-9a-f]{21}$/.test(id)) return undefined;
  const bytes = Buffer.from(id.slice(0, PSEUDONYM_CHARS).replaceAll('.', '_'), 'base64url');
  if (bytes.length !== 32) return undefined;
  const pseudonym = bytes.toString('hex');
  // Only the canonical spelling: a different string that decodes alike is not our id.
  return patientScopedId(pseudonym).slice(0, PSEUDONYM_CHARS) === id.slice(0, PSEUDONYM_CHARS)
    ? pseudonym
    : undefined;
}
