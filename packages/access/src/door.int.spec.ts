import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand, VersionConflictError } from '@pzp/application';
import { DomainError, pseudonymFor, streamNameFor, type Actor, type Bsn, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore, type ReadStreamOptions } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb, type Queries, type ReadModelDb } from '@pzp/projections';
import { AccessLogWriter, type NewAccessRecord } from './access-log.js';
import { openRecords, type Caller, type RecordDoor } from './door.js';
import { AccessDeniedError, InvalidRequestError, RecordUnavailableError } from './errors.js';

/** The door on a real embedded store and real read models, with the access records it writes. */

const SECRET = 'door-test-secret-0123456789abcdef0123';
const NOW = new Date('2026-06-01T10:00:00+02:00');
const pseudonymOf = (bsn: string) => pseudonymFor(bsn as Bsn, SECRET);

interface Node {
  readonly door: RecordDoor;
  readonly store: SqliteEventStore;
  readonly projector: Projector;
  readonly queries: Queries;
  readonly readModels: ReadModelDb;
  /** Every access record the door asked for, in order. */
  readonly logged: NewAccessRecord[];
  /** The pseudonyms whose plans the door looked up in the read models. */
  readonly planLoads: string[];
  /** The door's reads of patient streams (not the projector's). */
  readonly streamReads: { streamName: string; options: ReadStreamOptions | undefined }[];
  /** Resolves at the door's next read of a patient stream. */
  nextStreamRead(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/**
 * `appendPositionSkew`: the door's store reports append positions this far from the `$all`
 * position of the event written, as a server need not report that one.
 */
function node(options: { failingLog?: boolean; appendPositionSkew?: bigint } = {}): Node {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-door-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const queries = createQueries(db);
  const projector = new Projector(store, db);
  const clock = () => NOW;
  const writer = new AccessLogWriter(store, 'door-test', clock);
  const logged: NewAccessRecord[] = [];
  const planLoads: string[] = [];
  const doorQueries: Queries = Object.assign(Object.create(queries) as Queries, {
    currentPlan(pseudonym: string) {
      planLoads.push(pseudonym);
      return queries.currentPlan(pseudonym);
    },
    currentPlans(pseudonyms: readonly string[]) {
      planLoads.push(...pseudonyms);
      return queries.currentPlans(pseudonyms);
    },
  });
  const streamReads: Node['streamReads'] = [];
  let onRead: (() => void) | undefined;
  const doorStore: EventStore = Object.assign(Object.create(store) as EventStore, {
    readStream(streamName: string, readOptions?: ReadStreamOptions) {
      streamReads.push({ streamName, options: readOptions });
      onRead?.();
      return store.readStream(streamName, readOptions);
    },
    async appendToStream(...args: Parameters<EventStore['appendToStream']>) {
      const result = await store.appendToStream(...args);
      return { ...result, position: result.position + (options.appendPositionSkew ?? 0n) };
    },
  });
  const door: RecordDoor = {
    store: doorStore,
    queries: doorQueries,
    projector,
    accessLog: {
      record(entry) {
        logged.push(entry);
        return options.failingLog ? Promise.reject(new Error('disk full')) : writer.record(entry);
      },
      get lastPosition() {
        return writer.lastPosition;
      },
    },
    clock,
    pseudonymOf,
  };
  cleanups.push(async () => {
    await projector.stop();
    await writer.drain();
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    door,
    store,
    projector,
    queries,
    readModels: db,
    logged,
    planLoads,
    streamReads,
    nextStreamRead: () => new Promise<void>((resolve) => (onRead = resolve)),
  };
}

const callerOf = (actor: Actor): Caller => ({ actor, clientSystem: 'door-test', requestId: randomUUID() });

/** A plan started by the GP: consent for the HAP, none asked for the SEH, review due in 2026-04. */
async function startPlan(store: EventStore, bsn: string) {
  const command = {
    type: 'RecordConversation',
    data: {
      conversationId: `c-${bsn}`,
      patient: { bsn, name: 'Testpatiënt', birthDate: '1940-01-01' },
      date: '2026-01-10',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
      reviewAfterMonths: 3,
    },
    metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
  } as PzpCommand;
  return handleCommand(store, {
    streamName: streamNameFor(pseudonymOf(bsn)),
    command,
    expectedVersion: -1,
    sourceSystem: 'test',
  });
}

/** Settles with the promise's outcome, or 'pending' when it has not settled within a few ticks. */
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise<typeof pending>((r) => setTimeout(() => r(pending), 50)),
  ]);
  return result === pending ? 'pending' : result;
}

