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

/** A token that must be one of the given `system|code` values; the handler gets the code. */
export const oneOfTokens = (system: string, codes: readonly [string, ...string[]]) =>
  z
    .string()
    .refine((v) => v.startsWith(`${system}|`))
    .transform((v) => v.slice(system.length + 1))
    .pipe(z.enum(codes));

/**
 * A token list (FHIR's comma for "or") of codes of one system, as the guide's Observation search
 * writes it: `system|a,b,c` (`system|a,system|b` and bare codes too). The handler gets the codes,
 * comma-separated; a code outside `codes` or another system is refused.
 */
export const tokenList = (system: string, codes: readonly [string, ...string[]]) =>
  z
    .string()
    .transform((v) => v.split(',').map((t) => (t.startsWith(`${system}|`) ? t.slice(system.length + 1) : t)))
    .pipe(z.array(z.enum(codes)).min(1))
    .transform((list) => [...new Set(list)].join(','));
