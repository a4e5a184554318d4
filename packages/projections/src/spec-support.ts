/** Helpers shared by this package's integration tests (not exported by the package). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bsn, pseudonymFor, streamNameFor, type PzpEvent } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import {
  eventHash,
  SqliteEventStore,
  type AppendResult,
  type EventStore,
  type ReadAllOptions,
  type StreamEvent,
} from '@pzp/event-store';
import { buildRegion, PatientRun } from '../../../scripts/lib/region.js';
import type { ProjectorLogger } from './projector.js';
import { openReadModelDb, type ReadModelDb } from './read-model-db.js';

export const SECRET = 'projector-test-secret-0123456789abcdef';
export const BSNS = ['111222333', '123456782', '999990019'];
/** A fourth patient, for tests that need one more. */
export const EXTRA_BSN = '999999990';

export const pseudonymOf = (bsn: string): string => pseudonymFor(Bsn.parse(bsn), SECRET);
export const streamOf = (bsn: string): string => streamNameFor(pseudonymOf(bsn));

/** A scratch directory with an event store and read-model files in it; close() removes it all. */
export function testEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-projector-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const dbs: ReadModelDb[] = [];
  return {
    dir,
    store,
    openDb(name: string): ReadModelDb {
      const db = openReadModelDb(join(dir, name));
      dbs.push(db);
      return db;
    },
    async close() {
      for (const db of dbs.splice(0)) if (db.open) db.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A conversation with the GP, then a nurse's provisional limit: 1 + several events per patient.
 * With `regiebehandelaar`, the GP takes that role in between (so the plan falls due for review
 * at her practice).
 */
export function patientEvents(bsn: string, n: number, { regiebehandelaar = false } = {}): PzpEvent[] {
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
  if (regiebehandelaar) {
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
    );
  }
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

/** Appends a patient's events, the first of them at stream revision `from`. */
export async function append(
  target: EventStore,
  bsn: string,
  events: readonly PzpEvent[],
  from = 0,
): Promise<AppendResult> {
  return target.appendToStream(
    streamOf(bsn),
    events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
    { expectedRevision: from === 0 ? 'no_stream' : BigInt(from - 1) },
  );
}

/** Appends one event as given, unchecked: how an unreadable event gets into a stream. */
export async function appendRaw(
  target: EventStore,
  streamName: string,
  event: { id: string; type: string; data: unknown; metadata: unknown },
): Promise<AppendResult> {
  return target.appendToStream(streamName, [event], { expectedRevision: 'any' });
}

/**
 * Appends a generated region (scripts/lib/region.ts: the real decider, deterministic) as the
 * seeder does: one append per command, patients' commands round-robin, so streams interleave.
 * Returns the number of events.
 */
export async function appendRegion(target: EventStore, patients: number, seed = 1): Promise<number> {
  const region = buildRegion({ patients, seed });
  let active = Array.from({ length: patients }, (_, i) => new PatientRun(region, i));
  let events = 0;
  while (active.length > 0) {
    const still: PatientRun[] = [];
    for (const run of active) {
      const decided = run.next();
      if (decided === undefined) continue;
      still.push(run);
      if (decided.events.length === 0) continue;
      await target.appendToStream(
        streamNameFor(pseudonymFor(Bsn.parse(run.bsn), SECRET)),
        decided.events.map((e) => ({
          id: e.metadata.eventId,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
        })),
        { expectedRevision: decided.expectedVersion < 0 ? 'no_stream' : BigInt(decided.expectedVersion) },
      );
      events += decided.events.length;
    }
    active = still;
  }
  return events;
}

/** Every row of every table, rowids included where a table has them: the file's content, byte for byte. */
export function dumpExact(db: ReadModelDb): Record<string, unknown[]> {
  const tables = db
    .prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();
  return Object.fromEntries(
    tables.map(({ name, sql }) => {
      const query = /WITHOUT ROWID/i.test(sql)
        ? `SELECT * FROM ${name} ORDER BY 1, 2`
        : `SELECT rowid AS "rowid", * FROM ${name} ORDER BY rowid`;
      return [name, db.prepare(query).all()];
    }),
  );
}

/** Every row of every read model, the checkpoint and the quarantine, for comparing two databases. */
export function dump(db: ReadModelDb) {
  const tables = [
    'current_plans',
    'patient_index',
    'review_due',
    'roles',
    'access_log',
    'read_model_meta',
    'stream_heads',
    'quarantined_streams',
  ];
  return {
    ...Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()])),
    checkpoints: db.prepare('SELECT * FROM checkpoints ORDER BY name').all(),
  };
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger that keeps what it is told. */
export function recordingLogger(): ProjectorLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

