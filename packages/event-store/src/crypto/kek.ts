import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEK_BYTES } from './key-wrap.js';

/** The file a development or demo node keeps its generated key-encryption key in. */
export const DEV_KEK_FILE = 'key-encryption.key';

export interface KeyEncryptionKeyOptions {
  /** PZP_KEY_ENCRYPTION_KEY: base64 of 32 bytes. */
  readonly configured: string | undefined;
  /** Where a generated key is kept (the key store's directory). */
  readonly dir: string;
  /** False in production: there the key must come from configuration. */
  readonly mayGenerate: boolean;
  /** Told once, when a key is generated. */
  readonly onGenerated?: (path: string) => void;
}

/**
 * The key that wraps every data key in the key store. From configuration in production; a
 * development or demo node generates one into its directory on first start (and says so), so the
 * registry runs without setup but a production node never runs on a key nobody chose to keep.
 */
export function keyEncryptionKey(options: KeyEncryptionKeyOptions): Buffer {
  if (options.configured !== undefined && options.configured !== '') return decode(options.configured);
  const path = join(options.dir, DEV_KEK_FILE);
  if (!options.mayGenerate) {
    throw new Error('PZP_KEY_ENCRYPTION_KEY is required in production (base64 of 32 random bytes)');
  }
  if (existsSync(path)) return decode(readFileSync(path, 'utf8').trim());
  // Written whole under another name, then linked into place: nodes starting together on one key
  // store directory all end up with the one key that got there first, never a half-written file.
  const key = randomBytes(KEK_BYTES);
  const draft = `${path}.${randomUUID()}`;
  writeFileSync(draft, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    return decode(readFileSync(path, 'utf8').trim());
  } finally {
    rmSync(draft, { force: true });
  }
  options.onGenerated?.(path);
  return key;
}

function decode(text: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEK_BYTES || key.toString('base64') !== text) {
    throw new Error(`PZP_KEY_ENCRYPTION_KEY must be the base64 of exactly ${KEK_BYTES} bytes`);
  }
  return key;
}
