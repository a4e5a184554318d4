/**
 * Authentication: bearer JWT -> Principal (actor, client system, subject). Personas are exported
 * from './personas.js' only, since they load test fixtures (see there).
 */
export {
  actorClaims,
  CLIENT_SYSTEM_CLAIM,
  ORGANIZATION_CLAIM,
  PERSON_CLAIM,
  principalFromClaims,
  TokenClaims,
  UNKNOWN_CLIENT_SYSTEM,
  type ActorClaims,
  type Principal,
} from './claims.js';
export {
  AuthenticationError,
  createTokenVerifier,
  DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  type AuthenticationFailure,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './verifier.js';
export {
  DEV_AUDIENCE,
  DEV_ISSUER,
  DEV_KEY_ID_PREFIX,
  ensureDevelopmentKeys,
  isDevelopmentJwks,
  isDevelopmentKeyId,
  type DevelopmentKeys,
} from './dev-keys.js';
export { mintToken, type MintTokenOptions } from './mint.js';
export type { PersonaName } from './personas.js';
