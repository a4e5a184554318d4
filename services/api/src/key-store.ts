import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encryptedPerPatient } from '@pzp/projections';
import { keyEncryptionKey, SqliteKeyStore, type KeyStore } from '@pzp/event-store';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { OpenedEventStore } from './event-store.js';
import { openingAt } from './startup-error.js';

/** The key store's file, in its own directory (by default the data dir), apart from the event log. */
export const KEY_STORE_FILE = 'keys.db';

/**
 * The per-patient data keys (README "Lawful destruction"), wrapped under PZP_KEY_ENCRYPTION_KEY. A
 * development node generates that key once, next to the key store, and says so.
 */
export function openKeyStore(config: Config, logger: Logger): KeyStore {
  const dir = config.keyStoreDir;
  openingAt('the key store directory', dir, () => mkdirSync(dir, { recursive: true }));
  const kek = openingAt('the key-encryption key', dir, () =>
    keyEncryptionKey({
      configured: config.PZP_KEY_ENCRYPTION_KEY,
      dir,
      mayGenerate: config.PZP_MODE === 'development',
      onGenerated: (path) =>
        logger.warn(
          { path },
          'generated a development key-encryption key; production needs PZP_KEY_ENCRYPTION_KEY, and the key store is never backed up with the event log',
        ),
    }),
  );
  const path = join(dir, KEY_STORE_FILE);
  return openingAt('the key store', path, () => SqliteKeyStore.open(path, kek));
}

/**
 * The event store with every patient's personal data encrypted under that patient's key: what the
 * node writes, projects and reads through, so destroying a key destroys the record everywhere.
 */
export function withEncryption(opened: OpenedEventStore, keys: KeyStore): OpenedEventStore {
  return {
    ...opened,
    store: encryptedPerPatient(opened.store, keys),
  };
}
