import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Data keys are stored wrapped (AES-256-GCM) under the key-encryption key from configuration, with
 * the stream name as associated data: a copy of the key file alone opens nothing, and a wrapped
 * key copied onto another stream's row does not unwrap.
 */
export const KEK_BYTES = 32;

export function wrapKey(kek: Buffer, streamName: string, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(streamName, 'utf8'));
  const ct = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

export function unwrapKey(kek: Buffer, streamName: string, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12));
  decipher.setAAD(Buffer.from(streamName, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  } catch {
    throw new Error(
      'A data key does not unwrap: the key-encryption key (PZP_KEY_ENCRYPTION_KEY) is not the one the key store was written with',
    );
  }
}
