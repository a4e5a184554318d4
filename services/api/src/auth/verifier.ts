/**
 * Verifies the bearer token of a request and turns it into a {@link Principal}.
 *
 * Every failure is an {@link AuthenticationError} with code UNAUTHENTICATED, a `reason` for logs and
 * tests, and a fixed message: messages never contain the token, claim values or other personal
 * data, and the underlying jose / zod error is not attached (its payload would carry names).
 *
 * A token's life is bounded here, whatever its issuer wrote: `exp` and `iat` are required, `iat` may
 * lie in the future by the clock tolerance at most, and `exp - iat` by `maxTokenLifetimeSeconds`.
 *
 * Verified tokens are cached (LRU keyed by the raw token, up to `cacheSize` entries) so that repeat
 * requests with the same token skip signature verification. An entry is served only while the
 * token's `exp` lies in the future (without clock tolerance); failures are never cached. The cache
 * holds tokens verified with the keys of the moment: after a key is withdrawn, call `clearCache()`
 * (or restart) so tokens signed with it are checked again.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type RemoteJWKSetOptions,
} from 'jose';
import { principalFromClaims, TokenClaims, type Principal } from './claims.js';
import { isDevelopmentJwks, isDevelopmentKeyId } from './dev-keys.js';

export type { Principal } from './claims.js';

/** Why a token was refused; for logs and tests, never shown with any token content. */
export type AuthenticationFailure =
  | 'MISSING_CREDENTIALS'
  | 'NOT_BEARER'
  | 'MALFORMED_TOKEN'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'DEVELOPMENT_KEY'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'ISSUED_IN_THE_FUTURE'
  | 'LIFETIME_TOO_LONG'
  | 'WRONG_ISSUER'
  | 'WRONG_AUDIENCE'
  | 'INVALID_CLAIMS'
  | 'KEYS_UNAVAILABLE'
  | 'VERIFICATION_FAILED';

const MESSAGES: Readonly<Record<AuthenticationFailure, string>> = {
  MISSING_CREDENTIALS: 'Authentication required: send an Authorization: Bearer token',
  NOT_BEARER: 'Authorization header must use the Bearer scheme',
  MALFORMED_TOKEN: 'Bearer token is not a well-formed signed JWT',
  ALGORITHM_NOT_ALLOWED: 'Token signature algorithm is not accepted',
  DEVELOPMENT_KEY: 'Token is signed with a development key, which this server does not accept',
  UNKNOWN_KEY: 'Token is signed with an unknown key',
  BAD_SIGNATURE: 'Token signature is invalid',
  EXPIRED: 'Token has expired',
  NOT_YET_VALID: 'Token is not yet valid',
  ISSUED_IN_THE_FUTURE: 'Token is issued in the future (iat), beyond the accepted clock skew',
  LIFETIME_TOO_LONG: 'Token lifetime (exp - iat) exceeds the maximum this server accepts',
  WRONG_ISSUER: 'Token issuer is not accepted',
  WRONG_AUDIENCE: 'Token audience is not this service',
  INVALID_CLAIMS: 'Token claims are invalid',
  KEYS_UNAVAILABLE: 'Token verification keys are unavailable',
  VERIFICATION_FAILED: 'Token could not be verified',
};

export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED' as const;
  override readonly name = 'AuthenticationError';

  constructor(
    readonly reason: AuthenticationFailure,
    /** For INVALID_CLAIMS: the paths of the failing claims (names only, no values). */
    readonly invalidClaims: readonly string[] = [],
    /** Only for KEYS_UNAVAILABLE: the fetch / JWKS error, for the server log (holds no token data). */
    cause?: unknown,
  ) {
    super(
      invalidClaims.length > 0 ? `${MESSAGES[reason]}: ${invalidClaims.join(', ')}` : MESSAGES[reason],
      cause === undefined ? undefined : { cause },
    );
  }
}

