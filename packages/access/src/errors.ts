/**
 * The door's refusals, in no front end's terms: GraphQL maps them to its error codes, a FHIR API
 * would map them to OperationOutcomes. Messages are plain sentences without personal data (no
 * BSN, no name): they are shown to callers and may be logged. The domain's DomainError and the
 * write path's VersionConflictError pass through the door unchanged.
 */
import type { DestroyedRecordRow } from '@pzp/projections';
import type { DenialReason } from './policy.js';

/**
 * Why the door refused, beyond the policy's reasons: TOO_MANY_PATIENTS when one request asks for
 * more patients' records than it may open (one record, or one page of a list).
 */
export type RefusalReason = DenialReason | 'TOO_MANY_PATIENTS';

/** The door refused the caller; a refusal concerning a patient is in the access log already. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** The request itself is wrong (before any access was decided); `field` names the offending part. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    message: string,
    readonly field: readonly string[],
  ) {
    super(message);
  }
}

/**
 * The patient's record is quarantined: one of its events could not be read, so the read models
 * stopped at the event before it and whatever they hold may miss a change. Nothing is shown
 * rather than a plan that may be wrong; the attempt is in the access log.
 */
export class RecordUnavailableError extends Error {
  override readonly name = 'RecordUnavailableError';
  constructor() {
    super(
      "This patient's record cannot be shown: one of its entries could not be read; the registry's operators have been alerted",
    );
  }
}

/**
 * The patient's record was lawfully destroyed (crypto-shredded): nothing of it can be shown or
 * changed any more, by anyone. Carries what is left, which holds no personal data: when, by whom
 * and on what grounds. The attempt is in the access log.
 */
export class RecordDestroyedError extends Error {
  override readonly name = 'RecordDestroyedError';
  constructor(readonly destroyed: DestroyedRecordRow) {
    super("This patient's record was lawfully destroyed; nothing of it can be shown or changed");
  }
}
