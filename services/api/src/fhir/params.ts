import { z } from 'zod';
import { Bsn } from '@pzp/domain';
import { SYSTEM } from '@pzp/fhir';

/**
 * Search parameter values as the routes declare them: each a zod schema of the raw string, so a
 * bad value is refused before any record is opened. Error messages name the parameter only.
 */

/** A patient's logical id: the pseudonym the registry hands out (64 hex characters). */
export const PatientId = z.string().regex(/^[0-9a-f]{64}$/);

/** `patient=<id>` or `patient=Patient/<id>`. */
export const PatientReference = z
  .string()
  .transform((v) => (v.startsWith('Patient/') ? v.slice('Patient/'.length) : v))
  .pipe(PatientId);

/** `identifier=http://fhir.nl/fhir/NamingSystem/bsn|<BSN>`: the BSN system is required. */
export const BsnIdentifier = z
  .string()
  .refine((v) => v.startsWith(`${SYSTEM.bsn}|`))
  .transform((v) => v.slice(SYSTEM.bsn.length + 1))
  .pipe(Bsn);

/** A token that must be exactly `system|code` (the only value this server holds data for). */
export const exactToken = (system: string, code: string) => z.literal(`${system}|${code}`);
