import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_LOG_EVENT_TYPE, accessLogStreamName, type AccessRecord, type PzpEvent } from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import type { EventStore, ReadAllOptions } from '@pzp/event-store';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import {
  append,
  appendRaw,
  BSNS,
  dump,
  EXTRA_BSN,
  patientEvents,
  pseudonymOf,
  readDifferently,
  recordingLogger,
  streamOf,
  testEnv,
} from './spec-support.js';

const [A, B, C] = BSNS as [string, string, string];
const D = EXTRA_BSN;
const clock = () => new Date('2026-04-01T08:00:00.000Z');

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

/** The event as stored, with its body as given. */
const raw = (e: PzpEvent, type: string, data: unknown) => ({
  id: e.metadata.eventId,
  type,
  data,
  metadata: e.metadata,
});

/** B's second event without its required `date`: does not match its schema. */
function malformed(e: PzpEvent) {
  const { date: _date, ...rest } = e.data as Record<string, unknown>;
  return raw(e, e.type, rest);
}

/**
 * A: all but its last event. B: its first event, then one that does not parse, then the rest of
 * its events. D: its first event, then one of a type this code does not know. C: all its events,
 * after both. Returns every patient's events.
 */
async function appendScenario() {
  const [a, b, c, d] = [A, B, C, D].map((bsn, i) => patientEvents(bsn, i)) as [
    PzpEvent[],
    PzpEvent[],
    PzpEvent[],
    PzpEvent[],
  ];
  await append(env.store, A, a.slice(0, -1));
  await append(env.store, B, b.slice(0, 1));
  await appendRaw(env.store, streamOf(B), malformed(b[1]!));
  await append(env.store, D, d.slice(0, 1));
  await appendRaw(env.store, streamOf(D), raw(d[1]!, 'TreatmentDirectiveSetV9', d[1]!.data));
  await append(env.store, C, c);
  await append(env.store, B, b.slice(2), 2);
  return { a, b, c, d };
}

/** Every personal value of the scenario: none may end up in a quarantine row or a log line. */
const PERSONAL = [...[A, B, C, D], 'Patiënt', 'Jansen', 'Visser', '1940-01-01'];

/** The store as read by a node whose code reads B's broken event again (as a fixed upcaster would). */
function healed(store: EventStore, fixed: PzpEvent): Promise<EventStore> {
  return readDifferently(store, streamOf(B), (e) =>
    e.id === fixed.metadata.eventId ? { ...e, data: fixed.data } : e,
  );
}

