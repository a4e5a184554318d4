import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { eventStoreContract } from '../contract/event-store.contract.js';
import { DuplicateEventIdError } from '../port.js';
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

describe('SqliteEventStore event ids', () => {
  it('refuses an event id already stored in another stream, writing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pzp-event-store-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    try {
      const reused = { id: randomUUID(), type: 'Created', data: {}, metadata: {} };
      await store.appendToStream('stream-a', [reused], { expectedRevision: 'no_stream' });

      await expect(
        store.appendToStream('stream-b', [reused], { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect(await store.readStream('stream-b')).toEqual([]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
