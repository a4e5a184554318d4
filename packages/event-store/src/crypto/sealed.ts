import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The stored form of an encrypted event body. The marker `pzpSealed` tells it from the plaintext
 * bodies written before encryption existed (those stay readable as they are). AES-256-GCM with a
 * random 96-bit nonce per event; the stream, event id and type are bound in as associated data,
 * so a ciphertext moved to another event or stream does not decrypt.
 */
export const SEAL_SCHEME = 'aes-256-gcm/1';

export interface Sealed {
  readonly pzpSealed: typeof SEAL_SCHEME;
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

export interface SealedContext {
  readonly streamName: string;
  readonly id: string;
  readonly type: string;
}

const aad = (c: SealedContext) => Buffer.from(`pzp-sealed|${c.streamName}|${c.id}|${c.type}`, 'utf8');

/**
 * Whether a stored body is an encrypted one (else it is plaintext, as written before encryption).
 * By shape only, on every event read: a body changed in storage fails its authentication tag (and
 * its hash) anyway, so validating the base64 here would only cost time.
 */
export function isSealed(data: unknown): data is Sealed {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    d['pzpSealed'] === SEAL_SCHEME &&
    typeof d['iv'] === 'string' &&
    typeof d['tag'] === 'string' &&
    typeof d['ct'] === 'string' &&
    Object.keys(d).length === 4
  );
}

/** A body's JSON text, as `sealText` encrypts it; throws a TypeError, as the adapters do, for a body JSON cannot hold. */
export function bodyText(data: unknown): string {
  const text = JSON.stringify(data);
  if (text === undefined) throw new TypeError('The event data has no JSON encoding');
  return text;
}

/** Encrypts a body's JSON text (`bodyText`). */
export function sealText(text: string, key: Buffer, context: SealedContext): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(context));
  const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return {
    pzpSealed: SEAL_SCHEME,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

/** The body; not ok when it does not decrypt under this key (changed, moved, another key). */
export function unseal(
  sealed: Sealed,
  key: Buffer,
  context: SealedContext,
): { readonly ok: true; readonly data: unknown } | { readonly ok: false } {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
    return { ok: true, data: JSON.parse(text.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}
