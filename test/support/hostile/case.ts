/**
 * One hostile request, described so that a failure can say what broke without repeating what was
 * sent: its category and a label name the attack, never its values.
 */
export const CATEGORIES = [
  'fragment-bomb',
  'deep-nesting',
  'token-flood',
  'aliases',
  'operation-name',
  'persisted-query',
  'variable-errors',
  'wrong-type',
  'invalid-enum',
  'free-text',
  'break-glass',
  'tokens',
  'malformed-json',
  'oversized',
  'content-type',
  'get',
  'batched',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Expectation =
  /** Any answer that is not a 5xx (the server may serve or refuse it). */
  | { readonly refused: false }
  /** The server must answer with errors (among them this code, when given). */
  | { readonly refused: true; readonly code?: string };

export const ANY: Expectation = { refused: false };
export const REFUSED: Expectation = { refused: true };

export interface HostileCase {
  readonly category: Category;
  /** The attack, without values: e.g. `withdrawTreatmentDirective.reason/control`. */
  readonly label: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with the query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | (() => ReadableStream<Uint8Array>);
  readonly expect: Expectation;
  /** Values the request sent (BSNs, marker strings) that no error may repeat. */
  readonly secrets: readonly string[];
  /** The mutation field the request would run: a non-null result means it wrote. */
  readonly mutation?: string;
}

export const JSON_TYPE = { 'content-type': 'application/json', accept: 'application/json' } as const;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A POST of a GraphQL request as JSON, the shape almost every case starts from. */
export function graphqlPost(
  fields: Omit<HostileCase, 'method' | 'path' | 'headers' | 'body'> & {
    readonly token?: string;
    readonly payload: unknown;
    readonly headers?: Readonly<Record<string, string>>;
  },
): HostileCase {
  const { token, payload, headers, ...rest } = fields;
  return {
    ...rest,
    method: 'POST',
    path: '/graphql',
    headers: { ...JSON_TYPE, ...(token ? bearer(token) : {}), ...headers },
    body: JSON.stringify(payload),
  };
}

/** A POST of a body written by hand (for JSON no serializer would write, or too deep to build). */
export function rawPost(
  fields: Omit<HostileCase, 'method' | 'path' | 'headers'> & {
    readonly token?: string;
    readonly headers?: Readonly<Record<string, string>>;
  },
): HostileCase {
  const { token, headers, ...rest } = fields;
  return {
    ...rest,
    method: 'POST',
    path: '/graphql',
    headers: { ...JSON_TYPE, ...(token ? bearer(token) : {}), ...headers },
  };
}
