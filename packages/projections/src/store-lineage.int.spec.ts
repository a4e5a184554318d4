import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector, STORE_CHANGED_MESSAGE } from './projector.js';
import { createQueries } from './queries.js';
import {
  append,
  BSNS,
  dump,
  EXTRA_BSN,
  patientEvents,
  pseudonymOf,
  recordingLogger,
  testEnv,
} from './spec-support.js';
import { EmptyEventStoreError } from './store-lineage.js';

let env: ReturnType<typeof testEnv>;
const opened: SqliteEventStore[] = [];
beforeEach(() => {
  env = testEnv();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await env.close();
});

/** A copy of the event store as it is now, as a file backup would make it. */
function backupOfStore(): string {
  const file = join(env.dir, `backup-${opened.length}.db`);
  const db = new Database(join(env.dir, 'events.db'));
  db.exec(`VACUUM INTO '${file}'`);
  db.close();
  return file;
}

function openStore(file: string): SqliteEventStore {
  const store = SqliteEventStore.open(file);
  opened.push(store);
  return store;
}

/** Every patient's events but the last; the backup; then the first patient's last event. */
async function seed(): Promise<{ backup: string; last: number }> {
  for (const [i, bsn] of BSNS.entries()) await append(env.store, bsn, patientEvents(bsn, i).slice(0, -1));
  const backup = backupOfStore();
  const events = patientEvents(BSNS[0]!, 0);
  await append(env.store, BSNS[0]!, events.slice(-1), events.length - 1);
  return { backup, last: events.length - 1 };
}

const newPatient = () => patientEvents(EXTRA_BSN, 9);

const versionOf = (db: ReturnType<typeof env.openDb>, bsn: string) =>
  createQueries(db).currentPlan(pseudonymOf(bsn))?.version;

describe('read models next to a store they did not come from', () => {
  it('a restored older backup of the store: the read models are rebuilt to it, and later writes show', async () => {
    const { backup, last } = await seed();
    const db = env.openDb('node.db');
    await new Projector(env.store, db).catchUp();
    expect(versionOf(db, BSNS[0]!)).toBe(last);

    const restored = openStore(backup);
    expect(await restored.identity()).toBe(await env.store.identity());
    const logger = recordingLogger();
    const projector = new Projector(restored, db, { logger });
    await projector.catchUp();

    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: STORE_CHANGED_MESSAGE,
      fields: expect.objectContaining({
        reason: expect.stringContaining('head lies before'),
        storeHead: String(await restored.headPosition()),
        checkpoint: String(await env.store.headPosition()),
      }),
    });
    const scratch = env.openDb('scratch.db');
    await new Projector(restored, scratch).catchUp();
    expect(dump(db)).toEqual(dump(scratch));
    expect(versionOf(db, BSNS[0]!)).toBe(last - 1);

    // The restored store's positions go on from its own head, over positions the old rows held.
    await append(restored, EXTRA_BSN, newPatient());
    await projector.catchUp();
    expect(versionOf(db, EXTRA_BSN)).toBe(newPatient().length - 1);
  });

  it('a restored backup written to past the old checkpoint: the event at the checkpoint gives it away', async () => {
    const { backup, last } = await seed();
    const db = env.openDb('node.db');
    await new Projector(env.store, db).catchUp();

    const restored = openStore(backup);
    // More events than the original got after the backup: its head is past the checkpoint.
    await append(restored, EXTRA_BSN, newPatient());
    expect((await restored.headPosition())!).toBeGreaterThan((await env.store.headPosition())!);

    const logger = recordingLogger();
    await new Projector(restored, db, { logger }).catchUp();
    expect(logger.lines.find((l) => l.message === STORE_CHANGED_MESSAGE)?.fields['reason']).toContain(
      "event at the read models' checkpoint",
    );
    expect(versionOf(db, EXTRA_BSN)).toBe(newPatient().length - 1);
    expect(versionOf(db, BSNS[0]!)).toBe(last - 1);
  });

  it('another store with events: rebuilt to it', async () => {
    await seed();
    const db = env.openDb('node.db');
    await new Projector(env.store, db).catchUp();

    const other = openStore(join(env.dir, 'other.db'));
    await append(other, EXTRA_BSN, newPatient());
    const logger = recordingLogger();
    await new Projector(other, db, { logger }).catchUp();

    expect(logger.lines.find((l) => l.message === STORE_CHANGED_MESSAGE)?.fields).toMatchObject({
      reason: 'the event store is not the one the read models were built from',
      storeIdentity: await other.identity(),
      readModelsIdentity: await env.store.identity(),
    });
    expect(versionOf(db, BSNS[0]!)).toBeUndefined();
    expect(versionOf(db, EXTRA_BSN)).toBe(newPatient().length - 1);
  });

  it('a store without events next to read models with rows: refused, the read models left as they are', async () => {
    await seed();
    const db = env.openDb('node.db');
    await new Projector(env.store, db).catchUp();
    const before = dump(db);

    const empty = openStore(join(env.dir, 'new-empty.db'));
    const projector = new Projector(empty, db);
    await expect(projector.catchUp()).rejects.toBeInstanceOf(EmptyEventStoreError);
    await expect(projector.start()).rejects.toThrow(/restore it from its backup/);
    expect(dump(db)).toEqual(before);
  });

  it('the same store, untouched: nothing is rebuilt', async () => {
    await seed();
    const db = env.openDb('node.db');
    await new Projector(env.store, db).catchUp();
    const before = dump(db);

    const again = openStore(join(env.dir, 'events.db'));
    const logger = recordingLogger();
    expect(await new Projector(again, db, { logger }).catchUp()).toBe(0);
    expect(logger.lines).toEqual([]);
    expect(dump(db)).toEqual(before);
  });

  it('empty read models take any store without a word', async () => {
    const empty = openStore(join(env.dir, 'new-empty.db'));
    const db = env.openDb('node.db');
    const logger = recordingLogger();
    await new Projector(empty, db, { logger }).catchUp();
    const { last } = await seed();
    await new Projector(env.store, db, { logger }).catchUp();
    expect(logger.lines).toEqual([]);
    expect(versionOf(db, BSNS[0]!)).toBe(last);
  });
});