/**
 * The store as read by a node whose code sees some events of one stream differently (`change`
 * maps each event to what that code reads, e.g. a fixed upcaster, or one that no longer reads an
 * old event). Its events are re-chained as they read, so the hash chain holds for them: what
 * differs is the code, not the stored bytes. Only events stored when this is called are changed.
 */
export async function readDifferently(
  store: EventStore,
  streamName: string,
  change: (e: StreamEvent) => StreamEvent,
): Promise<EventStore> {
  let previous: string | null = null;
  const byId = new Map<string, StreamEvent>();
  for (const stored of await store.readStream(streamName)) {
    const read = change(stored);
    const hash = eventHash(read, previous);
    byId.set(stored.id, { ...read, integrity: { hash, previous } });
    previous = hash;
  }
  const as = <T extends StreamEvent>(e: T): T => {
    const read = byId.get(e.id);
    return read === undefined ? e : { ...e, ...read };
  };
  const view: EventStore = Object.create(store) as EventStore;
  view.readAll = async (options?: ReadAllOptions) => (await store.readAll(options)).map(as);
  view.readStream = async (...args: Parameters<EventStore['readStream']>) =>
    (await store.readStream(...args)).map(as);
  return view;
}

/**
 * One patient's plan through most of what view.ts and history.ts render: a first conversation with
 * directives (one with conditions), a wish, a place of death, a representative and consents; the
 * GP as regiebehandelaar; a nurse's provisional limit and its confirmation; a wish entered in error;
 * a withdrawn consent; a handover; and a review.
 */
export function goldenStream(): PzpEvent[] {
  const recorder = new PlanRecorder(idSequence(7));
  recorder.run(
    'RecordConversation',
    {
      conversationId: 'conv-golden',
      patient: { bsn: Bsn.parse(bsns[0]), name: 'Patiënt Golden', birthDate: '1938-05-17' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        {
          treatment: { code: '40617009' },
          decision: 'ANDERS',
          specification: 'Alleen bij een longontsteking',
        },
      ],
      lifeWishes: [{ wishId: 'wish-home', text: 'Zo lang mogelijk thuis blijven' }],
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      capacity: { hasCapacity: true },
      contactPersons: [
        { contactId: 'contact-1', name: 'J. Golden', role: '24', relationship: 'CHILD', phone: '0612345678' },
      ],
      sharingConsents: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: 'GRANTED' },
      ],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: 'regie-1',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-03-02',
    },
    actors.gp,
    '2026-03-02T15:00:00+01:00',
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
  recorder.run(
    'ConfirmTreatmentDirective',
    { treatment: { code: '305351004' }, confirmedOn: '2026-03-05' },
    actors.gp,
    '2026-03-05T09:00:00+01:00',
  );
  recorder.run(
    'RecordLifeWish',
    { wishId: 'wish-music', text: 'Muziek van Bach' },
    actors.gp,
    '2026-03-05T10:00:00+01:00',
  );
  const wish = recorder.events.find((e) => e.type === 'LifeWishRecorded' && e.data.wishId === 'wish-music')!;
  recorder.run(
    'MarkEnteredInError',
    { changeId: wish.metadata.eventId, reason: 'Bij de verkeerde patiënt vastgelegd' },
    actors.gp,
    '2026-03-06T09:00:00+01:00',
  );
  recorder.run(
    'WithdrawSharingConsent',
    { organizationType: 'SEH', withdrawnOn: '2026-03-10', reason: 'Wil het zelf vertellen' },
    actors.gp,
    '2026-03-10T09:00:00+01:00',
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: 'regie-2',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gpColleague,
      organization: actors.gpColleague.organization,
      from: '2026-06-01',
    },
    actors.gp,
    '2026-06-01T09:00:00+02:00',
  );
  recorder.run(
    'ConfirmPlanReviewed',
    { reviewedOn: '2026-06-02' },
    actors.gpColleague,
    '2026-06-02T09:00:00+02:00',
  );
  return recorder.events;
}
