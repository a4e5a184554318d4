import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { VersionConflictError } from '@pzp/application';
import { DomainError } from '@pzp/domain';
import type { Logger } from '../logger.js';

/** The error codes of the public contract. */
export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, {
    extensions: { code, ...extensions, http: { status: code === 'UNAUTHENTICATED' ? 401 : 200 } },
  });
}

export const badInput = (message: string, field: readonly (string | number)[]) =>
  apiError('BAD_USER_INPUT', message, { field: field.join('.') });

/** Domain and application errors in the contract's terms. */
export function toApiError(e: unknown): unknown {
  if (e instanceof DomainError) {
    const code: ErrorCode =
      e.code === 'INVALID' ? 'BAD_USER_INPUT' : e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'FORBIDDEN';
    return apiError(
      code,
      e.message,
      code === 'BAD_USER_INPUT' ? { field: ['input', ...e.path].join('.') } : {},
    );
  }
  if (e instanceof VersionConflictError) {
    return apiError('CONFLICT', e.message, {
      currentVersion: e.actualVersion,
      expectedVersion: e.expectedVersion,
    });
  }
  return e;
}

const KNOWN = new Set<string>([
  ...Object.keys(HTTP_STATUS),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'SERVICE_UNAVAILABLE',
  'QUERY_TOO_COMPLEX',
]);

/**
 * What leaves the server: the contract's codes with their messages; anything else becomes a
 * generic internal error (logged with the request id, never with personal data). graphql-js puts
 * the offending variable value in coercion messages ("got invalid value ..."), which may be a BSN
 * or a name: that part is cut out. Stack traces never leave.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? '');
    if (KNOWN.has(code)) {
      const { stacktrace: _s, http: _h, ...extensions } = formatted.extensions ?? {};
      const message = formatted.message.replace(
        / got invalid value .*?(?=;| at "|$)/s,
        ' got an invalid value',
      );
      return {
        message,
        locations: formatted.locations,
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
