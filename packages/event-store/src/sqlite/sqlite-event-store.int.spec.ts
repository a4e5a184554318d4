import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { SqliteEventStore } from './sqlite-event-store.js';

eventStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pzp-event-store-'));
  const file = join(dir, 'events.db');
  const store = SqliteEventStore.open(file);
  return {
    store,
    openAnother: () => Promise.resolve(SqliteEventStore.open(file)),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
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
  };
});
