import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  };
});
