import { DEV_ISSUER } from '@pzp/api/auth';
import { graphqlPost, JSON_TYPE, type HostileCase } from './case.js';
import { READ_PZP, roundRobin, type Generator } from './generator.js';
import { withBrokenSignature, withSwappedPayload, type Claims } from './tokens.js';

const YEAR_3000 = 32_503_680_000;
const HOUR = 3600;

/**
 * Authorization headers no server may accept, each on a read the persona may otherwise do:
 * forged, tampered, unsigned or re-keyed tokens, and (issue 11.6) tokens issued in the future,
 * without an end, ending in the year 3000 or living a day.
 */
export const forgedTokens: Generator = (g, count) => {
  const { target } = g;
  const { forge } = target;
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (change: (c: Claims) => Claims = (c) => c) => change(forge.claims('gp'));
  const without = (key: string) => (c: Claims) => {
    const { [key]: _dropped, ...rest } = c;
    return rest;
  };
  const variants: [string, () => string][] = [
    ['signature/broken', () => withBrokenSignature(forge.valid('gp'), g.rng.int(0, 1000))],
    ['signature/payload-swapped', () => withSwappedPayload(forge.valid('gp'), forge.claims('auditor'))],
    ['signature/stranger-key', () => forge.sign(claims(), { stranger: true })],
    [
      'signature/stranger-key-own-kid',
      () => forge.sign(claims(), { stranger: true, header: { kid: 'dev-stranger' } }),
    ],
    [
      'signature/embedded-jwk',
      () => forge.sign(claims(), { stranger: true, header: { jwk: { kty: 'EC' } } }),
    ],
    ['alg/none', () => forge.unsigned(claims())],
    ['alg/hs256-public-key', () => forge.hmac(claims(), forge.publicJwkText())],
    ['alg/mismatch', () => forge.sign(claims(), { header: { alg: 'ES512' } })],
    ['header/crit', () => forge.sign(claims(), { header: { crit: ['pzp-unknown'], 'pzp-unknown': true } })],
    ['claims/wrong-issuer', () => forge.sign(claims((c) => ({ ...c, iss: `${DEV_ISSUER}-other` })))],
    ['claims/wrong-audience', () => forge.sign(claims((c) => ({ ...c, aud: ['someone-else'] })))],
    ['claims/no-exp', () => forge.sign(claims(without('exp')))],
    ['claims/no-iat', () => forge.sign(claims(without('iat')))],
    ['claims/no-sub', () => forge.sign(claims(without('sub')))],
    ['claims/no-person', () => forge.sign(claims(without('pzp_person')))],
    ['claims/expired', () => forge.sign(claims((c) => ({ ...c, iat: now() - 2 * HOUR, exp: now() - 300 })))],
    [
      'claims/future-iat',
      () => forge.sign(claims((c) => ({ ...c, iat: now() + HOUR, exp: now() + 2 * HOUR }))),
    ],
    ['claims/exp-year-3000', () => forge.sign(claims((c) => ({ ...c, exp: YEAR_3000 })))],
    ['claims/lifetime-a-day', () => forge.sign(claims((c) => ({ ...c, exp: now() + 24 * HOUR })))],
    ['claims/lifetime-three-hours', () => forge.sign(claims((c) => ({ ...c, exp: now() + 3 * HOUR })))],
    ['claims/nbf-future', () => forge.sign(claims((c) => ({ ...c, nbf: now() + HOUR })))],
    ['claims/exp-string', () => forge.sign(claims((c) => ({ ...c, exp: String(now() + 600) })))],
    ['claims/exp-huge', () => forge.sign(claims((c) => ({ ...c, exp: 1e20 })))],
    ['claims/iat-negative', () => forge.sign(claims((c) => ({ ...c, iat: -1 })))],
    [
      'claims/unknown-profession',
      () =>
        forge.sign(
          claims((c) => ({ ...c, pzp_person: { ...(c['pzp_person'] as object), profession: 'HACKER' } })),
        ),
    ],
    [
      'claims/unknown-organization-type',
      () => forge.sign(claims((c) => ({ ...c, pzp_org: { ...(c['pzp_org'] as object), type: 'PIRATE' } }))),
    ],
    ['payload/not-json', () => forge.sign('{"sub": "x",')],
    ['payload/array', () => forge.sign('[]')],
  ];
  const headers: [string, () => string][] = [
    ...variants.map(([label, token]) => [label, () => `Bearer ${token()}`] as [string, () => string]),
    ['header/empty', () => ''],
    ['header/bearer-only', () => 'Bearer'],
    ['header/basic', () => 'Basic Z3A6Z2VoZWlt'],
    ['header/two-tokens', () => `Bearer ${forge.valid('gp')} ${forge.valid('gp')}`],
    ['header/not-a-jwt', () => 'Bearer not-a-token'],
    ['header/two-parts', () => 'Bearer eyJhbGciOiJFUzI1NiJ9.e30'],
    ['header/dots', () => 'Bearer ....'],
    ['header/oversized', () => `Bearer ${'a'.repeat(9000)}.${'b'.repeat(100)}.${'c'.repeat(86)}`],
    ['header/other-scheme', () => `Token ${forge.valid('gp')}`],
  ];
  return roundRobin(
    count,
    headers.map(([label, header]) => (): HostileCase => {
      const p = g.patient();
      return graphqlPost({
        category: 'tokens',
        label,
        expect: { refused: true, code: 'UNAUTHENTICATED' },
        headers: { ...JSON_TYPE, authorization: header() },
        payload: { query: READ_PZP, variables: { bsn: p.bsn } },
        secrets: [p.bsn],
      });
    }),
  );
};
