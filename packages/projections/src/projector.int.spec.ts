import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_EVENT_TYPE,
  Bsn,
  accessLogStreamName,
  pseudonymFor,
  streamNameFor,
  type AccessRecord,
  type PzpEvent,
} from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import type { EventStore, ReadAllOptions, SqliteEventStore } from '@pzp/event-store';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import type { ReadModelDb } from './read-model-db.js';
import { append, BSNS, dump, patientEvents, SECRET, testEnv } from './spec-support.js';

let env: ReturnType<typeof testEnv>;
let store: SqliteEventStore;

beforeEach(() => {
  env = testEnv();
  store = env.store;
});
afterEach(() => env.close());

const openDb = (name: string): ReadModelDb => env.openDb(name);

/**
 * A patient's plan over a year, one command per append: a conversation, the GP as
 * regiebehandelaar, a nurse's provisional limit and its confirmation, a wish entered in error, a
 * handover to a colleague (role ended, review requested) and a review.
 */
function yearOfPlan(bsn: string, n: number): PzpEvent[][] {
  const recorder = new PlanRecorder(idSequence(100 + n));
  const appends = [
    recorder.run(
      'RecordConversation',
      {
        conversationId: `conv-${n}`,
        patient: { bsn: Bsn.parse(bsn), name: `Patiënt ${n}`, birthDate: '1940-01-01' },
        date: '2026-03-02',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        lifeWishes: [{ wishId: `wish-${n}`, text: 'Thuis blijven' }],
        sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
      },
      actors.gp,
      '2026-03-02T14:00:00+01:00',
    ),
    recorder.run(
      'AssignRole',
      {
        assignmentId: `regie-${n}`,
        role: 'REGIEBEHANDELAAR',
        practitioner: actors.gp,
        organization: actors.gp.organization,
        from: '2026-03-02',
      },
      actors.gp,
      '2026-03-02T15:00:00+01:00',
    ),
    recorder.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '305351004' },
        decision: 'NIET',
        decidedOn: '2026-03-04',
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      '2026-03-04T10:00:00+01:00',
    ),
    recorder.run(
      'ConfirmTreatmentDirective',
      { treatment: { code: '305351004' }, confirmedOn: '2026-03-05' },
      actors.gp,
      '2026-03-05T09:00:00+01:00',
    ),
  ];
  const wish = recorder.events.find((e) => e.type === 'LifeWishRecorded')!;
  appends.push(
    recorder.run(
      'MarkEnteredInError',
      { changeId: wish.metadata.eventId, reason: 'Bij de verkeerde patiënt vastgelegd' },
      actors.gp,
      '2026-03-06T09:00:00+01:00',
    ),
    recorder.run(
      'AssignRole',
      {
        assignmentId: `regie-${n}-2`,
        role: 'REGIEBEHANDELAAR',
        practitioner: actors.gpColleague,
        organization: actors.gpColleague.organization,
        from: '2026-06-01',
      },
      actors.gp,
      '2026-06-01T09:00:00+02:00',
    ),
    recorder.run(
      'ConfirmPlanReviewed',
      { reviewedOn: '2026-06-02' },
      actors.gpColleague,
      '2026-06-02T09:00:00+02:00',
    ),
  );
  return appends;
}

function accessRecord(pseudonym: string, n: number): AccessRecord {
  return {
    accessId: `6f1c1a52-4a77-4d4b-9a59-${String(n).padStart(12, '0')}`,
    pseudonym,
    at: '2026-03-03T03:00:00.000Z',
    action: 'READ_CURRENT',
    user: actors.hapDoctor,
    clientSystem: 'HAP-systeem',
    purpose: 'EMERGENCY',
    outcome: 'GRANTED',
    basis: 'CONSENT',
    flagged: false,
    planVersion: n,
  };
}

/** Beyond the fixture BSNs the pseudonym secret varies: still valid streams, distinct patients. */
const regionPseudonym = (n: number) =>
  pseudonymFor(Bsn.parse(BSNS[n % BSNS.length]!), `${SECRET}-${Math.floor(n / BSNS.length)}`);

/** Several patients' years, appended round-robin so their events interleave, with access records between. */
async function appendRegion(target: EventStore, patients: number, first = 0): Promise<number> {
  const plans = Array.from({ length: patients }, (_, i) => {
    const n = first + i;
    return { pseudonym: regionPseudonym(n), appends: yearOfPlan(BSNS[n % BSNS.length]!, n), revision: -1n };
  });
  let total = 0;
  for (let round = 0; plans.some((p) => round < p.appends.length); round++) {
    for (const plan of plans) {
      const events = plan.appends[round];
      if (!events) continue;
      const result = await target.appendToStream(
        streamNameFor(plan.pseudonym),
        events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: plan.revision < 0n ? 'no_stream' : plan.revision },
      );
      plan.revision = result.nextExpectedRevision;
      total += events.length;
      if (round === 1) {
        await target.appendToStream(
          accessLogStreamName('node-1', '2026-03-03'),
          [
            {
              id: accessRecord(plan.pseudonym, total).accessId,
              type: ACCESS_LOG_EVENT_TYPE,
              data: accessRecord(plan.pseudonym, total),
              metadata: {},
            },
          ],
          { expectedRevision: 'any' },
        );
        total += 1;
      }
    }
  }
  return total;
}