describe('quarantine of unreadable streams', () => {
  it('quarantines only the stream of an unreadable event: everyone else is projected, the projector stays live', async () => {
    const { a, b, c } = await appendScenario();
    const db = env.openDb('node.db');
    const logger = recordingLogger();
    const projector = new Projector(env.store, db, { logger, clock });
    await projector.start();
    expect(projector.status).toBe('live');
    expect(await projector.isCaughtUp()).toBe(true);

    const queries = createQueries(db);
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(a.length - 2);
    expect(queries.currentPlan(pseudonymOf(C))?.version).toBe(c.length - 1);
    expect(queries.streamVersion(pseudonymOf(C))).toBe(c.length - 1);
    expect(queries.quarantine(pseudonymOf(A))).toBeUndefined();

    // B and D keep the rows of their readable first event, for auditors, and are listed.
    const all = await env.store.readAll();
    const positionOf = (bsn: string, revision: bigint) =>
      all.find((e) => e.streamName === streamOf(bsn) && e.revision === revision)!.position;
    expect(queries.currentPlan(pseudonymOf(B))?.version).toBe(0);
    expect(queries.streamVersion(pseudonymOf(B))).toBe(0);
    expect(queries.quarantine(pseudonymOf(B))).toEqual({
      streamName: streamOf(B),
      pseudonym: pseudonymOf(B),
      revision: 1,
      position: positionOf(B, 1n),
      eventType: b[1]!.type,
      errorName: 'EventSchemaError',
      errorMessage: expect.stringMatching(/^event could not be parsed: /) as string,
      quarantinedAt: clock().toISOString(),
    });
    expect(queries.quarantine(pseudonymOf(D))).toMatchObject({
      revision: 1,
      position: positionOf(D, 1n),
      eventType: 'TreatmentDirectiveSetV9',
      errorName: 'EventSchemaError',
    });
    expect(queries.quarantined().map((q) => q.pseudonym)).toEqual([pseudonymOf(B), pseudonymOf(D)]);
    expect(projector.quarantinedCount).toBe(2);
    // What the door asks (from memory) is what the table holds.
    for (const bsn of [A, B, C, D])
      expect(projector.quarantineOf(streamOf(bsn))).toEqual(queries.quarantine(pseudonymOf(bsn)));

    // One error line per quarantined stream, with what to find it by and nothing personal.
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.fields)).toEqual([
      expect.objectContaining({
        pseudonym: pseudonymOf(B),
        revision: 1,
        position: positionOf(B, 1n).toString(),
        eventType: b[1]!.type,
        error: expect.stringContaining('EventSchemaError') as string,
      }),
      expect.objectContaining({
        pseudonym: pseudonymOf(D),
        revision: 1,
        eventType: 'TreatmentDirectiveSetV9',
      }),
    ]);
    const written = JSON.stringify([queries.quarantined().map((q) => ({ ...q, position: 0 })), errors]);
    for (const value of PERSONAL) expect(written).not.toContain(value);

    // Live: A's next event is projected; B's are not, even when readable.
    const result = await append(env.store, A, a.slice(-1), a.length - 1);
    await append(env.store, B, patientEvents(B, 9).slice(-1), b.length);
    await projector.waitFor((await env.store.headPosition())!);
    expect(projector.position).toBe(await env.store.headPosition());
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(Number(result.nextExpectedRevision));
    expect(queries.currentPlan(pseudonymOf(B))?.version).toBe(0);
    expect(projector.status).toBe('live');
    await projector.stop();
  });

  it('a quarantine survives a restart, and a rebuild that can read the stream again clears it', async () => {
    const { b } = await appendScenario();
    const db = env.openDb('node.db');
    await new Projector(env.store, db, { clock }).catchUp();
    db.close();

    const reopened = env.openDb('node.db');
    const restarted = new Projector(env.store, reopened, { clock });
    expect(restarted.quarantinedCount).toBe(2);
    await append(env.store, B, patientEvents(B, 9).slice(-1), b.length); // still skipped
    await restarted.catchUp();
    const queries = createQueries(reopened);
    expect(queries.quarantine(pseudonymOf(B))?.revision).toBe(1);
    expect(restarted.quarantineOf(streamOf(B))).toEqual(queries.quarantine(pseudonymOf(B)));
    expect(queries.currentPlan(pseudonymOf(B))?.version).toBe(0);

    // The code now reads B's event (a fixed upcaster): a rebuild tries every stream again.
    const fixedStore = await healed(env.store, b[1]!);
    const fixed = new Projector(fixedStore, reopened, { clock });
    await fixed.rebuild();
    expect(fixed.quarantinedCount).toBe(1); // D's event type is still unknown
    expect(queries.quarantine(pseudonymOf(B))).toBeUndefined();
    expect(fixed.quarantineOf(streamOf(B))).toBeUndefined();
    expect(fixed.quarantineOf(streamOf(D))).toEqual(queries.quarantine(pseudonymOf(D)));
    expect(queries.currentPlan(pseudonymOf(B))?.version).toBe(b.length);
    const fresh = env.openDb('fresh.db');
    await new Projector(fixedStore, fresh, { clock }).catchUp();
    expect(dump(reopened)).toEqual(dump(fresh));
  });

  it('quarantines a stream whose events arrive out of revision order', async () => {
    const events = patientEvents(A, 0);
    await append(env.store, A, events);
    await append(env.store, C, patientEvents(C, 2));
    // A store that lost A's revision 2: revision 3 follows revision 1.
    const gappy: EventStore = Object.create(env.store) as EventStore;
    gappy.readAll = async (options?: ReadAllOptions) =>
      (await env.store.readAll(options)).filter((e) => !(e.streamName === streamOf(A) && e.revision === 2n));
    const db = env.openDb('gap.db');
    await new Projector(gappy, db, { clock }).catchUp();
    const queries = createQueries(db);
    expect(queries.quarantine(pseudonymOf(A))).toMatchObject({
      revision: 3,
      errorName: 'RevisionOrderError',
      errorMessage: 'event out of revision order (expected revision 2, got 3)',
    });
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(1);
    expect(queries.currentPlan(pseudonymOf(C))).toBeDefined();
  });

  it('quarantines a stream whose earlier events no longer fold when its state must be read again', async () => {
    const events = patientEvents(A, 0);
    await append(env.store, A, events.slice(0, -1));
    const db = env.openDb('refold.db');
    await new Projector(env.store, db, { clock }).catchUp();
    const result = await append(env.store, A, events.slice(-1), events.length - 1);
    // A restarted node (empty cache) whose code cannot read A's first event any more...
    const unreadable = await readDifferently(env.store, streamOf(A), (e) =>
      e.revision === 0n ? { ...e, data: {} } : e,
    );
    // ...and whose read models hold the chain head as that code reads it (else the difference
    // would be found first, as a stream rewritten after it was projected).
    const [head] = await unreadable.readStream(streamOf(A), {
      fromRevision: BigInt(events.length - 2),
      maxCount: 1,
    });
    db.prepare('UPDATE stream_heads SET hash = ? WHERE stream_name = ?').run(
      head!.integrity!.hash,
      streamOf(A),
    );
    const restarted = new Projector(unreadable, db, { clock });
    await restarted.catchUp();
    expect(restarted.streamReads).toBe(1);
    expect(createQueries(db).quarantine(pseudonymOf(A))).toMatchObject({
      revision: Number(result.nextExpectedRevision),
      errorName: 'EventSchemaError',
      errorMessage: expect.stringMatching(
        /^an earlier event of the stream could not be folded again \(at revision 0\): /,
      ) as string,
    });
    expect(createQueries(db).currentPlan(pseudonymOf(A))?.version).toBe(events.length - 2);
  });

  it('skips, counts and logs an unreadable access record and applies the others of its stream', async () => {
    await append(env.store, A, patientEvents(A, 0));
    const stream = accessLogStreamName('node-1', '2026-03-03');
    const record = (n: number): AccessRecord => ({
      accessId: `6f1c1a52-4a77-4d4b-9a59-${String(n).padStart(12, '0')}`,
      pseudonym: pseudonymOf(A),
      at: '2026-03-03T03:00:00.000Z',
      action: 'READ_CURRENT',
      user: actors.hapDoctor,
      clientSystem: 'HAP-systeem',
      purpose: 'EMERGENCY',
      outcome: 'GRANTED',
      basis: 'CONSENT',
      flagged: false,
    });
    const accessEvent = (data: unknown, n: number) => ({
      id: record(n).accessId,
      type: ACCESS_LOG_EVENT_TYPE,
      data,
      metadata: {},
    });
    await appendRaw(env.store, stream, accessEvent(record(1), 1));
    const { user: _user, ...withoutUser } = record(2);
    await appendRaw(env.store, stream, accessEvent(withoutUser, 2));
    await appendRaw(env.store, stream, accessEvent(record(3), 3));

    const db = env.openDb('access.db');
    const logger = recordingLogger();
    const projector = new Projector(env.store, db, { logger, clock });
    await projector.start();
    expect(projector.status).toBe('live');
    const queries = createQueries(db);
    expect(queries.accessLog(pseudonymOf(A), undefined, 10).items.map((r) => r.record.accessId)).toEqual([
      record(1).accessId,
      record(3).accessId,
    ]);
    expect(projector.skippedAccessRecords).toBe(1);
    expect(queries.quarantined()).toEqual([
      expect.objectContaining({
        streamName: stream,
        pseudonym: undefined,
        revision: 1,
        errorName: 'ZodError',
        errorMessage: 'event could not be parsed: user invalid_type',
      }),
    ]);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ streamName: stream, revision: 1 }) as object,
      }),
    ]);
    // Access-log streams are not patients: a patient's reads are not refused for it.
    expect(queries.quarantine(pseudonymOf(A))).toBeUndefined();
    await projector.stop();
  });

  it('a batch whose write fails commits nothing, its quarantines included; run again, it commits them', async () => {
    await appendScenario();
    const db = env.openDb('crash.db');
    // C's last event comes after B's and D's unreadable ones, in the same (only) batch.
    const last = (await env.store.readAll()).filter((e) => e.streamName === streamOf(C)).at(-1)!;
    db.exec(`CREATE TRIGGER crash BEFORE INSERT ON patient_index
             WHEN CAST(NEW.last_position AS INTEGER) >= ${last.position}
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const projector = new Projector(env.store, db, { clock });
    await expect(projector.catchUp()).rejects.toThrow(/disk on fire/);
    expect(projector.position).toBeUndefined();
    expect(projector.quarantinedCount).toBe(0);
    expect(projector.quarantineOf(streamOf(B))).toBeUndefined();
    expect(createQueries(db).quarantined()).toEqual([]);
    expect(createQueries(db).planCount()).toBe(0);

    db.exec('DROP TRIGGER crash');
    await projector.catchUp();
    expect(projector.quarantinedCount).toBe(2);
    expect(projector.quarantineOf(streamOf(B))).toEqual(createQueries(db).quarantine(pseudonymOf(B)));
    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { clock }).catchUp();
    expect(dump(db)).toEqual(dump(fresh));
  });
});
