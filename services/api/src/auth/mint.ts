/**
 * Mints access tokens with a private JWK: development tokens (scripts/mint-token.ts) and tests.
 * Production tokens come from the calling systems' own issuer.
 */
import { randomUUID } from 'node:crypto';
import { Actor } from '@pzp/domain';
import { importJWK, SignJWT, type JWK } from 'jose';
import { actorClaims } from './claims.js';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-keys.js';
import type { PersonaName } from './personas.js';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS } from './verifier.js';

interface MintCommon {
  /** Private signing key; its `kid` goes into the header, its `alg` is used unless `algorithm` is given. */
  privateJwk: JWK;
  /** Calling system named in the `client_system` claim. */
  clientSystem?: string;
  /**
   * Lifetime: seconds, or a jose duration string such as '30m' or '15 minutes'. Default one hour,
   * the longest the verifier accepts unless configured otherwise.
   */
  expiresIn?: string | number;
  /** Default {@link DEV_ISSUER}. */
  issuer?: string;
  /** Default {@link DEV_AUDIENCE}. */
  audience?: string | string[];
  /** `sub`; default the actor's id. */
  subject?: string;
  /** `jti`; default a random UUID. */
  tokenId?: string;
  /** JWS algorithm; default the JWK's `alg`, else derived from its key type. */
  algorithm?: string;
}

export type MintTokenOptions = MintCommon &
  ({ actor: Actor; persona?: never } | { persona: PersonaName; actor?: never });

export async function mintToken(options: MintTokenOptions): Promise<string> {
  const actor =
    options.actor !== undefined
      ? Actor.parse(options.actor)
      : // Loaded on demand: personas come from @pzp/domain/testing (see personas.ts).
        (await import('./personas.js')).personaActor(options.persona);
  const algorithm = options.algorithm ?? options.privateJwk.alg ?? algorithmFor(options.privateJwk);
  const key = await importJWK(options.privateJwk, algorithm);
  const expiresIn = options.expiresIn ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;

  const jwt = new SignJWT({ ...actorClaims(actor, options.clientSystem) })
    .setProtectedHeader({
      alg: algorithm,
      typ: 'JWT',
      ...(options.privateJwk.kid === undefined ? {} : { kid: options.privateJwk.kid }),
    })
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setSubject(options.subject ?? actor.id)
    .setJti(options.tokenId ?? randomUUID());
  if (typeof expiresIn === 'number') {
    // jose reads a number as an absolute time.
    const issuedAt = Math.floor(Date.now() / 1000);
    jwt.setIssuedAt(issuedAt).setExpirationTime(issuedAt + expiresIn);
  } else {
    // A string is relative to jose's reading of the clock: `iat` is read after `exp`, so a second
    // boundary between the two readings shortens the lifetime and never makes it exceed the cap.
    jwt.setExpirationTime(expiresIn).setIssuedAt();
  }
  return jwt.sign(key);
}

function algorithmFor(jwk: JWK): string {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new TypeError('Cannot tell the signing algorithm of this key: pass `algorithm`');
}
