import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand, VersionConflictError } from '@pzp/application';
import { pseudonymFor, streamNameFor, type Actor, type Bsn, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore, type ReadStreamOptions } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb, type Queries } from '@pzp/projections';
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
  /** Every access record the door asked for, in order. */
  readonly logged: NewAccessRecord[];
  /** The door's reads of patient streams (not the projector's). */
  readonly streamReads: { streamName: string; options: ReadStreamOptions | undefined }[];
  /** Resolves at the door's next read of a patient stream. */
  nextStreamRead(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function node(options: { failingLog?: boolean } = {}): Node {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-door-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const queries = createQueries(db);
  const projector = new Projector(store, db);
  const clock = () => NOW;
  const writer = new AccessLogWriter(store, 'door-test', clock);
  const logged: NewAccessRecord[] = [];
  const streamReads: Node['streamReads'] = [];
  let onRead: (() => void) | undefined;
  const doorStore: EventStore = Object.assign(Object.create(store) as EventStore, {
    readStream(streamName: string, readOptions?: ReadStreamOptions) {
      streamReads.push({ streamName, options: readOptions });
      onRead?.();
      return store.readStream(streamName, readOptions);
    },
  });
  const door: RecordDoor = {
    store: doorStore,
    queries,
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
    logged,
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
