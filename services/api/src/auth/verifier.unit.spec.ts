import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor } from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import type * as Jose from 'jose';
import {
  CompactSign,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevelopmentKeys,
  isDevelopmentJwks,
  mintToken,
  UNKNOWN_CLIENT_SYSTEM,
  type AuthenticationFailure,
  type TokenVerifierOptions,
} from './index.js';
import { describePersonas, PERSONA_NAMES, PERSONAS, personaActor } from './personas.js';

// Count signature verifications: every call into jose's jwtVerify is one.
vi.mock('jose', async (importOriginal) => {
  const original = await importOriginal<typeof Jose>();
  return { ...original, jwtVerify: vi.fn(original.jwtVerify) };
});
const signatureChecks = () => vi.mocked(jwtVerify).mock.calls.length;

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'pzp-registry';
const actor = actors.hapDoctor;

interface KeyPair {
  privateKey: CryptoKey;
  privateJwk: JWK;
  publicJwk: JWK;
  alg: string;
}
async function keyPair(alg: string, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    alg,
  };
}

let es256: KeyPair;
let rs256: KeyPair;
let eddsa: KeyPair;
let stranger: KeyPair; // same kid as es256, not in the JWKS
let jwks: JSONWebKeySet;

beforeAll(async () => {
  es256 = await keyPair('ES256', 'test-es256');
  rs256 = await keyPair('RS256', 'test-rs256');
  eddsa = await keyPair('EdDSA', 'test-eddsa');
  stranger = await keyPair('ES256', 'test-es256');
  jwks = { keys: [es256.publicJwk, rs256.publicJwk, eddsa.publicJwk] };
});

beforeEach(() => {
  // Braces matter: a function returned from beforeEach would be run as its teardown.
  vi.mocked(jwtVerify).mockClear();
});
afterEach(() => vi.useRealTimers());

const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'idp-subject-42',
    iat: nowSeconds(),
    exp: nowSeconds() + 3600,
    jti: 'token-1',
    pzp_person: { id: actor.id, name: actor.name, profession: actor.profession },
    pzp_org: { ...actor.organization },
    client_system: 'HAP-systeem Callmanager',
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

function sign(payload: JWTPayload, key: KeyPair = es256, header: Record<string, unknown> = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.publicJwk.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

function verifier(options: Partial<TokenVerifierOptions> = {}) {
  return createTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE, ...options });
}

