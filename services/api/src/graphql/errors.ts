/**
 * The error contract of the GraphQL API (integrators build to it; error-contract.int.spec.ts
 * proves every rule over HTTP).
 *
 * Codes: BAD_USER_INPUT (always with `extensions.field`: a dotted path from the argument, such as
 * `input.participants.0.kind`, or the argument's name, such as `bsn`), UNAUTHENTICATED, FORBIDDEN
 * (always with `extensions.reason`, a stable code such as NO_CONSENT or PHYSICIANS_ONLY),
 * NOT_FOUND, CONFLICT (with `currentVersion`, `expectedVersion` and `planExists`),
 * RECORD_UNAVAILABLE and RECORD_DESTROYED (with `destroyed`: when, by whom, on what grounds); QUERY_TOO_COMPLEX (with `extensions.limit`: TOKENS, DEPTH, ALIASES,
 * DIRECTIVES or COST, see limits.ts); and Apollo's request-level codes (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, OPERATION_RESOLUTION_FAILURE, PERSISTED_QUERY_NOT_SUPPORTED,
 * BAD_REQUEST, ...).
 *
 * The HTTP status follows the code, wherever the error arose: a literal in the document, a
 * variable, a resolver or the domain. BAD_USER_INPUT 400, UNAUTHENTICATED 401, FORBIDDEN 403,
 * NOT_FOUND 404, CONFLICT 409, RECORD_UNAVAILABLE 503, RECORD_DESTROYED 410 (Gone),
 * INTERNAL_SERVER_ERROR 500. Errors raised
 * while resolving keep the data resolved for other fields in the body: the status tells what went
 * wrong, the body still holds what went right. When one response carries errors of several codes,
 * the first of STATUS_PRECEDENCE decides (the server's problems, then the request's as a whole, then
 * one record's). Request-level errors are 400 (parse, validation, a query limit, operation
 * resolution, too many variable errors); that includes PERSISTED_QUERY_NOT_SUPPORTED, which Apollo
 * sends with 200 for the APQ protocol: the registry does not take persisted queries (app.ts).
 *
 * Messages never repeat a caller's value (a BSN, a name): graphql-js echoes values in its
 * coercion and validation messages; error-contract.ts rewrites those, formatError cuts what is
 * left as a second line of defence.
 */
import { GraphQLError, type GraphQLFormattedError, type SourceLocation } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { VersionConflictError } from '@pzp/access';
import { DomainError } from '@pzp/domain';
import type { Logger } from '../logger.js';

/** The error codes of the public contract. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RECORD_UNAVAILABLE'
  | 'RECORD_DESTROYED';

const HTTP_STATUS: Record<ErrorCode | 'INTERNAL_SERVER_ERROR', number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RECORD_UNAVAILABLE: 503,
  RECORD_DESTROYED: 410,
  INTERNAL_SERVER_ERROR: 500,
};

/** Which code decides the status of a response with errors of several codes: the first present. */
const STATUS_PRECEDENCE = [
  'INTERNAL_SERVER_ERROR',
  'RECORD_UNAVAILABLE',
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'FORBIDDEN',
  'NOT_FOUND',
  'RECORD_DESTROYED',
  'CONFLICT',
] as const;

/** Request-level codes whose status is not Apollo's. */
const REQUEST_STATUS: ReadonlyMap<unknown, number> = new Map([['PERSISTED_QUERY_NOT_SUPPORTED', 400]]);

/** The HTTP status for a response whose errors have these codes; undefined: leave Apollo's. */
export function statusOfCodes(codes: readonly unknown[]): number | undefined {
  const code = STATUS_PRECEDENCE.find((c) => codes.includes(c));
  if (code !== undefined) return HTTP_STATUS[code];
  return codes.map((c) => REQUEST_STATUS.get(c)).find((status) => status !== undefined);
}

/** FORBIDDEN without a more precise reason. */
export const NOT_PERMITTED = 'NOT_PERMITTED';

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, {
    extensions: {
      code,
      ...extensions,
      ...(code === 'FORBIDDEN' ? { reason: extensions['reason'] ?? NOT_PERMITTED } : {}),
      http: { status: HTTP_STATUS[code] },
    },
  });
}

