import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_DESTROYED } from '@pzp/domain';
import { SqliteKeyStore, type EventStore } from '@pzp/event-store';
import { encryptedPerPatient } from '../patient-encryption.js';
import { Projector } from '../projector.js';
import { createQueries } from '../queries.js';
import {
  append,
  appendRaw,
  appendRegion,
  BSNS,
  dumpExact,
  patientEvents,
  pseudonymOf,
  streamOf,
  testEnv,
} from '../spec-support.js';
import { ReadAheadStore } from './read-ahead-store.js';

/**
 * The rebuild's read-ahead thread (issue 16): what the projector folds through it must be what it
 * folds from the store on its own thread, encrypted, shredded, broken and all.
 */

const [A, B, C] = BSNS as [string, string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');
const PAGE = 1_000;

let env: ReturnType<typeof testEnv>;
let kek: Buffer;
const keysFile = () => join(env.dir, 'keys.db');
const eventsFile = () => join(env.dir, 'events.db');
const encrypted = (): EventStore => encryptedPerPatient(env.store, SqliteKeyStore.open(keysFile(), kek));
const readAhead = (key = kek) =>
  new ReadAheadStore(encrypted(), { eventsFile: eventsFile(), keysFile: keysFile(), kek: key });

beforeEach(() => {
  env = testEnv();
  kek = randomBytes(32);
});
afterEach(() => env.close());

/** A region of several pages, encrypted; one patient's record destroyed, one stream unreadable. */
async function region() {
  const store = encrypted();
  await appendRegion(store, 240);
  const b = patientEvents(B, 9001);
  await append(store, B, b);
  await appendRaw(store, streamOf(B), {
    id: crypto.randomUUID(),
    type: RECORD_DESTROYED,
    data: { grounds: 'PATIENT_REQUEST' },
    metadata: { ...b.at(-1)!.metadata, eventId: crypto.randomUUID() },
  });
  const c = patientEvents(C, 9002);
  await append(store, C, c.slice(0, 1));
  const { date: _date, ...malformed } = c[1]!.data as Record<string, unknown>;
  await appendRaw(store, streamOf(C), {
    id: crypto.randomUUID(),
    type: c[1]!.type,
    data: malformed,
    metadata: c[1]!.metadata,
  });
  await append(store, A, patientEvents(A, 9000));
}

async function rebuildThrough(store: EventStore, name: string) {
  const db = env.openDb(name);
  const projector = new Projector(store, db, { clock, batchSize: PAGE, writerThread: false });
  const count = await projector.rebuild();
  return { db, count, quarantined: projector.quarantinedCount };
}

describe('rebuilding through the read-ahead thread', () => {
  it('writes the read models byte for byte as reading on the projector’s thread does', async () => {
    await region();
    // The plain rebuild first: closing the read-ahead store closes the store beneath both.
    const here = await rebuildThrough(encrypted(), 'here.db');
    const viaThread = readAhead();
    const ahead = await rebuildThrough(viaThread, 'ahead.db');
    await viaThread.close();

    expect(ahead.count).toBeGreaterThan(3 * PAGE);
    expect(ahead.count).toBe(here.count);
    expect(ahead.quarantined).toBe(1);
    expect(dumpExact(ahead.db)).toEqual(dumpExact(here.db));
    const queries = createQueries(ahead.db);
    expect(queries.quarantine(pseudonymOf(C))).toBeDefined();
    expect(queries.currentPlan(pseudonymOf(B))).toBeUndefined();
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(patientEvents(A, 9000).length - 1);
  });

  it('an event changed in the file is still found by the projector’s own hash check: the thread vouches only for what matches', async () => {
    await region();
    const file = new Database(eventsFile());
    file
      .prepare(
        "UPDATE events SET metadata = json_set(metadata, '$.tampered', 1) WHERE stream = ? AND revision = 0",
      )
      .run(streamOf(A));
    file.close();

    const here = await rebuildThrough(encrypted(), 'here.db');
    const viaThread = readAhead();
    const ahead = await rebuildThrough(viaThread, 'ahead.db');
    await viaThread.close();
    expect(createQueries(ahead.db).quarantine(pseudonymOf(A))).toMatchObject({
      errorName: 'BrokenChainError',
      errorMessage: expect.stringContaining('content does not match') as string,
    });
    expect(dumpExact(ahead.db)).toEqual(dumpExact(here.db));
  });

  it('a read that fails on the thread fails the rebuild with its error, and the store still closes', async () => {
    await region();
    // Keys the thread cannot open: the key-encryption key is not the one they were sealed with.
    const viaThread = readAhead(randomBytes(32));
    await expect(rebuildThrough(viaThread, 'ahead.db')).rejects.toThrow();
    await viaThread.close();
  });

  it('a read that is not the next page is served by the store itself, the same events', async () => {
    await region();
    const viaThread = readAhead();
    const first = await viaThread.readAll({ maxCount: PAGE });
    const again = await viaThread.readAll({ maxCount: PAGE });
    await viaThread.close();
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(again).toHaveLength(PAGE);
  });
});
