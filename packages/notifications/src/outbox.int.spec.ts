import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  accessLogStreamName,
  ACCESS_LOG_EVENT_TYPE,
  Bsn,
  pseudonymFor,
  streamNameFor,
  type Actor,
  type PzpEvent,
} from '@pzp/domain';
import {
  actors,
  asParty,
  idSequence,
  organizations,
  patientParty,
  PlanRecorder,
  syntheticBsn,
} from '@pzp/domain/testing';
import { ENDPOINT_REGISTERED, ENDPOINTS_STREAM } from './endpoints.js';
import { SqliteEventStore } from '@pzp/event-store';
import { openOutboxDb, outboxStatements } from './outbox-db.js';
import { Outbox, type PlanChange } from './outbox.js';

const SECRET = 'outbox-test-secret-0123456789abcdef0123';

async function recordPatient(store: SqliteEventStore, n: number, regiebehandelaar?: Actor) {
  const bsn = Bsn.parse(syntheticBsn(6000 + n));
  const recorder = new PlanRecorder(idSequence(n + 1));
  recorder.run(
    'RecordConversation',
    {
      conversationId: `conv-${n}`,
      patient: { bsn, name: `Patiënt ${n}`, birthDate: '1940-01-01' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  if (regiebehandelaar)
    recorder.run(
      'AssignRole',
      {
        assignmentId: `regie-${n}`,
        role: 'REGIEBEHANDELAAR',
        practitioner: {
          id: regiebehandelaar.id,
          name: regiebehandelaar.name,
          profession: regiebehandelaar.profession,
        },
        organization: regiebehandelaar.organization,
        from: '2026-03-02',
      },
      actors.gp,
      '2026-03-02T14:05:00+01:00',
    );
  await store.appendToStream(
    streamNameFor(pseudonymFor(bsn, SECRET)),
    recorder.events.map((e) => ({
      id: e.metadata.eventId,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
    })),
    { expectedRevision: 'no_stream' },
  );
  return pseudonymFor(bsn, SECRET);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the outbox', () => {
  it('carries on from the head of a store restored behind its checkpoint, skipping no new change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pzp-outbox-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    const db = openOutboxDb(join(dir, 'outbox.db'));
    await recordPatient(store, 1);
    // The outbox had worked far past what the (restored) store now holds.
    outboxStatements(db).writeCheckpoint(1_000_000n);
    const outbox = new Outbox(store, db);
    cleanups.push(async () => {
      await outbox.stop();
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const changes: PlanChange[] = [];
    outbox.onChanges((c) => changes.push(...c));
    await outbox.start();
    expect(outbox.position).toBe(await store.headPosition());

    const pseudonym = await recordPatient(store, 2);
    await outbox.waitFor((await store.headPosition())!);
    expect(changes.map((c) => c.pseudonym)).toEqual([pseudonym]);
  });
});

describe('a read by breaking the glass', () => {
  it("is told at once to the patient's regiebehandelaar, and to no one else", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pzp-outbox-btg-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    const db = openOutboxDb(join(dir, 'outbox.db'));
    const outbox = new Outbox(store, db);
    cleanups.push(async () => {
      await outbox.stop();
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const changes: PlanChange[] = [];
    outbox.onChanges((c) => changes.push(...c));
    await outbox.start();
    // The nursing home's elderly-care physician is regiebehandelaar; the hospital has an endpoint too.
    const pseudonym = await recordPatient(store, 3, actors.elderlyCarePhysician);
    const endpoint = (id: string, organization: Actor['organization']) => ({
      id: randomUUID(),
      type: ENDPOINT_REGISTERED,
      data: {
        endpointId: `ep_${id.repeat(32)}`,
        organization,
        url: 'http://127.0.0.1:9/hook',
        registeredBy: actors.gp,
        registeredAt: '2026-03-02T14:10:00+01:00',
      },
      metadata: {},
    });
    await store.appendToStream(
      ENDPOINTS_STREAM,
      [endpoint('a', organizations.nursingHome), endpoint('b', organizations.hospital)],
      {
        expectedRevision: 'any',
      },
    );
    const access = (purpose: string, flagged: boolean) => ({
      id: randomUUID(),
      type: ACCESS_LOG_EVENT_TYPE,
      data: {
        accessId: randomUUID(),
        pseudonym,
        at: '2026-03-03T03:00:00+01:00',
        action: 'READ_CURRENT',
        user: actors.sehDoctor,
        clientSystem: 'SEH-EPD',
        purpose,
        outcome: 'GRANTED',
        basis: flagged ? 'BREAK_THE_GLASS' : 'CONSENT',
        ...(flagged ? { breakGlassReason: 'Bewusteloos binnengebracht' } : {}),
        flagged,
      },
      metadata: {},
    });
    await store.appendToStream(
      accessLogStreamName('seh', '2026-03-03'),
      [access('EMERGENCY', false), access('BREAK_THE_GLASS', true)],
      { expectedRevision: 'any' },
    );
    await outbox.waitFor((await store.headPosition())!);

    const told = changes.filter((c) => c.kinds.includes('BREAK_THE_GLASS'));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ pseudonym, onlyOrganization: organizations.nursingHome.id });
    const rows = db.prepare('SELECT recipient, kinds FROM notices ORDER BY seq').all() as {
      recipient: string;
      kinds: string;
    }[];
    expect(rows.filter((r) => r.kinds.includes('BREAK_THE_GLASS'))).toEqual([
      { recipient: `ep_${'a'.repeat(32)}`, kinds: '["BREAK_THE_GLASS"]' },
    ]);
  });
});

describe('the checkpoint past events with nothing to tell', () => {
  it('waits to be written (no fsync per ordinary read), is written on stop, and a crash before then tells nothing twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pzp-outbox-defer-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    let db = openOutboxDb(join(dir, 'outbox.db'));
    cleanups.push(async () => {
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const registered = {
      id: randomUUID(),
      type: ENDPOINT_REGISTERED,
      data: {
        endpointId: `ep_${'c'.repeat(32)}`,
        organization: organizations.practice,
        url: 'http://127.0.0.1:9/hook',
        registeredBy: actors.gp,
        registeredAt: '2026-03-02T14:10:00+01:00',
      },
      metadata: {},
    };
    await store.appendToStream(ENDPOINTS_STREAM, [registered], { expectedRevision: 'any' });
    // Written on stop or with notices only: no timer may write it while the test looks.
    const noTimer = { checkpointDelayMs: 3_600_000 };
    let outbox = new Outbox(store, db, noTimer);
    await outbox.start();
    const pseudonym = await recordPatient(store, 4);
    await outbox.waitFor((await store.headPosition())!);
    const notices = () => (db.prepare('SELECT notice_id FROM notices').all() as unknown[]).length;
    expect(notices()).toBe(1);
    const told = outboxStatements(db).readCheckpoint();
    expect(told).toBe(await store.headPosition());

    // Ordinary reads: access records, nothing to tell anyone.
    const read = () => ({
      id: randomUUID(),
      type: ACCESS_LOG_EVENT_TYPE,
      data: {
        accessId: randomUUID(),
        pseudonym,
        at: '2026-03-03T10:00:00+01:00',
        action: 'READ_CURRENT',
        user: actors.gp,
        clientSystem: 'HIS',
        purpose: 'TREATMENT',
        outcome: 'GRANTED',
        basis: 'REGISTERED_GP_PRACTICE',
        flagged: false,
      },
      metadata: {},
    });
    await store.appendToStream(accessLogStreamName('n1', '2026-03-03'), [read(), read()], {
      expectedRevision: 'any',
    });
    const head = (await store.headPosition())!;
    await outbox.waitFor(head);
    expect(outbox.position).toBe(head);
    expect(outboxStatements(db).readCheckpoint()).toBe(told);

    // A crash now: the next outbox reads those reads again, and again finds nothing to tell.
    const crashed = outbox;
    cleanups.push(() => crashed.stop()); // its file is closed under it: it can write nothing more
    db.close();
    db = openOutboxDb(join(dir, 'outbox.db'));
    outbox = new Outbox(store, db, noTimer);
    await outbox.start();
    expect(outbox.position).toBe(head);
    expect(notices()).toBe(1);
    // Stopping writes what was deferred.
    await outbox.stop();
    expect(outboxStatements(db).readCheckpoint()).toBe(head);
    expect(notices()).toBe(1);
  });
});

describe('a write the write path has just folded', () => {
  /** A patient's conversation before the outbox starts, and a life wish recorded after. */
  async function setUp(knownHash: (hash: string) => string) {
    const dir = mkdtempSync(join(tmpdir(), 'pzp-outbox-known-'));
    const store = SqliteEventStore.open(join(dir, 'events.db'));
    const db = openOutboxDb(join(dir, 'outbox.db'));
    const bsn = Bsn.parse(syntheticBsn(6100));
    const streamName = streamNameFor(pseudonymFor(bsn, SECRET));
    const recorder = new PlanRecorder(idSequence(90));
    recorder.run(
      'RecordConversation',
      {
        conversationId: 'conv-known',
        patient: { bsn, name: 'Patiënt bekend', birthDate: '1940-01-01' },
        date: '2026-03-02',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      },
      actors.gp,
      '2026-03-02T14:00:00+01:00',
    );
    const before = recorder.state;
    const wish = recorder.run(
      'RecordLifeWish',
      { wishId: 'w-1', text: 'Thuis blijven' },
      actors.gp,
      '2026-03-02T15:00:00+01:00',
    );
    const toAppend = (events: readonly PzpEvent[]) =>
      events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata }));
    await store.appendToStream(streamName, toAppend(recorder.events.slice(0, -wish.length)), {
      expectedRevision: 'no_stream',
    });
    // What handleCommand leaves, as it read the stream: its state and last event's hash.
    const stored = await store.readStream(streamName);
    const known = new Map([[streamName, { state: before, hash: knownHash(stored.at(-1)!.integrity!.hash) }]]);
    const streamReads: string[] = [];
    const watched = Object.create(store, {
      readStream: {
        value: (name: string, options?: object) => {
          if (name === streamName) streamReads.push(name);
          return store.readStream(name, options);
        },
      },
    }) as SqliteEventStore;
    const outbox = new Outbox(watched, db, {
      folded: { get: (name) => known.get(name) },
    });
    cleanups.push(async () => {
      await outbox.stop();
      db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const changes: PlanChange[] = [];
    outbox.onChanges((c) => changes.push(...c));
    await outbox.start();
    await store.appendToStream(streamName, toAppend(wish), { expectedRevision: BigInt(before.version) });
    await outbox.waitFor((await store.headPosition())!);
    return { changes, streamReads, version: before.version + wish.length };
  }

  it('is folded onto the state it left, without reading the stream again', async () => {
    const { changes, streamReads, version } = await setUp((hash) => hash);
    expect(changes).toMatchObject([{ version, kinds: ['PLAN_UPDATED'] }]);
    expect(streamReads).toEqual([]);
  });

  it('is folded from the stream when the state left does not end where the new events follow on', async () => {
    const { changes, streamReads, version } = await setUp(
      (hash) => `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`,
    );
    expect(changes).toMatchObject([{ version, kinds: ['PLAN_UPDATED'] }]);
    expect(streamReads).toHaveLength(1);
  });
});
