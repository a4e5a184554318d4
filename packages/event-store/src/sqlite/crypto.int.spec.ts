import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cryptoShreddingContract } from '../crypto/crypto.contract.js';
import { SqliteKeyStore } from '../crypto/sqlite-key-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

cryptoShreddingContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pzp-crypto-'));
  const file = join(dir, 'events.db');
  const kek = randomBytes(32);
  return {
    inner: SqliteEventStore.open(file),
    openInner: () => Promise.resolve(SqliteEventStore.open(file)),
    openKeys: () => SqliteKeyStore.open(join(dir, 'keys.db'), kek),
    otherKeys: () => SqliteKeyStore.open(join(dir, 'other-keys.db'), randomBytes(32)),
    tamper: (streamName, revision, data) => {
      const db = new Database(file);
      try {
        db.prepare('UPDATE events SET data = ? WHERE stream = ? AND revision = ?').run(
          JSON.stringify(data),
          streamName,
          revision,
        );
      } finally {
        db.close();
      }
      return Promise.resolve();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
