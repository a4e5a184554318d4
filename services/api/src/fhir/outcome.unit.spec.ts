import { describe, expect, it } from 'vitest';
import { AccessDeniedError, InvalidRequestError, RecordUnavailableError } from '@pzp/access';
import { AuthenticationError } from '../auth/index.js';
import { FhirError, toFhirError } from './outcome.js';

/** The door's and the verifier's errors as FHIR answers: status, issue code, refusal reason. */
describe('toFhirError', () => {
  it.each([
    [new AuthenticationError('BAD_SIGNATURE'), 401, 'login', undefined],
    [new AccessDeniedError('NO_CONSENT', 'No consent'), 403, 'forbidden', 'NO_CONSENT'],
    [new InvalidRequestError('Not a patient id', ['patient']), 400, 'invalid', undefined],
    [new RecordUnavailableError(), 503, 'transient', undefined],
  ])('%s', (error, status, code, reason) => {
    expect(toFhirError(error)).toMatchObject({ status, code, reason });
  });

  it('leaves anything else to the router (a 500 that is logged, not shown)', () => {
    expect(toFhirError(new Error('boom'))).toBeUndefined();
    const own = new FhirError(405, 'not-supported', 'x');
    expect(toFhirError(own)).toBe(own);
  });
});
