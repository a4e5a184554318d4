import { AccessDeniedError, InvalidRequestError, RecordUnavailableError } from '@pzp/access';
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
