import {
  AccessDeniedError,
  InvalidRequestError,
  RecordDestroyedError,
  RecordUnavailableError,
  type DestroyedRecordRow,
} from '@pzp/access';
import { apiError, badInput, toApiError } from './errors.js';

/**
 * The door's errors in the contract's terms. FORBIDDEN always carries the policy's reason, so a
 * client can tell "no consent" (break the glass?) from "not for you". The domain's errors and
 * version conflicts pass through the door and are mapped by toApiError.
 */
export function fromDoorError(e: unknown): unknown {
  if (e instanceof AccessDeniedError) return apiError('FORBIDDEN', e.message, { reason: e.reason });
  if (e instanceof InvalidRequestError) return badInput(e.message, e.field);
  if (e instanceof RecordUnavailableError) return apiError('RECORD_UNAVAILABLE', e.message);
  // Gone for good: what is left (when, by whom, grounds) holds no personal data.
  if (e instanceof RecordDestroyedError)
    return apiError('RECORD_DESTROYED', e.message, { destroyed: destroyedRecord(e.destroyed) });
  return toApiError(e);
}

/** Awaits a call through the door, giving its refusals as GraphQL errors. */
export async function viaDoor<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw fromDoorError(e);
  }
}

/** A destroyed record as the contract shows it (DestroyedRecord): no personal data is left to show. */
export const destroyedRecord = (d: DestroyedRecordRow) => ({
  version: d.version,
  grounds: d.grounds,
  reference: d.reference ?? null,
  destroyedAt: d.destroyedAt,
  destroyedBy: d.destroyedBy,
});
