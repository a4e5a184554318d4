import type { Response } from 'express';
import { operationOutcome, type IssueCode, type OutcomeIssue } from '@pzp/fhir';
import {
  AccessDeniedError,
  InvalidRequestError,
  RecordDestroyedError,
  RecordUnavailableError,
} from '@pzp/access';
import { AuthenticationError } from '../auth/index.js';
import { Rendered } from './render-cache.js';

export const FHIR_JSON = 'application/fhir+json';

/** The code system of the door's refusal reasons (NO_CONSENT, TOO_MANY_PATIENTS, ...) in details. */
export const REFUSAL_REASON_SYSTEM = 'urn:pzp-registry:access-refusal-reason';

/** An answer of the FHIR API that is an OperationOutcome: the status and the issue. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly code: IssueCode,
    message: string,
    readonly reason?: string,
    /** Further issues, each with where it is (a form's offending answers). */
    readonly issues: readonly OutcomeIssue[] = [],
  ) {
    super(message);
  }
}

/** The content type every answer has (what express's `type(FHIR_JSON)` and `send` made of it). */
const FHIR_CONTENT_TYPE = `${FHIR_JSON}; charset=utf-8`;

/**
 * Sends a resource, or the bytes of one rendered before. Written on the node response itself:
 * express's `send` would hash nothing (no ETag), find nothing fresh (no-store) and re-parse the
 * content type on every answer.
 */
export const sendFhir = (res: Response, status: number, body: unknown) => {
  const bytes = body instanceof Rendered ? body.bytes : Buffer.from(JSON.stringify(body));
  res.statusCode = status;
  res.setHeader('content-type', FHIR_CONTENT_TYPE);
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
};

/**
 * Every failure as an OperationOutcome with its HTTP status. Diagnostics are the API's and the
 * door's own sentences (the door's carry no personal data), never a value the caller sent.
 */
export function toFhirError(e: unknown): FhirError | undefined {
  if (e instanceof FhirError) return e;
  if (e instanceof AuthenticationError) return new FhirError(401, 'login', e.message);
  if (e instanceof AccessDeniedError) return new FhirError(403, 'forbidden', e.message, e.reason);
  if (e instanceof InvalidRequestError) return new FhirError(400, 'invalid', e.message);
  if (e instanceof RecordUnavailableError) return new FhirError(503, 'transient', e.message);
  // Lawfully destroyed: gone for good, said so (410), never shown as "no plan".
  if (e instanceof RecordDestroyedError) return new FhirError(410, 'deleted', e.message);
  return undefined;
}

export function sendError(res: Response, error: FhirError): void {
  if (error.status === 401) res.setHeader('www-authenticate', 'Bearer');
  sendFhir(
    res,
    error.status,
    operationOutcome(
      error.code,
      error.message,
      error.reason ? { system: REFUSAL_REASON_SYSTEM, code: error.reason } : undefined,
      error.issues,
    ),
  );
}
