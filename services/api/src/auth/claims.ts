/**
 * The claims of a PZP registry access token and their mapping to the caller's identity.
 *
 * A token is issued to a calling system (HIS, ECD, HAP system, ...) acting for one person at one
 * organisation. Besides the registered JWT claims it carries:
 *
 * | claim           | type                              | meaning                                                        |
 * | --------------- | --------------------------------- | -------------------------------------------------------------- |
 * | `pzp_person`    | `{ id, name, profession }`        | the person acting: UZI/AGB id, display name, PROFESSIONS code   |
 * | `pzp_org`       | `{ id, name, type }`              | their organisation: URA/AGB id, name, ORGANIZATION_TYPES code   |
 * | `client_system` | string, optional                  | the calling system, e.g. 'HIS Medicom' (NEN 7513 access log)    |
 *
 * Registered claims: `iss` and `aud` (checked against configuration), `sub` (the caller's identifier
 * at the issuer, kept for the access log), `exp` and `iat` (required), `nbf` and `jti` (optional).
 * The actor is taken from these claims only, never from request input.
 */
import { Organization, Practitioner, type Actor } from '@pzp/domain';
import { z } from 'zod';

/** Claim names, so issuer, minting and verification agree on one spelling. */
export const PERSON_CLAIM = 'pzp_person';
export const ORGANIZATION_CLAIM = 'pzp_org';
export const CLIENT_SYSTEM_CLAIM = 'client_system';

/** Recorded as the client system when a token names none. */
export const UNKNOWN_CLIENT_SYSTEM = 'unknown';

const NumericDate = z.number().int().nonnegative();
const ShortString = z.string().trim().min(1).max(200);

/** The JWT claims set of an access token (after jose has checked signature, iss, aud and times). */
export const TokenClaims = z.object({
  iss: ShortString,
  aud: z.union([ShortString, z.array(ShortString).min(1).max(10)]),
  sub: ShortString,
  exp: NumericDate,
  iat: NumericDate,
  nbf: NumericDate.optional(),
  jti: ShortString.optional(),
  [PERSON_CLAIM]: Practitioner,
  [ORGANIZATION_CLAIM]: Organization,
  [CLIENT_SYSTEM_CLAIM]: ShortString.optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** Who is calling: the person and organisation from the token, and the system they use. */
export interface Principal {
  actor: Actor;
  /** The calling system for the NEN 7513 log; {@link UNKNOWN_CLIENT_SYSTEM} when the token names none. */
  clientSystem: string;
  /** The token's `sub`: the caller's identifier at the issuer. */
  subject: string;
  /** The token's `jti`, when present. */
  tokenId?: string;
}

export function principalFromClaims(claims: TokenClaims): Principal {
  const person = claims[PERSON_CLAIM];
  return {
    actor: {
      id: person.id,
      name: person.name,
      profession: person.profession,
      organization: { ...claims[ORGANIZATION_CLAIM] },
    },
    clientSystem: claims[CLIENT_SYSTEM_CLAIM] ?? UNKNOWN_CLIENT_SYSTEM,
    subject: claims.sub,
    ...(claims.jti === undefined ? {} : { tokenId: claims.jti }),
  };
}

/** The private (non-registered) claims of a token acting for one actor. */
export interface ActorClaims {
  [PERSON_CLAIM]: Pick<Actor, 'id' | 'name' | 'profession'>;
  [ORGANIZATION_CLAIM]: Actor['organization'];
  [CLIENT_SYSTEM_CLAIM]?: string;
}

/** The private claims naming `actor` (and the calling system), for minting tokens. */
export function actorClaims(actor: Actor, clientSystem?: string): ActorClaims {
  return {
    [PERSON_CLAIM]: { id: actor.id, name: actor.name, profession: actor.profession },
    [ORGANIZATION_CLAIM]: {
      id: actor.organization.id,
      name: actor.organization.name,
      type: actor.organization.type,
    },
    ...(clientSystem === undefined ? {} : { [CLIENT_SYSTEM_CLAIM]: clientSystem }),
  };
}