/** The store as it was up to `position`: what the read models should hold at that checkpoint. */
function storeUpTo(target: EventStore, position: bigint): EventStore {
  const limited: EventStore = Object.create(target) as EventStore;
  limited.readAll = async (options: ReadAllOptions = {}) =>
    (await target.readAll(options)).filter((e) => e.position <= position);
  return limited;
}

describe('Projector', () => {
  it('resumes after a restart from its checkpoint and ends identical to a from-scratch rebuild', async () => {
    const [a, b, c] = BSNS.map((bsn, i) => patientEvents(bsn, i));
    await append(store, BSNS[0]!, a!);
    await append(store, BSNS[1]!, b!.slice(0, 1));

    const db = openDb('resume.db');
    const first = new Projector(store, db);
    expect(await first.catchUp()).toBe(a!.length + 1);
    const checkpoint = first.position;
    db.close();

    await append(store, BSNS[1]!, b!.slice(1), 1);
    await append(store, BSNS[2]!, c!);

    const reopened = openDb('resume.db');
    const second = new Projector(store, reopened);
    expect(second.position).toBe(checkpoint);
    // Only what came after the checkpoint is read again.
    expect(await second.catchUp()).toBe(b!.length - 1 + c!.length);

    const fresh = openDb('fresh.db');
    await new Projector(store, fresh).catchUp();
    expect(dump(reopened)).toEqual(dump(fresh));
    expect(createQueries(reopened).planCount()).toBe(3);
  });

  it("skips other systems' streams in a shared store, whatever they hold, and never stops on them", async () => {
    const foreign = async (stream: string, type: string, data: unknown) =>
      store.appendToStream(stream, [{ id: crypto.randomUUID(), type, data, metadata: {} }], {
        expectedRevision: 'any',
      });
    await foreign('orders-1', 'OrderPlaced', { anything: true });
    for (const [i, bsn] of BSNS.entries()) {
      await append(store, bsn, patientEvents(bsn, i));
      // A stream that looks almost like ours, and an access-log event type in a stream that is not.
      await foreign(`pzp${i}-lookalike`, 'ConversationRecorded', 'not even an object');
      await foreign(`other-${i}`, ACCESS_LOG_EVENT_TYPE, { bsn });
    }
    const mixed = openDb('mixed.db');
    const projector = new Projector(store, mixed);
    await projector.catchUp();
    expect(projector.position).toBe(await store.headPosition());
    expect(createQueries(mixed).quarantined()).toEqual([]);

    // The same plans as from a store holding only the registry's streams (positions aside).
    const onlyOurs = testEnv();
    try {
      for (const [i, bsn] of BSNS.entries()) await append(onlyOurs.store, bsn, patientEvents(bsn, i));
      const clean = onlyOurs.openDb('clean.db');
      await new Projector(onlyOurs.store, clean).catchUp();
      for (const bsn of BSNS) {
        const pseudonym = pseudonymFor(Bsn.parse(bsn), SECRET);
        const shown = createQueries(mixed).currentPlan(pseudonym);
        expect(shown).toBeDefined();
        expect(shown).toEqual(createQueries(clean).currentPlan(pseudonym));
      }
    } finally {
      await onlyOurs.close();
    }
  });

  it('ignores events delivered again (redelivery after a reconnect) and skips none', async () => {
    for (const [i, bsn] of BSNS.entries()) await append(store, bsn, patientEvents(bsn, i));
    // A store that re-sends the last two events before every page, as a reconnecting subscription may.
    const redelivering: EventStore = Object.create(store) as EventStore;
    redelivering.readAll = async (options: ReadAllOptions = {}) => {
      const page = await store.readAll(options);
      if (options.fromPosition === undefined || page.length === 0) return page;
      const before = (await store.readAll()).filter((e) => e.position <= options.fromPosition!).slice(-2);
      return [...before, ...page];
    };
    const db = openDb('redelivered.db');
    await new Projector(redelivering, db, { batchSize: 3 }).catchUp();

    const clean = openDb('clean.db');
    await new Projector(store, clean).catchUp();
    expect(dump(db)).toEqual(dump(clean));
  });

  it('follows live appends and lets a writer wait until its own append is readable', async () => {
    const db = openDb('live.db');
    const projector = new Projector(store, db);
    await projector.start();
    expect(projector.status).toBe('live');

    const result = await append(store, BSNS[0]!, patientEvents(BSNS[0]!, 0));
    await projector.waitFor(result.position);
    const plan = createQueries(db).currentPlan(pseudonymFor(Bsn.parse(BSNS[0]!), SECRET));
    expect(plan?.view.treatmentDirectives.find((d) => d.key === '305351004')?.status).toBe('PROVISIONAL');
    expect(await projector.isCaughtUp()).toBe(true);

    await expect(projector.waitFor(result.position + 1000n, 50)).rejects.toThrow(/did not reach/);
    await projector.stop();
  });

  it('rebuild drops the read models and replays every event', async () => {
    for (const [i, bsn] of BSNS.entries()) await append(store, bsn, patientEvents(bsn, i));
    const db = openDb('rebuild.db');
    const projector = new Projector(store, db);
    await projector.catchUp();
    const before = dump(db);
    db.exec("UPDATE current_plans SET view = '{}'"); // a damaged read model
    expect(await projector.rebuild()).toBe((await store.readAll()).length);
    expect(dump(db)).toEqual(before);
  });

  it('a rebuild in big batches writes exactly the rows of applying the events a few at a time', async () => {
    const total = await appendRegion(store, 7);

    const big = openDb('big.db');
    expect(await new Projector(store, big).rebuild()).toBe(total);

    // One event per transaction, the way live mode meets them.
    const single = openDb('single.db');
    await new Projector(store, single, { batchSize: 1 }).catchUp();
    expect(dump(big)).toEqual(dump(single));

    // Small batches with a cache of one event: states are folded again from the store all the time.
    const forgetful = openDb('forgetful.db');
    await new Projector(store, forgetful, { batchSize: 4, cacheEvents: 1 }).catchUp();
    expect(dump(big)).toEqual(dump(forgetful));

    // Live: every append applied as it comes.
    const live = openDb('live.db');
    const follower = new Projector(store, live);
    await follower.start();
    const more = await appendRegion(store, 2, 7);
    await follower.waitFor((await store.headPosition())!);
    await follower.stop();
    expect(await new Projector(store, big).catchUp()).toBe(more);
    expect(dump(big)).toEqual(dump(live));

    // The big batches did fold corrections and handovers: the rows say so.
    const queries = createQueries(big);
    const pseudonym = regionPseudonym(0);
    expect(queries.currentPlan(pseudonym)?.view.lifeWishes).toEqual([]);
    expect(queries.rolesOf(pseudonym).map((r) => r.practitioner.id)).toEqual([actors.gpColleague.id]);
    expect(queries.reviewsDue(actors.gp.organization.id, '2030-01-01', 100).items).toHaveLength(9);
    expect(queries.accessLog(pseudonym, undefined, 10).items).toHaveLength(1);
  });

  it('a write failing mid-batch leaves rows and checkpoint as they were, and the projector resumes', async () => {
    await appendRegion(store, 4);
    const db = openDb('crash.db');
    // A write that fails part-way through the third batch, after rows of that batch were written.
    const failAt = (await store.readAll()).slice(2 * 9 + 3).find((e) => e.streamName.startsWith('pzp-'))!;
    db.exec(`CREATE TRIGGER crash BEFORE INSERT ON patient_index
             WHEN CAST(NEW.last_position AS INTEGER) >= ${failAt.position}
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const projector = new Projector(store, db, { batchSize: 9 });
    await expect(projector.catchUp()).rejects.toThrow(/disk on fire/);

    const committed = (await store.readAll())[2 * 9 - 1]!.position;
    expect(projector.position).toBe(committed);
    const reference = openDb('reference.db');
    await new Projector(storeUpTo(store, committed), reference, { batchSize: 9 }).catchUp();
    expect(dump(db)).toEqual(dump(reference));

    // The same projector carries on (its cache holds only what was committed), as does a new one.
    db.exec('DROP TRIGGER crash');
    await projector.catchUp();
    const clean = openDb('clean.db');
    await new Projector(store, clean).catchUp();
    expect(dump(db)).toEqual(dump(clean));
  });

  it('a rebuild that fails half-way leaves the secondary indexes in place', async () => {
    await appendRegion(store, 3);
    const db = openDb('indexes.db');
    const indexes = () =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        .all();
    const before = indexes();
    expect(before.length).toBeGreaterThan(0);
    db.exec(
      `CREATE TRIGGER crash BEFORE INSERT ON current_plans BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    await expect(new Projector(store, db).rebuild()).rejects.toThrow(/disk on fire/);
    expect(indexes()).toEqual(before);
  });
});