/** Expects an UNAUTHENTICATED refusal for `reason` whose message leaks neither token nor person. */
async function expectRefusal(
  promise: Promise<unknown>,
  reason: AuthenticationFailure,
  token = '',
): Promise<AuthenticationError> {
  const error = await promise.then(
    () => expect.fail(`expected refusal ${reason}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  const authError = error as AuthenticationError;
  expect(authError.code).toBe('UNAUTHENTICATED');
  expect(authError.reason).toBe(reason);
  if (reason !== 'KEYS_UNAVAILABLE') expect(authError.cause).toBeUndefined();
  for (const secret of [actor.name, actor.id, actor.organization.name, 'idp-subject-42']) {
    expect(authError.message).not.toContain(secret);
  }
  if (token) {
    for (const part of token.split('.').filter((p) => p.length > 8)) {
      expect(authError.message).not.toContain(part);
    }
  }
  return authError;
}

describe('createTokenVerifier: valid tokens', () => {
  it('maps an ES256 token to the principal', async () => {
    const token = await sign(claims());
    const principal = await verifier().verify(`Bearer ${token}`);
    expect(principal).toEqual({
      actor,
      clientSystem: 'HAP-systeem Callmanager',
      subject: 'idp-subject-42',
      tokenId: 'token-1',
    });
    expect(Actor.parse(principal.actor)).toEqual(actor);
  });

  it('accepts RS256 and EdDSA, a case-insensitive scheme and an audience list', async () => {
    const v = verifier();
    await expect(v.verify(`Bearer ${await sign(claims(), rs256)}`)).resolves.toMatchObject({ actor });
    await expect(v.verify(`Bearer ${await sign(claims(), eddsa)}`)).resolves.toMatchObject({ actor });
    await expect(v.verify(`bearer ${await sign(claims({ jti: 'x' }))}`)).resolves.toMatchObject({ actor });
    const listed = await sign(claims({ aud: ['other-service', AUDIENCE] }));
    await expect(v.verify(`Bearer ${listed}`)).resolves.toMatchObject({ actor });
  });

  it('records an unnamed client system as unknown and omits a missing jti', async () => {
    const token = await sign(claims({ client_system: undefined, jti: undefined }));
    const principal = await verifier().verify(`Bearer ${token}`);
    expect(principal.clientSystem).toBe(UNKNOWN_CLIENT_SYSTEM);
    expect(principal).not.toHaveProperty('tokenId');
  });

  it('accepts a token expired within the clock tolerance (default 60 s)', async () => {
    const token = await sign(claims({ iat: nowSeconds() - 600, exp: nowSeconds() - 50 }));
    await expect(verifier().verify(`Bearer ${token}`)).resolves.toMatchObject({ actor });
  });

  it('verifies tokens made by mintToken, for an actor or a persona', async () => {
    const privateJwk = es256.privateJwk;
    const v = verifier();
    const forActor = await mintToken({ privateJwk, actor, issuer: ISSUER, audience: AUDIENCE });
    await expect(v.verify(`Bearer ${forActor}`)).resolves.toMatchObject({
      actor,
      subject: actor.id,
      clientSystem: UNKNOWN_CLIENT_SYSTEM,
    });
    const forPersona = await mintToken({
      privateJwk,
      persona: 'auditor',
      clientSystem: 'Audit-tool',
      expiresIn: 60,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(v.verify(`Bearer ${forPersona}`)).resolves.toMatchObject({
      actor: actors.auditor,
      clientSystem: 'Audit-tool',
    });
    // By default a minted token lives as long as the verifier's default allows, and no longer.
    const lifetime = (token: string) => {
      const { iat, exp } = JSON.parse(
        Buffer.from(token.split('.')[1]!, 'base64url').toString(),
      ) as JWTPayload;
      return exp! - iat!;
    };
    expect(lifetime(forActor)).toBe(3600);
    const asString = await mintToken({
      privateJwk,
      actor,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '1h',
    });
    expect(lifetime(asString)).toBeLessThanOrEqual(3600);
    await expect(v.verify(`Bearer ${asString}`)).resolves.toMatchObject({ actor });
    const eightHours = await mintToken({
      privateJwk,
      actor,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '8h',
    });
    await expectRefusal(v.verify(`Bearer ${eightHours}`), 'LIFETIME_TOO_LONG');
  });
});

describe('createTokenVerifier: refusals', () => {
  it('refuses a missing or empty header', async () => {
    await expectRefusal(verifier().verify(undefined), 'MISSING_CREDENTIALS');
    await expectRefusal(verifier().verify(''), 'MISSING_CREDENTIALS');
    await expectRefusal(verifier().verify('   '), 'MISSING_CREDENTIALS');
  });

  it('refuses another scheme', async () => {
    const token = await sign(claims());
    await expectRefusal(verifier().verify(`Basic ${token}`), 'NOT_BEARER', token);
    await expectRefusal(verifier().verify(token), 'NOT_BEARER', token);
    await expectRefusal(verifier().verify('Bearer'), 'NOT_BEARER');
    await expectRefusal(verifier().verify(`Bearer ${token} extra`), 'NOT_BEARER', token);
  });

  it('refuses malformed tokens', async () => {
    const v = verifier();
    await expectRefusal(v.verify('Bearer not-a-jwt'), 'MALFORMED_TOKEN');
    await expectRefusal(v.verify('Bearer abc.def'), 'MALFORMED_TOKEN');
    await expectRefusal(v.verify('Bearer a+b.c/d.e=f'), 'MALFORMED_TOKEN');
    await expectRefusal(v.verify('Bearer aaaaaaaa.bbbbbbbb.cccccccc'), 'MALFORMED_TOKEN');
    // Correctly signed, but the payload is not a JSON claims set.
    const notJson = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'ES256', kid: 'test-es256' })
      .sign(es256.privateKey);
    await expectRefusal(v.verify(`Bearer ${notJson}`), 'MALFORMED_TOKEN', notJson);
    const token = await sign(claims());
    await expectRefusal(v.verify(`Bearer ${token}${'a'.repeat(9000)}`), 'MALFORMED_TOKEN', token);
  });

  it('refuses a bad signature', async () => {
    const v = verifier();
    const forged = await sign(claims(), stranger);
    await expectRefusal(v.verify(`Bearer ${forged}`), 'BAD_SIGNATURE', forged);
    // A genuine signature over a changed payload.
    const genuine = await sign(claims());
    const otherPayload = (await sign(claims({ sub: 'someone-else' }), stranger)).split('.')[1];
    const [header, , signature] = genuine.split('.');
    const tampered = `${header}.${otherPayload}.${signature}`;
    await expectRefusal(v.verify(`Bearer ${tampered}`), 'BAD_SIGNATURE', tampered);
  });

  it('refuses a key that is not in the JWKS', async () => {
    const token = await sign(claims(), es256, { kid: 'unknown-kid' });
    await expectRefusal(verifier().verify(`Bearer ${token}`), 'UNKNOWN_KEY', token);
  });

  it("refuses alg 'none', HS256 and algorithms outside the allow-list", async () => {
    const v = verifier();
    const unsecured = new UnsecuredJWT(claims()).encode();
    await expectRefusal(v.verify(`Bearer ${unsecured}`), 'ALGORITHM_NOT_ALLOWED', unsecured);
    const hs256 = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'test-es256' })
      .sign(new TextEncoder().encode('a-shared-secret-of-32-characters!'));
    await expectRefusal(v.verify(`Bearer ${hs256}`), 'ALGORITHM_NOT_ALLOWED', hs256);
    const rs = await sign(claims(), rs256);
    await expectRefusal(
      verifier({ algorithms: ['ES256'] }).verify(`Bearer ${rs}`),
      'ALGORITHM_NOT_ALLOWED',
      rs,
    );
    expect(signatureChecks()).toBe(0);
  });

  it('refuses to be configured with none, a symmetric or no algorithm', () => {
    expect(() => verifier({ algorithms: ['none'] })).toThrow(/not allowed/);
    expect(() => verifier({ algorithms: ['ES256', 'HS256'] })).toThrow(/not allowed/);
    expect(() => verifier({ algorithms: [] })).toThrow(/At least one/);
  });

  it('refuses an expired token', async () => {
    const token = await sign(claims({ iat: nowSeconds() - 3000, exp: nowSeconds() - 61 }));
    await expectRefusal(verifier().verify(`Bearer ${token}`), 'EXPIRED', token);
    const strict = await sign(claims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 1 }));
    await expectRefusal(verifier({ clockToleranceSeconds: 0 }).verify(`Bearer ${strict}`), 'EXPIRED');
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await sign(claims({ nbf: nowSeconds() + 120 }));
    await expectRefusal(verifier().verify(`Bearer ${token}`), 'NOT_YET_VALID', token);
    const soon = await sign(claims({ nbf: nowSeconds() + 10 }));
    await expect(verifier().verify(`Bearer ${soon}`)).resolves.toMatchObject({ actor });
  });

  it('refuses a token issued in the future beyond the clock tolerance', async () => {
    const hourAhead = await sign(claims({ iat: nowSeconds() + 3600, exp: nowSeconds() + 3700 }));
    await expectRefusal(verifier().verify(`Bearer ${hourAhead}`), 'ISSUED_IN_THE_FUTURE', hourAhead);
    const justAhead = await sign(claims({ iat: nowSeconds() + 61, exp: nowSeconds() + 600 }));
    await expectRefusal(verifier().verify(`Bearer ${justAhead}`), 'ISSUED_IN_THE_FUTURE', justAhead);
    // A clock a little ahead of ours is tolerated, as configured.
    const skewed = await sign(claims({ iat: nowSeconds() + 30, exp: nowSeconds() + 600 }));
    await expect(verifier().verify(`Bearer ${skewed}`)).resolves.toMatchObject({ actor });
    await expectRefusal(
      verifier({ clockToleranceSeconds: 10 }).verify(`Bearer ${skewed}`),
      'ISSUED_IN_THE_FUTURE',
    );
  });

  it('refuses a token that declares a longer life than the maximum (default an hour)', async () => {
    const year3000 = Date.parse('3000-01-01T00:00:00Z') / 1000;
    const forever = await sign(claims({ exp: year3000 }));
    await expectRefusal(verifier().verify(`Bearer ${forever}`), 'LIFETIME_TOO_LONG', forever);
    const iat = nowSeconds();
    const hour = await sign(claims({ iat, exp: iat + 3600 }));
    await expect(verifier().verify(`Bearer ${hour}`)).resolves.toMatchObject({ actor });
    const longer = await sign(claims({ iat, exp: iat + 3601 }));
    await expectRefusal(verifier().verify(`Bearer ${longer}`), 'LIFETIME_TOO_LONG', longer);
    // An old iat with a late exp is as long a life, even if little of it is left.
    const stretched = await sign(claims({ iat: iat - 7200, exp: iat + 60 }));
    await expectRefusal(verifier().verify(`Bearer ${stretched}`), 'LIFETIME_TOO_LONG', stretched);
    // Configurable: 10 minutes.
    const v = verifier({ maxTokenLifetimeSeconds: 600 });
    await expectRefusal(v.verify(`Bearer ${hour}`), 'LIFETIME_TOO_LONG');
    const tenMinutes = await sign(claims({ iat, exp: iat + 600 }));
    await expect(v.verify(`Bearer ${tenMinutes}`)).resolves.toMatchObject({ actor });
    expect(() => verifier({ maxTokenLifetimeSeconds: 0 })).toThrow(/maxTokenLifetimeSeconds/);
  });

  it('refuses a wrong or missing issuer', async () => {
    const wrong = await sign(claims({ iss: 'https://evil.example.test' }));
    await expectRefusal(verifier().verify(`Bearer ${wrong}`), 'WRONG_ISSUER', wrong);
    const missing = await sign(claims({ iss: undefined }));
    await expectRefusal(verifier().verify(`Bearer ${missing}`), 'WRONG_ISSUER', missing);
  });

  it('refuses a wrong or missing audience', async () => {
    const wrong = await sign(claims({ aud: 'another-service' }));
    await expectRefusal(verifier().verify(`Bearer ${wrong}`), 'WRONG_AUDIENCE', wrong);
    const missing = await sign(claims({ aud: undefined }));
    await expectRefusal(verifier().verify(`Bearer ${missing}`), 'WRONG_AUDIENCE', missing);
  });

  it('refuses tokens without exp, iat or sub', async () => {
    for (const claim of ['exp', 'iat', 'sub']) {
      const token = await sign(claims({ [claim]: undefined }));
      const error = await expectRefusal(verifier().verify(`Bearer ${token}`), 'INVALID_CLAIMS', token);
      expect(error.invalidClaims).toEqual([claim]);
    }
  });

  it('refuses claims failing the schema, naming only the claim paths', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ pzp_person: { ...claims().pzp_person!, profession: 'WIZARD' } }, ['pzp_person.profession']],
      [{ pzp_org: { ...actor.organization, type: 'CASINO' } }, ['pzp_org.type']],
      [{ pzp_person: undefined }, ['pzp_person']],
      [{ pzp_org: { type: 'HAP' } }, ['pzp_org.id', 'pzp_org.name']],
      [{ pzp_person: { id: ' ', name: actor.name, profession: actor.profession } }, ['pzp_person.id']],
      [{ client_system: 42 }, ['client_system']],
      [{ sub: '' }, ['sub']],
    ];
    for (const [overrides, paths] of cases) {
      const token = await sign(claims(overrides));
      const error = await expectRefusal(verifier().verify(`Bearer ${token}`), 'INVALID_CLAIMS', token);
      expect(error.invalidClaims).toEqual(paths);
      expect(error.message).not.toContain('WIZARD');
      expect(error.message).not.toContain('CASINO');
    }
  });

  it('refuses development keys unless allowed', async () => {
    const dev = await keyPair('ES256', 'dev-0123456789abcdef');
    const devJwks = { keys: [dev.publicJwk] };
    expect(isDevelopmentJwks(devJwks)).toBe(true);
    expect(isDevelopmentJwks(jwks)).toBe(false);
    expect(() => verifier({ jwks: devJwks })).toThrow(/development/);
    const token = await sign(claims(), dev);
    // A production JWKS never verifies a token that names a development key.
    await expectRefusal(verifier().verify(`Bearer ${token}`), 'DEVELOPMENT_KEY', token);
    await expect(
      verifier({ jwks: devJwks, allowDevelopmentKeys: true }).verify(`Bearer ${token}`),
    ).resolves.toMatchObject({ actor });
  });
});

describe('createTokenVerifier: JWKS from a URL', () => {
  let server: Server;
  let url: URL;
  let status = 200;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(status === 200 ? jwks : { error: 'down' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('verifies with the fetched keys', async () => {
    status = 200;
    const v = verifier({ jwks: url });
    await expect(v.verify(`Bearer ${await sign(claims(), eddsa)}`)).resolves.toMatchObject({ actor });
    const unknown = await sign(claims(), es256, { kid: 'rotated-away' });
    await expectRefusal(v.verify(`Bearer ${unknown}`), 'UNKNOWN_KEY', unknown);
  });

  it('refuses tokens when the key set cannot be fetched, keeping the cause for the log', async () => {
    status = 500;
    const token = await sign(claims());
    const error = await expectRefusal(
      verifier({ jwks: url }).verify(`Bearer ${token}`),
      'KEYS_UNAVAILABLE',
      token,
    );
    expect(error.cause).toBeDefined();
    const unreachable = new URL('http://127.0.0.1:9/jwks.json');
    await expectRefusal(verifier({ jwks: unreachable }).verify(`Bearer ${token}`), 'KEYS_UNAVAILABLE', token);
  });
});

describe('createTokenVerifier: cache of verified tokens', () => {
  it('verifies the signature of a repeated token once', async () => {
    const v = verifier();
    const header = `Bearer ${await sign(claims())}`;
    const first = await v.verify(header);
    const second = await v.verify(header);
    expect(second).toBe(first);
    expect(signatureChecks()).toBe(1);
    expect(v.cacheEntries).toBe(1);
    // The same token with another spelling of the scheme is the same cache entry.
    await v.verify(header.replace('Bearer', 'bearer'));
    expect(signatureChecks()).toBe(1);
  });

  it('serves a cached principal that cannot be changed by a caller', async () => {
    const v = verifier();
    const header = `Bearer ${await sign(claims())}`;
    const principal = await v.verify(header);
    expect(() => {
      (principal.actor.organization as { type: string }).type = 'AUDIT';
    }).toThrow(TypeError);
    expect((await v.verify(header)).actor.organization.type).toBe('HAP');
  });

  it('never caches a failure', async () => {
    const v = verifier();
    const header = `Bearer ${await sign(claims({ pzp_org: { ...actor.organization, type: 'CASINO' } }))}`;
    await expectRefusal(v.verify(header), 'INVALID_CLAIMS');
    await expectRefusal(v.verify(header), 'INVALID_CLAIMS');
    expect(signatureChecks()).toBe(2);
    expect(v.cacheEntries).toBe(0);
  });

  it('does not serve an entry at or past exp (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    const v = verifier({ clockToleranceSeconds: 0 });
    const header = `Bearer ${await sign(claims({ exp: nowSeconds() + 60 }))}`;
    await v.verify(header);
    vi.setSystemTime(new Date('2026-03-01T12:00:59Z'));
    await expect(v.verify(header)).resolves.toMatchObject({ actor });
    expect(signatureChecks()).toBe(1);
    vi.setSystemTime(new Date('2026-03-01T12:01:00Z'));
    await expectRefusal(v.verify(header), 'EXPIRED');
    expect(signatureChecks()).toBe(2);
    expect(v.cacheEntries).toBe(0);
  });

  it('does not cache a token accepted only by the clock tolerance (injected clock)', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const v = verifier({ now: () => now });
    const exp = now / 1000 + 60;
    const header = `Bearer ${await sign(claims({ iat: now / 1000, exp }))}`;
    await v.verify(header);
    now += 70_000; // past exp, within the 60 s tolerance: verified again, not served from cache
    await expect(v.verify(header)).resolves.toMatchObject({ actor });
    await expect(v.verify(header)).resolves.toMatchObject({ actor });
    expect(signatureChecks()).toBe(3);
    now += 60_000;
    await expectRefusal(v.verify(header), 'EXPIRED');
  });

  it('evicts the least recently used entry beyond cacheSize', async () => {
    const v = verifier({ cacheSize: 2 });
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map(async (jti) => `Bearer ${await sign(claims({ jti }))}`),
    );
    await v.verify(a!);
    await v.verify(b!);
    await v.verify(a!); // a is now the most recent
    await v.verify(c!); // evicts b
    expect(signatureChecks()).toBe(3);
    await v.verify(a!);
    await v.verify(c!);
    expect(signatureChecks()).toBe(3);
    await v.verify(b!);
    expect(signatureChecks()).toBe(4);
    expect(v.cacheEntries).toBe(2);
  });

  it('can be disabled and cleared', async () => {
    const header = `Bearer ${await sign(claims())}`;
    const uncached = verifier({ cacheSize: 0 });
    await uncached.verify(header);
    await uncached.verify(header);
    expect(signatureChecks()).toBe(2);
    const v = verifier();
    await v.verify(header);
    v.clearCache();
    await v.verify(header);
    expect(signatureChecks()).toBe(4);
  });
});

describe('ensureDevelopmentKeys', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pzp-dev-keys-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates an ES256 pair once, private file 0600, kid dev-*, and reuses it', async () => {
    const first = await ensureDevelopmentKeys(dataDir);
    expect(first.jwksPath).toBe(join(dataDir, 'dev-keys', 'jwks.json'));
    expect((await stat(first.privateJwkPath)).mode & 0o777).toBe(0o600);
    expect(first.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(first.privateJwk.kid).toMatch(/^dev-/);
    expect(first.jwks.keys).toHaveLength(1);
    expect(first.jwks.keys[0]!.kid).toBe(first.privateJwk.kid);
    expect(first.jwks.keys[0]).not.toHaveProperty('d');
    expect(isDevelopmentJwks(first.jwks)).toBe(true);
    expect(JSON.parse(await readFile(first.jwksPath, 'utf8'))).toEqual(first.jwks);

    const again = await ensureDevelopmentKeys(dataDir);
    expect(again.privateJwk).toEqual(first.privateJwk);
    expect(again.jwks).toEqual(first.jwks);
  });

  it('agrees on one key when first called concurrently', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => ensureDevelopmentKeys(dataDir)));
    expect(new Set(all.map((k) => k.privateJwk.d)).size).toBe(1);
  });

  it('tightens a loosened private key file back to 0600', async () => {
    const { privateJwkPath } = await ensureDevelopmentKeys(dataDir);
    await chmod(privateJwkPath, 0o644);
    await ensureDevelopmentKeys(dataDir);
    expect((await stat(privateJwkPath)).mode & 0o777).toBe(0o600);
  });

  it('mints tokens the development verifier accepts', async () => {
    const keys = await ensureDevelopmentKeys(dataDir);
    const token = await mintToken({
      privateJwk: keys.privateJwk,
      persona: 'seh-doctor',
      clientSystem: 'HiX',
    });
    const devVerifier = createTokenVerifier({
      jwks: keys.jwks,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      allowDevelopmentKeys: true,
    });
    await expect(devVerifier.verify(`Bearer ${token}`)).resolves.toEqual({
      actor: actors.sehDoctor,
      clientSystem: 'HiX',
      subject: actors.sehDoctor.id,
      tokenId: expect.any(String),
    });
    await expectRefusal(verifier().verify(`Bearer ${token}`), 'DEVELOPMENT_KEY', token);
  });
});

describe('personas', () => {
  it('name valid actors, reusing the domain fixtures', () => {
    expect(PERSONA_NAMES).toEqual(
      expect.arrayContaining([
        'gp',
        'practice-nurse',
        'hap-doctor',
        'seh-doctor',
        'vvt-nurse',
        'so',
        'ambulance-nurse',
        'auditor',
        'specialist',
      ]),
    );
    for (const name of PERSONA_NAMES) expect(Actor.parse(PERSONAS[name])).toEqual(PERSONAS[name]);
    expect(personaActor('hap-doctor')).toBe(actors.hapDoctor);
    expect(personaActor('so').profession).toBe('ELDERLY_CARE_PHYSICIAN');
    expect(personaActor('vvt-nurse').organization.type).toBe('VVT');
    expect(() => personaActor('nobody')).toThrow(/Unknown persona/);
    expect(describePersonas()).toHaveLength(PERSONA_NAMES.length);
  });
});