export const badInput = (message: string, field: readonly (string | number)[]) =>
  apiError('BAD_USER_INPUT', message, { field: field.join('.') });

/** Domain and application errors in the contract's terms. */
export function toApiError(e: unknown): unknown {
  if (e instanceof DomainError) {
    if (e.code === 'INVALID') return badInput(e.message, ['input', ...e.path]);
    if (e.code === 'NOT_FOUND') return apiError('NOT_FOUND', e.message);
    return apiError('FORBIDDEN', e.message, { reason: e.reason ?? NOT_PERMITTED });
  }
  if (e instanceof VersionConflictError) {
    // Version -1: the registry holds nothing for this patient, so there is no version to retry with.
    // (A voided record does have one: pass it to start a new plan.)
    const planExists = e.actualVersion >= 0;
    return apiError(
      'CONFLICT',
      planExists
        ? e.message
        : `The registry holds no plan for this patient; expectedVersion ${e.expectedVersion} does not apply (record a conversation without expectedVersion to start one)`,
      {
        currentVersion: planExists ? e.actualVersion : null,
        expectedVersion: e.expectedVersion,
        planExists,
      },
    );
  }
  return e;
}

/**
 * What a plugin that knows the request (its document and variables: error-contract.ts) decided an
 * error must say; formatError applies it. Keyed by the error object Apollo formats.
 */
export interface ErrorRewrite {
  readonly code?: string;
  readonly message?: string;
  readonly locations?: readonly SourceLocation[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

const rewrites = new WeakMap<object, ErrorRewrite>();

export function rewriteError(error: object, rewrite: ErrorRewrite): void {
  rewrites.set(error, rewrite);
}

/** Errors Apollo or graphql-js raise without a code, by their (fixed) message. */
const UNCODED: ReadonlyMap<string, string> = new Map([
  ['Too many errors processing variables, error limit reached. Execution aborted.', 'BAD_REQUEST'],
]);

const KNOWN = new Set<string>([
  ...Object.keys(HTTP_STATUS).filter((c) => c !== 'INTERNAL_SERVER_ERROR'),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'SERVICE_UNAVAILABLE',
  'QUERY_TOO_COMPLEX',
]);

const codeOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null
    ? (error as { extensions?: { code?: unknown } }).extensions?.code
    : undefined;

/**
 * Second line of defence for messages no rewrite covered: graphql-js puts the offending value in
 * coercion messages ("got invalid value ...", "found ...", "cannot represent ... value: ...") and
 * the offending token in syntax errors ('Unexpected String "123456782".'): the token's kind stays,
 * a string's or number's text goes (names are the document's own identifiers, kept).
 */
const scrub = (message: string) =>
  message
    .replace(/ got invalid value .*?(?=;| at "|$)/s, ' got an invalid value')
    .replace(/^(Expected value of type "[^"]+"), found .*?(?=; |$)/s, '$1')
    .replace(/(cannot represent [^:]*value): .*$/s, '$1')
    .replace(/^(Syntax Error: .*?\b(?:String|BlockString|Int|Float)) ".*"\.$/s, '$1.');

/**
 * What leaves the server: the contract's codes with their messages; anything else becomes a
 * generic internal error (logged with the request id, never with personal data). Stack traces
 * never leave.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const rewrite = typeof error === 'object' && error !== null ? rewrites.get(error) : undefined;
    const code =
      rewrite?.code ??
      (codeOf(error) === undefined ? UNCODED.get(formatted.message) : undefined) ??
      String(formatted.extensions?.code ?? '');
    if (KNOWN.has(code)) {
      const { stacktrace: _s, http: _h, ...extensions } = { ...formatted.extensions, ...rewrite?.extensions };
      if (code === 'FORBIDDEN' && extensions['reason'] === undefined) extensions['reason'] = NOT_PERMITTED;
      return {
        message: rewrite?.message ?? scrub(formatted.message),
        locations: rewrite?.locations ?? formatted.locations,
        path: formatted.path,
        extensions: { ...extensions, code },
      };
    }
    const original = unwrapResolverError(error);
    logger.error(
      {
        err:
          original instanceof Error ? { type: original.name, message: original.message } : String(original),
        path: formatted.path,
      },
      'unexpected error',
    );
    return {
      message: 'Internal server error',
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
