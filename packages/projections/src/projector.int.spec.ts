import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bsn, pseudonymFor, streamNameFor, type PzpEvent } from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore, type ReadAllOptions } from '@pzp/event-store';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import { openReadModelDb, type ReadModelDb } from './read-model-db.js';

const SECRET = 'projector-test-secret-0123456789abcdef';
const BSNS = ['111222333', '123456782', '999990019'];

let dir: string;
let store: SqliteEventStore;
const dbs: ReadModelDb[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-projector-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
});
afterEach(async () => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function openDb(name: string): ReadModelDb {
  const db = openReadModelDb(join(dir, name));
  dbs.push(db);
  return db;
}

/** A conversation with the GP, then a nurse's provisional limit: 1 + several events per patient. */
function patientEvents(bsn: string, n: number): PzpEvent[] {
  const recorder = new PlanRecorder(idSequence(n + 1));
  recorder.run(
    'RecordConversation',
    {
      conversationId: `conv-${n}`,
      patient: { bsn: Bsn.parse(bsn), name: `Patiënt ${n}`, birthDate: '1940-01-01' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        { treatment: { code: '40617009' }, decision: 'NIET' },
      ],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
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
  );
  return recorder.events;
}

async function append(target: EventStore, bsn: string, events: PzpEvent[], from = 0) {
  const streamName = streamNameFor(pseudonymFor(Bsn.parse(bsn), SECRET));
  return target.appendToStream(
    streamName,
    events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
    { expectedRevision: from === 0 ? 'no_stream' : BigInt(from - 1) },
  );
}

/** Every row of every read model, for comparing two databases. */
function dump(db: ReadModelDb) {
  const tables = ['current_plans', 'change_history', 'patient_index', 'review_due', 'roles'];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()]));
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
    const history = createQueries(db).history(pseudonymFor(Bsn.parse(BSNS[0]!), SECRET), -1, 100);
    expect(history.items.map((h) => h.revision)).toEqual(history.items.map((_, i) => i));
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

  it('stops loudly on an event it cannot read and commits nothing of that batch', async () => {
    const good = patientEvents(BSNS[0]!, 0);
    await append(store, BSNS[0]!, good);
    const streamName = streamNameFor(pseudonymFor(Bsn.parse(BSNS[1]!), SECRET));
    await store.appendToStream(
      streamName,
      [
        {
          id: '6f1c1a52-4a77-4d4b-9a59-3c2a1d1e0f00',
          type: 'TreatmentDirectiveSet',
          data: { nonsense: true },
          metadata: {},
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const db = openDb('broken.db');
    const projector = new Projector(store, db, { batchSize: good.length });
    await expect(projector.catchUp()).rejects.toThrow();
    expect(projector.position).toBe((await store.readAll())[good.length - 1]!.position);
    expect(createQueries(db).planCount()).toBe(1);
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
});
