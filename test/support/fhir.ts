import { expect } from 'vitest';
import type { Bundle, Resource } from '@pzp/fhir';
import { r4Errors } from '@pzp/fhir/testing';

/** A FHIR API answer: its status, content type and headers, the text and the parsed body. */
export interface FhirResponse<T> {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
  body: T;
}

export interface FhirRequest {
  /** A bearer token; none: the request is anonymous. */
  readonly token?: string | undefined;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** A resource sent as application/fhir+json. */
  readonly body?: unknown;
  /** A body sent as it is (malformed JSON), as application/fhir+json. */
  readonly raw?: string;
}

/** A request to the FHIR API at `baseUrl` (the server's URL): `path` under /fhir, or an absolute `next` link. */
export async function fhirRequest<T = Resource>(
  baseUrl: string,
  path: string,
  init: FhirRequest = {},
): Promise<FhirResponse<T>> {
  const sent = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await fetch(path.startsWith('http') ? path : `${baseUrl}/fhir${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/fhir+json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(sent === undefined ? {} : { 'content-type': 'application/fhir+json' }),
      ...init.headers,
    },
    ...(sent === undefined ? {} : { body: sent }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    text,
    body: JSON.parse(text) as T,
  };
}

/** The body of an answer with `status` that is FHIR JSON and validates (R4 and the profiles' invariants). */
export function validFhir<T>(r: FhirResponse<T>, status = 200): T {
  expect(r.status, r.text).toBe(status);
  expect(r.contentType).toMatch(/^application\/fhir\+json/);
  expect(r4Errors(r.body as Resource)).toEqual([]);
  return r.body;
}

/** A searchset's matches, and the resources it included. */
export const matches = <T extends Resource>(b: Bundle) =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as T);
export const includes = (b: Bundle) =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource!);
