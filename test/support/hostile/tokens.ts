import {
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { actorClaims, DEV_AUDIENCE, DEV_ISSUER, type DevelopmentKeys } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export type Claims = Record<string, unknown>;

/**
 * Signs JWTs as the development issuer would, and as no issuer should: with any header, any
 * claims and any key. The server's own minting (mintToken) always sets iat to now and an exp, so
 * the tokens an attacker makes (a future iat, no exp, exp in the year 3000) are made here.
 */
export class TokenForge {
  private readonly key: KeyObject;
  /** A key the server has never seen. */
  private readonly strangerKey: KeyObject;

  constructor(private readonly privateJwk: DevelopmentKeys['privateJwk']) {
    this.key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
    this.strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  get kid(): string | undefined {
    return this.privateJwk.kid;
  }

  /** The claims of a well-formed token for a persona, valid from now for `lifetimeSeconds`. */
  claims(persona: string, lifetimeSeconds = 600, nowSeconds = Math.floor(Date.now() / 1000)): Claims {
    const actor = personaActor(persona);
    return {
      ...actorClaims(actor, 'hostile-e2e'),
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      sub: actor.id,
      jti: randomUUID(),
      iat: nowSeconds,
      exp: nowSeconds + lifetimeSeconds,
    };
  }

  /** A token the server must accept: the persona's, for ten minutes. */
  valid(persona: string): string {
    return this.sign(this.claims(persona));
  }

  /** ES256 over header.payload, with the development key (or a stranger's). */
  sign(
    claims: Claims | string,
    options: { header?: Record<string, unknown>; stranger?: boolean } = {},
  ): string {
    const header = { alg: 'ES256', typ: 'JWT', kid: this.kid, ...options.header };
    const input = `${b64url(JSON.stringify(header))}.${b64url(typeof claims === 'string' ? claims : JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: options.stranger ? this.strangerKey : this.key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${b64url(signature)}`;
  }

  /** Unsigned (alg none). */
  unsigned(claims: Claims): string {
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
  }

  /** HS256 keyed with public material (the classic algorithm confusion). */
  hmac(claims: Claims, secret: string): string {
    const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: this.kid }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }

  /** The public half of the development key, as a JWK string (what an attacker can read). */
  publicJwkText(): string {
    const { d: _d, ...pub } = this.privateJwk;
    return JSON.stringify(pub);
  }
}

/** A token with one character of its signature changed (a middle one: the last carries padding bits). */
export function withBrokenSignature(token: string, at: number): string {
  const dot = token.lastIndexOf('.');
  const signature = token.slice(dot + 1);
  const i = Math.floor(signature.length / 4) + (at % Math.floor(signature.length / 2));
  const swapped = signature[i] === 'A' ? 'B' : 'A';
  return `${token.slice(0, dot + 1)}${signature.slice(0, i)}${swapped}${signature.slice(i + 1)}`;
}

/** A token whose payload was replaced after signing, keeping the old signature. */
export function withSwappedPayload(token: string, claims: Claims): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(JSON.stringify(claims))}.${signature}`;
}