export const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
/** Default leeway for clocks that differ between the issuer and this server. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;
/**
 * Default longest lifetime (`exp - iat`) a token may declare. A stolen token is only worth its
 * remaining lifetime, and the cache below keeps verified tokens until their `exp`.
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3_600;
/** Asymmetric JWS algorithms only: never 'none', never a shared secret (HS*). */
const ASYMMETRIC_ALGORITHM = /^(?:(?:RS|PS|ES)(?:256|384|512)|EdDSA|Ed25519)$/;
/** Longer bearer values are refused unparsed (and never enter the cache). */
const MAX_TOKEN_LENGTH = 8192;
/** Three base64url parts; an empty signature (alg 'none') passes here and fails the algorithm check. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER = /^Bearer +(\S+) *$/i;

export interface TokenVerifierOptions {
  /** The issuer's public keys: a JWKS (e.g. read from a file) or the URL of one. */
  jwks: JSONWebKeySet | URL;
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud` (the token's `aud` must contain it). */
  audience: string;
  /** Accepted JWS algorithms; asymmetric only. Default ES256, RS256, EdDSA. */
  algorithms?: readonly string[];
  /** Leeway for `exp`, `nbf` and `iat` (a token issued this far in the future passes), in seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** Longest `exp - iat` accepted, in seconds. Default 3600. */
  maxTokenLifetimeSeconds?: number;
  /**
   * Accept keys whose `kid` starts with `dev-` (made by `ensureDevelopmentKeys`). Only in
   * development mode. Without it a local JWKS holding such a key is refused at construction and a
   * token naming such a key is refused at verification. Default false.
   */
  allowDevelopmentKeys?: boolean;
  /** Maximum number of cached verified tokens; 0 disables the cache. Default 10 000. */
  cacheSize?: number;
  /** Options for a remote JWKS (timeouts, cache age). */
  remoteJwksOptions?: RemoteJWKSetOptions;
  /** Clock in epoch milliseconds, for tests. Default Date.now. */
  now?: () => number;
}

export interface TokenVerifier {
  /** Verifies the Authorization header value; throws {@link AuthenticationError}. */
  verify(authorizationHeader: string | undefined): Promise<Principal>;
  /** Forgets all cached verifications (e.g. after a signing key was withdrawn). */
  clearCache(): void;
  /** Number of cached verifications, for metrics and tests. */
  readonly cacheEntries: number;
}

interface CacheEntry {
  principal: Principal;
  /** The token's `exp` in epoch milliseconds; the entry is dead from this instant. */
  expiresAtMs: number;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  if (algorithms.length === 0) throw new TypeError('At least one token algorithm must be allowed');
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHM.test(alg)) {
      throw new TypeError(`Token algorithm ${alg} is not allowed: use an asymmetric JWS algorithm`);
    }
  }
  const allowed = new Set(algorithms);
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number');
  }
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  if (!Number.isFinite(maxLifetime) || maxLifetime <= 0) {
    throw new TypeError('maxTokenLifetimeSeconds must be a positive number');
  }
  const allowDevelopmentKeys = options.allowDevelopmentKeys ?? false;
  const maxEntries = options.cacheSize ?? 10_000;
  const now = options.now ?? Date.now;

  let keys: JWTVerifyGetKey;
  if (options.jwks instanceof URL) {
    const remote = createRemoteJWKSet(options.jwks, options.remoteJwksOptions);
    keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys ||
          error instanceof errors.JOSENotSupported
        ) {
          throw error;
        }
        // Fetch failures surface as plain TypeErrors, a non-200 answer as a generic JOSEError.
        throw new KeysUnavailable(error);
      }
    };
  } else {
    if (!allowDevelopmentKeys && isDevelopmentJwks(options.jwks)) {
      throw new Error(
        'The JWKS holds development keys (kid dev-*); they are accepted only in development mode',
      );
    }
    keys = createLocalJWKSet(options.jwks);
  }

  // Map iteration order is insertion order: the first key is the least recently used.
  const cache = new Map<string, CacheEntry>();

  const cached = (token: string, nowMs: number): Principal | undefined => {
    const entry = cache.get(token);
    if (entry === undefined) return undefined;
    cache.delete(token);
    if (nowMs >= entry.expiresAtMs) return undefined;
    cache.set(token, entry);
    return entry.principal;
  };

  const remember = (token: string, principal: Principal, exp: number, nowMs: number): void => {
    const expiresAtMs = exp * 1000;
    if (maxEntries <= 0 || nowMs >= expiresAtMs) return;
    cache.set(token, { principal, expiresAtMs });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  };

  const verify = async (authorizationHeader: string | undefined): Promise<Principal> => {
    const token = bearerToken(authorizationHeader);
    const nowMs = now();
    // Only tokens that passed every check below are cached: a hit needs no further check.
    const hit = cached(token, nowMs);
    if (hit !== undefined) return hit;
    if (!COMPACT_JWS.test(token)) throw new AuthenticationError('MALFORMED_TOKEN');

    let alg: string | undefined;
    let kid: string | undefined;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
    } catch {
      throw new AuthenticationError('MALFORMED_TOKEN');
    }
    if (typeof alg !== 'string' || !allowed.has(alg)) throw new AuthenticationError('ALGORITHM_NOT_ALLOWED');
    if (!allowDevelopmentKeys && isDevelopmentKeyId(kid)) throw new AuthenticationError('DEVELOPMENT_KEY');

    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms,
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      throw authenticationErrorFrom(error);
    }

    const parsed = TokenClaims.safeParse(payload);
    if (!parsed.success) {
      const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
      throw new AuthenticationError('INVALID_CLAIMS', paths);
    }
    // jose checks `exp` and `nbf` only. A token issued in the future, or one that declares a long
    // life, would otherwise stay valid (and cached) for as long as its issuer wrote.
    const { iat, exp } = parsed.data;
    if (iat * 1000 > nowMs + clockTolerance * 1000) throw new AuthenticationError('ISSUED_IN_THE_FUTURE');
    if (exp - iat > maxLifetime) throw new AuthenticationError('LIFETIME_TOO_LONG');
    const principal = deepFreeze(principalFromClaims(parsed.data));
    remember(token, principal, parsed.data.exp, nowMs);
    return principal;
  };

  return {
    verify,
    clearCache: () => cache.clear(),
    get cacheEntries() {
      return cache.size;
    },
  };
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new AuthenticationError('MISSING_CREDENTIALS');
  const match = BEARER.exec(header);
  if (!match) throw new AuthenticationError('NOT_BEARER');
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError('MALFORMED_TOKEN');
  return token;
}

/** The key set could not be obtained (remote JWKS unreachable, not 200, not a JWKS, timed out). */
class KeysUnavailable extends Error {
  constructor(cause: unknown) {
    super('JWKS unavailable', { cause });
  }
}

function authenticationErrorFrom(error: unknown): AuthenticationError {
  if (error instanceof KeysUnavailable) return new AuthenticationError('KEYS_UNAVAILABLE', [], error.cause);
  if (error instanceof errors.JWTExpired) return new AuthenticationError('EXPIRED');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return new AuthenticationError('WRONG_ISSUER');
    if (error.claim === 'aud') return new AuthenticationError('WRONG_AUDIENCE');
    if (error.claim === 'nbf' && error.reason === 'check_failed')
      return new AuthenticationError('NOT_YET_VALID');
    return new AuthenticationError('INVALID_CLAIMS', [error.claim]);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AuthenticationError('BAD_SIGNATURE');
  if (error instanceof errors.JOSEAlgNotAllowed) return new AuthenticationError('ALGORITHM_NOT_ALLOWED');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError('UNKNOWN_KEY');
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new AuthenticationError('MALFORMED_TOKEN');
  }
  return new AuthenticationError('VERIFICATION_FAILED');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
