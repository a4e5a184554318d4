/**
 * The local development signing key: one ES256 key pair under `<dataDir>/dev-keys/`, shared by the
 * server in development mode (which verifies with `jwks.json`) and `scripts/mint-token.ts` (which
 * signs with `private.jwk.json`). Its key id starts with `dev-` so a server outside development
 * mode can recognise and refuse it.
 */
import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';

export const DEV_ISSUER = 'pzp-registry-dev';
export const DEV_AUDIENCE = 'pzp-registry';
export const DEV_KEY_ID_PREFIX = 'dev-';
const DEV_ALGORITHM = 'ES256';

export interface DevelopmentKeys {
  /** The private signing key (with `kid` and `alg`); for minting development tokens only. */
  privateJwk: JWK;
  /** The public key set to verify development tokens with. */
  jwks: JSONWebKeySet;
  jwksPath: string;
  privateJwkPath: string;
}

export const isDevelopmentKeyId = (kid: unknown): boolean =>
  typeof kid === 'string' && kid.startsWith(DEV_KEY_ID_PREFIX);

/** Whether any key of the set is a development key (its `kid` starts with `dev-`). */
export const isDevelopmentJwks = (jwks: JSONWebKeySet): boolean =>
  jwks.keys.some((key) => isDevelopmentKeyId(key.kid));

/**
 * Returns the development key pair under `<dataDir>/dev-keys/`, creating it on first use. The
 * private key file is created atomically with mode 0600 (concurrent first calls agree on one key);
 * `jwks.json` is (re)written from it whenever it is missing or differs.
 */
export async function ensureDevelopmentKeys(dataDir: string): Promise<DevelopmentKeys> {
  const dir = join(dataDir, 'dev-keys');
  const privateJwkPath = join(dir, 'private.jwk.json');
  const jwksPath = join(dir, 'jwks.json');
  await mkdir(dataDir, { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });

  let privateJwk = await readPrivateJwk(privateJwkPath);
  if (privateJwk === undefined) {
    const created = await newPrivateJwk();
    const tmp = `${privateJwkPath}.${randomUUID()}.tmp`;
    await writeFile(tmp, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      // link() fails if the file exists: the first writer wins and everyone reads its key.
      await link(tmp, privateJwkPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(tmp);
    }
    privateJwk = await readPrivateJwk(privateJwkPath);
    if (privateJwk === undefined) throw new Error(`Could not create ${privateJwkPath}`);
  }

  const jwks: JSONWebKeySet = { keys: [publicPart(privateJwk)] };
  const text = `${JSON.stringify(jwks, null, 2)}\n`;
  const current = await readFile(jwksPath, 'utf8').catch(() => undefined);
  if (current !== text) {
    const tmp = `${jwksPath}.${randomUUID()}.tmp`;
    await writeFile(tmp, text, { mode: 0o644, flag: 'wx' });
    await rename(tmp, jwksPath);
  }
  return { privateJwk, jwks, jwksPath, privateJwkPath };
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(DEV_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const thumbprint = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid: `${DEV_KEY_ID_PREFIX}${thumbprint.slice(0, 16)}`, alg: DEV_ALGORITHM, use: 'sig' };
}

async function readPrivateJwk(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const jwk = JSON.parse(text) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y || !isDevelopmentKeyId(jwk.kid)) {
    throw new Error(`${path} is not a development ES256 private key; remove its directory to start over`);
  }
  // Tighten a key file whose mode was loosened (e.g. by a copy) back to owner-only.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return jwk;
}

function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: jwk.alg, use: 'sig' };
}