describe('a plan the read models do not hold (yet)', () => {
  it('is not "no plan" while this node has not applied it: the door waits for the read models', async () => {
    const n = node();
    const bsn = syntheticBsn(1);
    const written = await startPlan(n.store, bsn); // by another node: this node's projector is not running
    const read = n.nextStreamRead();
    const answer = openRecords(n.door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' });
    await read;
    expect(await stateOf(answer)).toBe('pending');
    await n.projector.start(); // only now does this node apply the patient's events
    const record = await answer;
    expect(record?.version).toBe(written.version);
    expect(record?.view.patient?.bsn).toBe(bsn);
    expect(n.streamReads).toEqual([
      { streamName: streamNameFor(pseudonymOf(bsn)), options: { direction: 'backwards', maxCount: 1 } },
    ]);
    expect(n.logged.map((l) => [l.outcome, l.basis, l.planVersion])).toEqual([
      ['GRANTED', 'OWN_GP_PRACTICE', written.version],
    ]);
  });

  it('decides access on the plan it waited for, not as if there were none (NEW_PATIENT)', async () => {
    const n = node();
    const bsn = syntheticBsn(2);
    await startPlan(n.store, bsn);
    const read = n.nextStreamRead();
    const answer = openRecords(n.door, callerOf(actors.sehDoctor)).current(bsn, { purpose: 'EMERGENCY' });
    await read;
    await n.projector.start();
    await expect(answer).rejects.toEqual(expect.objectContaining({ reason: 'NO_CONSENT' }));
    await expect(answer).rejects.toBeInstanceOf(AccessDeniedError);
    expect(n.logged.map((l) => [l.outcome, l.basis])).toEqual([['DENIED', 'NO_CONSENT']]);
  });

  it('answers null for a patient without a stream, after exactly one stream read', async () => {
    const n = node();
    await n.projector.start();
    const bsn = syntheticBsn(3);
    expect(await openRecords(n.door, callerOf(actors.hapDoctor)).current(bsn, { purpose: 'EMERGENCY' })).toBe(
      null,
    );
    expect(n.streamReads).toEqual([
      { streamName: streamNameFor(pseudonymOf(bsn)), options: { direction: 'backwards', maxCount: 1 } },
    ]);
    expect(n.logged.map((l) => [l.outcome, l.basis, l.planVersion])).toEqual([
      ['GRANTED', 'NEW_PATIENT', undefined],
    ]);
  });

  it('reads no stream when the read models hold the plan', async () => {
    const n = node();
    const bsn = syntheticBsn(4);
    await startPlan(n.store, bsn);
    await n.projector.start();
    expect(await openRecords(n.door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' })).not.toBe(
      null,
    );
    expect(n.streamReads).toEqual([]);
  });
});

describe('a quarantined patient', () => {
  /** A plan with an event at its end that the projector cannot read. */
  async function quarantined(n: Node, bsn: string, options: { firstEventBad?: boolean } = {}) {
    const streamName = streamNameFor(pseudonymOf(bsn));
    if (!options.firstEventBad) await startPlan(n.store, bsn);
    const [first] = options.firstEventBad ? [] : await n.store.readStream(streamName, { maxCount: 1 });
    const result = await n.store.appendToStream(
      streamName,
      [
        {
          id: randomUUID(),
          type: first?.type ?? 'PatientIdentified',
          data: { unreadable: true },
          metadata: first?.metadata ?? { recordedAt: NOW.toISOString(), schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'any' },
    );
    await n.projector.start();
    await n.projector.waitFor(result.position);
    expect(n.queries.quarantine(pseudonymOf(bsn))).toBeDefined();
  }

  it('is refused as unavailable for the plan, its as-of view, its history and a change; each attempt is logged', async () => {
    const n = node();
    const bsn = syntheticBsn(5);
    await quarantined(n, bsn);
    const streamName = streamNameFor(pseudonymOf(bsn));
    const stored = (await n.store.readStream(streamName)).length;
    const gp = openRecords(n.door, callerOf(actors.gp));
    const auditor = openRecords(n.door, callerOf(actors.auditor));
    const attempts = [
      () => gp.current(bsn, { purpose: 'TREATMENT' }),
      () => auditor.asOf(bsn, NOW, { purpose: 'AUDIT' }),
      () => auditor.history(bsn, { limit: 10, purpose: 'AUDIT' }),
      () =>
        gp.change(bsn, {
          expectedVersion: stored - 1,
          type: 'RecordLifeWish',
          data: { wishId: 'w-1', text: 'Thuis blijven' },
        }),
    ];
    for (const attempt of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordUnavailableError);
      expect((error as Error).message).not.toContain(bsn);
    }
    expect(n.logged.map((l) => [l.action, l.outcome, l.basis, l.planVersion])).toEqual([
      ['READ_CURRENT', 'DENIED', 'RECORD_UNAVAILABLE', undefined],
      ['READ_AS_OF', 'DENIED', 'RECORD_UNAVAILABLE', undefined],
      ['READ_HISTORY', 'DENIED', 'RECORD_UNAVAILABLE', undefined],
      ['WRITE', 'DENIED', 'RECORD_UNAVAILABLE', undefined],
    ]);
    // Nothing was written to the plan.
    expect(await n.store.readStream(streamName)).toHaveLength(stored);
    // Its access log is kept apart from the plan, so auditors still read it.
    const log = await auditor.accessLog(bsn, { limit: 50 });
    expect(log.items.map((i) => i.record.basis)).toContain('RECORD_UNAVAILABLE');
  });

  it('is refused by the policy first: a caller who may not see it learns nothing more', async () => {
    const n = node();
    const bsn = syntheticBsn(6);
    await quarantined(n, bsn);
    const answer = openRecords(n.door, callerOf(actors.sehDoctor)).current(bsn, { purpose: 'EMERGENCY' });
    await expect(answer).rejects.toBeInstanceOf(AccessDeniedError);
    expect(n.logged.map((l) => l.basis)).toEqual(['NO_CONSENT']);
  });

  it('is unavailable, not "no plan", when even its first event cannot be read', async () => {
    const n = node();
    const bsn = syntheticBsn(7);
    await quarantined(n, bsn, { firstEventBad: true });
    const answer = openRecords(n.door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' });
    await expect(answer).rejects.toBeInstanceOf(RecordUnavailableError);
  });
});

describe('access decisions and records', () => {
  it('logs a refusal before refusing, and flags a refused break-glass attempt', async () => {
    const n = node();
    const bsn = syntheticBsn(8);
    await startPlan(n.store, bsn);
    await n.projector.start();
    const seh = openRecords(n.door, callerOf(actors.sehDoctor));
    const error = await seh
      .current(bsn, { purpose: 'BREAK_THE_GLASS', breakGlassReason: 'kort' })
      .catch((e: unknown) => e);
    expect(error).toEqual(expect.objectContaining({ reason: 'BREAK_GLASS_REASON_REQUIRED' }));
    expect(n.logged).toEqual([
      expect.objectContaining({ outcome: 'DENIED', basis: 'BREAK_GLASS_REASON_REQUIRED', flagged: true }),
    ]);
    const granted = await seh.current(bsn, {
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: '  Bewusteloos binnengebracht, beleid onbekend  ',
    });
    expect(granted?.accessFlagged).toBe(true);
    expect(n.logged[1]).toEqual(
      expect.objectContaining({
        outcome: 'GRANTED',
        basis: 'BREAK_THE_GLASS',
        flagged: true,
        breakGlassReason: 'Bewusteloos binnengebracht, beleid onbekend',
      }),
    );
  });

  it('refuses a break-glass reason longer than an access record holds, before deciding or logging', async () => {
    const n = node();
    await n.projector.start();
    const answer = openRecords(n.door, callerOf(actors.sehDoctor)).current(syntheticBsn(9), {
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: 'x'.repeat(5000),
    });
    await expect(answer).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(answer).rejects.toHaveProperty('field', ['breakGlassReason']);
    expect(n.logged).toEqual([]);
  });

  it('shows nothing when the access record cannot be made durable', async () => {
    const n = node({ failingLog: true });
    const bsn = syntheticBsn(10);
    await startPlan(n.store, bsn);
    await n.projector.start();
    await expect(
      openRecords(n.door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' }),
    ).rejects.toThrow('disk full');
  });

  it('refuses an as-of instant in the future as a bad request, before deciding access', async () => {
    const n = node();
    await n.projector.start();
    const answer = openRecords(n.door, callerOf(actors.auditor)).asOf(
      syntheticBsn(11),
      new Date(NOW.getTime() + 1),
      { purpose: 'AUDIT' },
    );
    await expect(answer).rejects.toHaveProperty('field', ['at']);
    expect(n.logged).toEqual([]);
  });

  it('shows the as-of view without the date warnings, at the instant asked for', async () => {
    const n = node();
    const bsn = syntheticBsn(12);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.gp));
    const current = await records.current(bsn, { purpose: 'TREATMENT' });
    const asOf = await records.asOf(bsn, NOW, { purpose: 'TREATMENT' });
    // The review (April) is overdue on 1 June: the front end adds that warning, once, at asOf.
    expect(asOf?.view.reviewDueOn).toBe('2026-04-10');
    expect(asOf?.view.warnings.map((w) => w.code)).not.toContain('REVIEW_OVERDUE');
    expect(asOf).toEqual({ ...current, asOf: NOW, version: written.version });
    expect(asOf?.view).toEqual(current?.view);
  });

  it('changes a plan through the write path, passing version conflicts through', async () => {
    const n = node();
    const bsn = syntheticBsn(13);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.gp));
    const result = await records.change(bsn, {
      expectedVersion: written.version,
      type: 'RecordLifeWish',
      data: { wishId: 'w-1', text: 'Thuis blijven' },
    });
    expect(result.version).toBe(written.version + 1);
    expect(result.record?.version).toBe(written.version + 1);
    expect(result.record?.view.lifeWishes.map((w) => w.text)).toEqual(['Thuis blijven']);
    expect(result.changes.map((c) => [c.revision, c.type, c.enteredInError])).toEqual([
      [written.version + 1, 'LifeWishRecorded', false],
    ]);
    expect(n.logged.at(-1)).toEqual(
      expect.objectContaining({ action: 'WRITE', outcome: 'GRANTED', planVersion: written.version + 1 }),
    );
    await expect(
      records.change(bsn, { expectedVersion: 0, type: 'RecordLifeWish', data: { text: 'Nog een' } }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('logs a change once it is in the store, also when the read models then fail to show it', async () => {
    const n = node();
    const bsn = syntheticBsn(14);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();
    n.readModels.exec(
      `CREATE TRIGGER crash BEFORE INSERT ON current_plans BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    await expect(
      openRecords(n.door, callerOf(actors.gp)).change(bsn, {
        expectedVersion: written.version,
        type: 'RecordLifeWish',
        data: { wishId: 'w-1', text: 'Thuis blijven' },
      }),
    ).rejects.toThrow(/disk on fire/);
    // The plan did change: the write is in the patient's access log all the same.
    expect(n.logged.at(-1)).toEqual(
      expect.objectContaining({ action: 'WRITE', outcome: 'GRANTED', planVersion: written.version + 1 }),
    );
  });

  it('returns the change once the read models have the stream revision, whatever position the append reports', async () => {
    const n = node({ appendPositionSkew: 1_000n });
    const bsn = syntheticBsn(12);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();

    const result = await openRecords(n.door, callerOf(actors.gp)).change(bsn, {
      expectedVersion: written.version,
      type: 'RecordLifeWish',
      data: { wishId: 'w-1', text: 'Thuis blijven' },
    });

    expect(result.version).toBe(written.version + 1);
    expect(result.record?.version).toBe(written.version + 1);
    expect(result.record?.view.lifeWishes.map((w) => w.text)).toEqual(['Thuis blijven']);
  });

  it('logs one record per plan on the reviews-due list', async () => {
    const n = node();
    for (const k of [14, 15, 16]) {
      const bsn = syntheticBsn(k);
      const { version } = await startPlan(n.store, bsn);
      await handleCommand(n.store, {
        streamName: streamNameFor(pseudonymOf(bsn)),
        command: {
          type: 'AssignRole',
          data: {
            assignmentId: `r-${k}`,
            role: 'REGIEBEHANDELAAR',
            practitioner: actors.gp,
            organization: actors.gp.organization,
            from: '2026-01-10',
          },
          metadata: { actor: actors.gp, now: '2026-01-10T10:05:00+01:00' },
        } as PzpCommand,
        expectedVersion: version,
        sourceSystem: 'test',
      });
    }
    await n.projector.start();
    const page = await openRecords(n.door, callerOf(actors.gp)).reviewsDue('2027-01-01', { limit: 10 });
    expect(page.items).toHaveLength(3);
    expect(n.logged.map((l) => [l.action, l.pseudonym])).toEqual(
      page.items.map((i) => ['READ_REVIEWS_DUE', i.record.pseudonym]),
    );
    await expect(
      openRecords(n.door, callerOf(actors.auditor)).reviewsDue('2027-01-01', { limit: 10 }),
    ).rejects.toEqual(expect.objectContaining({ reason: 'NOT_A_CARE_PROFESSIONAL' }));
  });
});

/** Appends one command to a patient's stream as `actor`, as another node would (not through the door). */
async function run(store: EventStore, bsn: string, type: PzpCommand['type'], data: unknown, actor: Actor) {
  const streamName = streamNameFor(pseudonymOf(bsn));
  const [head] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
  return handleCommand(store, {
    streamName,
    command: { type, data, metadata: { actor, now: '2026-01-10T10:05:00+01:00' } } as PzpCommand,
    expectedVersion: head === undefined ? -1 : Number(head.revision),
    sourceSystem: 'test',
  });
}

describe('one request opens the record of one patient (issue 11, item 2)', () => {
  it('refuses a second, different patient, logs the refusal, and reads nothing of that patient', async () => {
    const n = node();
    const [a, b] = [syntheticBsn(20), syntheticBsn(21)];
    await startPlan(n.store, a);
    await startPlan(n.store, b);
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.gp));
    expect((await records.current(a, { purpose: 'TREATMENT' }))?.view.patient?.bsn).toBe(a);
    // The same patient again, in other views, is the same record.
    expect(await records.current(a, { purpose: 'TREATMENT' })).not.toBeNull();
    expect((await records.history(a, { limit: 5, purpose: 'TREATMENT' })).items.length).toBeGreaterThan(0);
    const loadsBefore = n.planLoads.length;
    const readsBefore = n.streamReads.length;
    const refusals = [
      () => records.current(b, { purpose: 'TREATMENT' }),
      () => records.asOf(b, NOW, { purpose: 'TREATMENT' }),
      () => records.history(b, { limit: 5, purpose: 'TREATMENT' }),
      () => records.change(b, { expectedVersion: 0, type: 'RecordLifeWish', data: { text: 'Thuis' } }),
    ];
    for (const refusal of refusals) {
      const error = await refusal().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error).toHaveProperty('reason', 'TOO_MANY_PATIENTS');
      expect((error as Error).message).not.toContain(b);
    }
    expect(n.planLoads.slice(loadsBefore)).toEqual([]);
    expect(n.streamReads.slice(readsBefore)).toEqual([]);
    const pb = pseudonymOf(b);
    expect(
      n.logged.filter((l) => l.pseudonym === pb).map((l) => [l.action, l.outcome, l.basis, l.flagged]),
    ).toEqual([
      ['READ_CURRENT', 'DENIED', 'TOO_MANY_PATIENTS', true],
      ['READ_AS_OF', 'DENIED', 'TOO_MANY_PATIENTS', true],
      ['READ_HISTORY', 'DENIED', 'TOO_MANY_PATIENTS', true],
      ['WRITE', 'DENIED', 'TOO_MANY_PATIENTS', true],
    ]);
    // A new request may open that patient.
    expect(
      await openRecords(n.door, callerOf(actors.gp)).current(b, { purpose: 'TREATMENT' }),
    ).not.toBeNull();
  });

  it('lets only the first of concurrent reads of different patients through (aliases in one query)', async () => {
    const n = node();
    const bsns = [22, 23, 24, 25].map(syntheticBsn);
    for (const bsn of bsns) await startPlan(n.store, bsn);
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.hapDoctor));
    const answers = await Promise.allSettled(
      bsns.map((bsn) => records.current(bsn, { purpose: 'EMERGENCY' })),
    );
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(n.logged.map((l) => [l.pseudonym, l.outcome, l.basis]).sort()).toEqual(
      [
        [pseudonymOf(bsns[0]!), 'GRANTED', 'CONSENT'],
        ...bsns.slice(1).map((bsn) => [pseudonymOf(bsn), 'DENIED', 'TOO_MANY_PATIENTS']),
      ].sort(),
    );
  });

  it('counts a refused patient as the one opened: a request cannot probe a second', async () => {
    const n = node();
    const [a, b] = [syntheticBsn(26), syntheticBsn(27)];
    await startPlan(n.store, a);
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.sehDoctor));
    await expect(records.current(a, { purpose: 'EMERGENCY' })).rejects.toHaveProperty('reason', 'NO_CONSENT');
    await expect(records.current(b, { purpose: 'EMERGENCY' })).rejects.toHaveProperty(
      'reason',
      'TOO_MANY_PATIENTS',
    );
  });

  it('lists at most one page of reviews due per request, refused before anything is read', async () => {
    const n = node();
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.gp));
    for (const limit of [0, 101, 1.5]) {
      await expect(records.reviewsDue('2027-01-01', { limit })).rejects.toBeInstanceOf(InvalidRequestError);
    }
    await records.reviewsDue('2027-01-01', { limit: 60 });
    await expect(records.reviewsDue('2027-01-01', { limit: 41 })).rejects.toHaveProperty(
      'reason',
      'TOO_MANY_PATIENTS',
    );
    await records.reviewsDue('2027-01-01', { limit: 40 });
  });
});

describe('the break-the-glass reason counts visible characters only (issue 11, item 5)', () => {
  it('refuses ten zero-width spaces as no reason: denied and flagged, nothing shown', async () => {
    const n = node();
    const bsn = syntheticBsn(30);
    await startPlan(n.store, bsn);
    await n.projector.start();
    const answer = openRecords(n.door, callerOf(actors.sehDoctor)).current(bsn, {
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: '\u200b'.repeat(10),
    });
    await expect(answer).rejects.toHaveProperty('reason', 'BREAK_GLASS_REASON_REQUIRED');
    expect(n.logged.map((l) => [l.outcome, l.basis, l.flagged, l.breakGlassReason])).toEqual([
      ['DENIED', 'BREAK_GLASS_REASON_REQUIRED', true, undefined],
    ]);
  });

  it('refuses control characters as bad input, before deciding or logging', async () => {
    const n = node();
    const bsn = syntheticBsn(31);
    await startPlan(n.store, bsn);
    await n.projector.start();
    for (const breakGlassReason of ['\u0000'.repeat(10), 'Bewusteloos binnengebracht\u0000']) {
      const answer = openRecords(n.door, callerOf(actors.sehDoctor)).current(bsn, {
        purpose: 'BREAK_THE_GLASS',
        breakGlassReason,
      });
      await expect(answer).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(answer).rejects.toHaveProperty('field', ['breakGlassReason']);
    }
    expect(n.logged).toEqual([]);
  });

  it('records the reason normalised (NFC)', async () => {
    const n = node();
    const bsn = syntheticBsn(32);
    await startPlan(n.store, bsn);
    await n.projector.start();
    await openRecords(n.door, callerOf(actors.sehDoctor)).current(bsn, {
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: 'Patie\u0308nt bewusteloos, beleid onbekend',
    });
    expect(n.logged[0]?.breakGlassReason).toBe('Patiënt bewusteloos, beleid onbekend');
  });
});

describe('reviews due go through the same policy as the plan itself (issue 11, item 7)', () => {
  /** A plan with the specialist as hoofdbehandelaar, and the patient's answer about hospitals. */
  async function hospitalPlan(n: Node, bsn: string, hospital: 'GRANTED' | 'REFUSED') {
    await startPlan(n.store, bsn);
    await run(
      n.store,
      bsn,
      'RecordSharingConsent',
      {
        organizationType: 'ZIEKENHUIS',
        decision: hospital,
        recordedOn: '2026-01-10',
      },
      actors.gp,
    );
    await run(
      n.store,
      bsn,
      'AssignRole',
      {
        assignmentId: `h-${bsn}`,
        role: 'HOOFDBEHANDELAAR',
        practitioner: actors.specialist,
        organization: actors.specialist.organization,
        from: '2026-01-10',
      },
      actors.gp,
    );
  }

  it('does not list a plan whose patient refused sharing with the caller, and logs only what it shows', async () => {
    const n = node();
    const [refused, granted] = [syntheticBsn(40), syntheticBsn(41)];
    await hospitalPlan(n, refused, 'REFUSED');
    await hospitalPlan(n, granted, 'GRANTED');
    await n.projector.start();
    await expect(
      openRecords(n.door, callerOf(actors.specialist)).current(refused, { purpose: 'TREATMENT' }),
    ).rejects.toHaveProperty('reason', 'CONSENT_REFUSED');
    n.logged.length = 0;
    const page = await openRecords(n.door, callerOf(actors.specialist)).reviewsDue('2027-01-01', {
      limit: 10,
    });
    expect(page.items.map((i) => i.record.pseudonym)).toEqual([pseudonymOf(granted)]);
    expect(page.hasMore).toBe(false);
    // A list does not write a denied record for each plan it leaves out: the caller asked for none of them.
    expect(n.logged.map((l) => [l.pseudonym, l.action, l.outcome, l.basis])).toEqual([
      [pseudonymOf(granted), 'READ_REVIEWS_DUE', 'GRANTED', 'CONSENT'],
    ]);
  });

  it('fills the page past the plans it leaves out, and resumes after the last one it looked at', async () => {
    const n = node();
    const bsns = [42, 43, 44, 45, 46].map(syntheticBsn);
    for (const [i, bsn] of bsns.entries()) await hospitalPlan(n, bsn, i % 2 === 0 ? 'REFUSED' : 'GRANTED');
    await n.projector.start();
    const shown: string[] = [];
    let after: { reviewDueOn: string; pseudonym: string } | undefined;
    for (;;) {
      const page = await openRecords(n.door, callerOf(actors.specialist)).reviewsDue('2027-01-01', {
        limit: 1,
        after,
      });
      shown.push(...page.items.map((i) => i.record.pseudonym));
      if (!page.hasMore) break;
      expect(page.resumeAfter).toBeDefined();
      after = page.resumeAfter;
    }
    expect(shown.sort()).toEqual([pseudonymOf(bsns[1]!), pseudonymOf(bsns[3]!)].sort());
  });
});

describe('a change refused by a domain rule is logged with its reason (issue 11, item 8)', () => {
  it('logs the refusal of a nurse confirming a limit, assigning the regiebehandelaar, correcting a GP', async () => {
    const n = node();
    const bsn = syntheticBsn(50);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();
    const streamName = streamNameFor(pseudonymOf(bsn));
    const [, conversation] = await n.store.readStream(streamName);
    // A nurse's revision waits for a physician; the nurse may not confirm it herself.
    const proposed = await openRecords(n.door, callerOf(actors.practiceNurse)).change(bsn, {
      expectedVersion: written.version,
      type: 'SetTreatmentDirective',
      data: {
        treatment: { code: '89666000' },
        decision: 'WEL',
        decidedOn: '2026-06-01',
        parties: [patientParty, asParty(actors.practiceNurse)],
      },
    });
    n.logged.length = 0;
    const attempts: [PzpCommand['type'], unknown][] = [
      ['ConfirmTreatmentDirective', { treatment: { code: '89666000' }, confirmedOn: '2026-06-01' }],
      [
        'AssignRole',
        {
          assignmentId: 'r-nurse',
          role: 'REGIEBEHANDELAAR',
          practitioner: actors.gp,
          organization: actors.gp.organization,
          from: '2026-06-01',
        },
      ],
      ['MarkEnteredInError', { changeId: conversation!.id, reason: 'Verkeerd ingevoerd' }],
    ];
    for (const [type, data] of attempts) {
      const error = await openRecords(n.door, callerOf(actors.practiceNurse))
        .change(bsn, { expectedVersion: proposed.version, type, data })
        .catch((e: unknown) => e);
      expect(error, type).toBeInstanceOf(DomainError);
      expect(error, type).toMatchObject({ code: 'FORBIDDEN', reason: 'PHYSICIANS_ONLY' });
    }
    expect(n.logged.map((l) => [l.action, l.outcome, l.basis, l.planVersion])).toEqual([
      ['WRITE', 'DENIED', 'PHYSICIANS_ONLY', undefined],
      ['WRITE', 'DENIED', 'PHYSICIANS_ONLY', undefined],
      ['WRITE', 'DENIED', 'PHYSICIANS_ONLY', undefined],
    ]);
    expect(await n.store.readStream(streamName)).toHaveLength(proposed.version + 1);
  });

  it('does not log a refusal for bad input: nothing was refused to the caller', async () => {
    const n = node();
    const bsn = syntheticBsn(51);
    const written = await startPlan(n.store, bsn);
    await n.projector.start();
    const error = await openRecords(n.door, callerOf(actors.gp))
      .change(bsn, {
        expectedVersion: written.version,
        type: 'RecordLifeWish',
        data: { wishId: 'w-1', text: '\u200b' },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID', path: ['text'] });
    expect(n.logged).toEqual([]);
  });
});

describe('a patient named by pseudonym (the FHIR Patient id)', () => {
  it('is the same record under the same policy and access record as by BSN', async () => {
    const n = node();
    const bsn = syntheticBsn(40);
    await startPlan(n.store, bsn);
    await n.projector.start();
    const hap = openRecords(n.door, callerOf(actors.hapDoctor));
    const byId = await hap.current({ pseudonym: pseudonymOf(bsn) }, { purpose: 'TREATMENT' });
    expect(byId?.view.patient?.bsn).toBe(bsn);
    await expect(
      openRecords(n.door, callerOf(actors.sehDoctor)).current(
        { pseudonym: pseudonymOf(bsn) },
        { purpose: 'TREATMENT' },
      ),
    ).rejects.toEqual(expect.objectContaining({ reason: 'NO_CONSENT' }));
    expect(n.logged.map((l) => [l.pseudonym, l.outcome])).toEqual([
      [pseudonymOf(bsn), 'GRANTED'],
      [pseudonymOf(bsn), 'DENIED'],
    ]);
    // One patient per request, whichever way it is named.
    await expect(hap.current(syntheticBsn(41), { purpose: 'TREATMENT' })).rejects.toEqual(
      expect.objectContaining({ reason: 'TOO_MANY_PATIENTS' }),
    );
  });

  it('refuses what is no pseudonym as bad input, before reading or logging anything', async () => {
    const n = node();
    await n.projector.start();
    const records = openRecords(n.door, callerOf(actors.hapDoctor));
    for (const pseudonym of ['', 'x'.repeat(64), `${'a'.repeat(64)}/../`, 'A'.repeat(64)]) {
      await expect(records.current({ pseudonym }, { purpose: 'TREATMENT' })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    }
    expect(n.logged).toEqual([]);
    expect(n.streamReads).toEqual([]);
  });
});
