import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand, VersionConflictError } from '@pzp/application';
import {
  breakGlassReviewStreamName,
  DomainError,
  pseudonymFor,
  streamNameFor,
  type Actor,
  type Bsn,
  type PzpCommand,
} from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb } from '@pzp/projections';
import { AccessLogWriter, type NewAccessRecord } from './access-log.js';
import { openRecords, type Caller, type RecordDoor } from './door.js';
import { AccessDeniedError, InvalidRequestError } from './errors.js';

/** The break-the-glass review through the door, on a real embedded store and real read models. */

const SECRET = 'door-test-secret-0123456789abcdef0123';
const NOW = new Date('2026-06-01T10:00:00+02:00');
const pseudonymOf = (bsn: string) => pseudonymFor(bsn as Bsn, SECRET);
const NOTE = 'Patiënt was aanspreekbaar: geen reden om het glas te breken';
const REASON = 'Bewusteloos binnengebracht, beleid onbekend';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function node() {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-btg-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const queries = createQueries(db);
  const projector = new Projector(store, db);
  const writer = new AccessLogWriter(store, 'door-test', () => NOW);
  const logged: NewAccessRecord[] = [];
  const door: RecordDoor = {
    store,
    queries,
    projector,
    accessLog: {
      record(entry) {
        logged.push(entry);
        return writer.record(entry);
      },
      get lastPosition() {
        return writer.lastPosition;
      },
    },
    clock: () => NOW,
    pseudonymOf,
  };
  cleanups.push(async () => {
    await projector.stop();
    await writer.drain();
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await projector.start();
  return { door, store, logged };
}

const callerOf = (actor: Actor): Caller => ({ actor, clientSystem: 'door-test', requestId: randomUUID() });

/** A plan by the GP without consent asked for hospitals; the nursing home's SO is regiebehandelaar. */
async function planWithRegie(store: SqliteEventStore, bsn: string) {
  const streamName = streamNameFor(pseudonymOf(bsn));
  const run = (type: string, data: object, expectedVersion: number) =>
    handleCommand(store, {
      streamName,
      command: { type, data, metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' } } as PzpCommand,
      expectedVersion,
      sourceSystem: 'test',
    });
  const started = await run(
    'RecordConversation',
    {
      conversationId: `c-${bsn}`,
      patient: { bsn, name: 'Testpatiënt', birthDate: '1940-01-01' },
      date: '2026-01-10',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    -1,
  );
  return run(
    'AssignRole',
    {
      assignmentId: `r-${bsn}`,
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.elderlyCarePhysician,
      organization: actors.elderlyCarePhysician.organization,
      from: '2026-01-10',
    },
    started.version,
  );
}

async function brokenGlass(door: RecordDoor, bsn: string) {
  const record = await openRecords(door, callerOf(actors.sehDoctor)).current(bsn, {
    purpose: 'BREAK_THE_GLASS',
    breakGlassReason: REASON,
  });
  expect(record?.accessFlagged).toBe(true);
}

const auditor = (door: RecordDoor) => openRecords(door, callerOf(actors.auditor));

describe('the break-the-glass review', () => {
  it('lists the open access, records the conclusion as an event, and counts it no more', async () => {
    const { door, store, logged } = await node();
    const bsn = syntheticBsn(1);
    await planWithRegie(store, bsn);
    await openRecords(door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' }); // not flagged
    await brokenGlass(door, bsn);

    expect(await auditor(door).openBreakGlassReviewCount()).toBe(1);
    const open = await auditor(door).breakGlassAccesses({ reviewed: false, limit: 10 });
    expect(open.items).toHaveLength(1);
    const [access] = open.items;
    expect(access!.record).toMatchObject({
      user: { id: actors.sehDoctor.id },
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: REASON,
      flagged: true,
    });
    expect(access!.review).toBeUndefined();

    const reviewed = await auditor(door).reviewBreakGlassAccess({
      accessId: access!.record.accessId,
      conclusion: 'NOT_JUSTIFIED',
      note: NOTE,
    });
    expect(reviewed.review).toEqual({
      accessId: access!.record.accessId,
      conclusion: 'NOT_JUSTIFIED',
      note: NOTE,
      reviewedBy: actors.auditor,
      reviewedAt: NOW.toISOString(),
    });
    // The conclusion is an event in the access's own review stream.
    const stream = await store.readStream(breakGlassReviewStreamName(access!.record.accessId));
    expect(stream.map((e) => [e.type, (e.data as { conclusion: string }).conclusion])).toEqual([
      ['BreakGlassAccessReviewed', 'NOT_JUSTIFIED'],
    ]);

    expect(await auditor(door).openBreakGlassReviewCount()).toBe(0);
    expect((await auditor(door).breakGlassAccesses({ reviewed: false, limit: 10 })).items).toEqual([]);
    const done = await auditor(door).breakGlassAccesses({ reviewed: true, limit: 10 });
    expect(done.items.map((i) => i.review?.conclusion)).toEqual(['NOT_JUSTIFIED']);

    // Listing and concluding are audit work on this patient's record: in its access log.
    const audit = logged.filter((l) => l.user.id === actors.auditor.id);
    expect(audit.map((l) => [l.action, l.purpose, l.outcome, l.basis, l.pseudonym])).toEqual([
      ['READ_BREAK_GLASS_ACCESSES', 'AUDIT', 'GRANTED', 'AUDITOR', pseudonymOf(bsn)],
      ['REVIEW_BREAK_GLASS_ACCESS', 'AUDIT', 'GRANTED', 'AUDITOR', pseudonymOf(bsn)],
      ['READ_BREAK_GLASS_ACCESSES', 'AUDIT', 'GRANTED', 'AUDITOR', pseudonymOf(bsn)],
    ]);
  });

  it('takes one conclusion per access: a second one conflicts, also with a stale expectation', async () => {
    const { door, store } = await node();
    const bsn = syntheticBsn(2);
    await planWithRegie(store, bsn);
    await brokenGlass(door, bsn);
    const [access] = (await auditor(door).breakGlassAccesses({ limit: 10 })).items;
    const accessId = access!.record.accessId;
    const review = { accessId, conclusion: 'JUSTIFIED', note: NOTE };
    // Two auditors at once: the store lets one through.
    const results = await Promise.allSettled([
      auditor(door).reviewBreakGlassAccess(review),
      auditor(door).reviewBreakGlassAccess({ ...review, conclusion: 'NOT_JUSTIFIED' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [failed] = results.filter((r) => r.status === 'rejected');
    expect(failed!.reason).toBeInstanceOf(VersionConflictError);
    await expect(auditor(door).reviewBreakGlassAccess(review)).rejects.toBeInstanceOf(VersionConflictError);
    // Expecting the concluded version is no way to amend: a conclusion is final.
    await expect(
      auditor(door).reviewBreakGlassAccess({ ...review, expectedVersion: 0 }),
    ).rejects.toBeInstanceOf(DomainError);
    expect(await store.readStream(breakGlassReviewStreamName(accessId))).toHaveLength(1);
  });

  it('is for auditors: a clinician is refused with the reason, and nothing is listed or written', async () => {
    const { door, store, logged } = await node();
    const bsn = syntheticBsn(3);
    await planWithRegie(store, bsn);
    await brokenGlass(door, bsn);
    const [access] = (await auditor(door).breakGlassAccesses({ limit: 10 })).items;
    const before = logged.length;
    for (const actor of [actors.gp, actors.elderlyCarePhysician, actors.sehDoctor]) {
      const records = openRecords(door, callerOf(actor));
      await expect(records.breakGlassAccesses({ limit: 10 })).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(records.breakGlassAccesses({ limit: 10 })).rejects.toEqual(
        expect.objectContaining({ reason: 'AUDIT_ROLE_REQUIRED' }),
      );
      await expect(records.openBreakGlassReviewCount()).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(
        records.reviewBreakGlassAccess({
          accessId: access!.record.accessId,
          conclusion: 'JUSTIFIED',
          note: NOTE,
        }),
      ).rejects.toEqual(expect.objectContaining({ reason: 'AUDIT_ROLE_REQUIRED' }));
    }
    expect(logged.length).toBe(before);
    expect(await store.readStream(breakGlassReviewStreamName(access!.record.accessId))).toEqual([]);
  });

  it('refuses a review of an access that is not flagged, or not an access id', async () => {
    const { door, store } = await node();
    const bsn = syntheticBsn(4);
    await planWithRegie(store, bsn);
    await openRecords(door, callerOf(actors.gp)).current(bsn, { purpose: 'TREATMENT' });
    const accessId = randomUUID();
    await expect(
      auditor(door).reviewBreakGlassAccess({ accessId, conclusion: 'JUSTIFIED', note: NOTE }),
    ).rejects.toEqual(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(
      auditor(door).reviewBreakGlassAccess({ accessId: 'not-an-id', conclusion: 'JUSTIFIED', note: NOTE }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe("the regiebehandelaar's organisation", () => {
  it('sees each break-the-glass access of its patients, without the conclusion, logged per patient', async () => {
    const { door, store, logged } = await node();
    const mine = syntheticBsn(5);
    const other = syntheticBsn(6);
    await planWithRegie(store, mine);
    await brokenGlass(door, mine);
    // A patient whose regiebehandelaar is someone else.
    await handleCommand(store, {
      streamName: streamNameFor(pseudonymOf(other)),
      command: {
        type: 'RecordConversation',
        data: {
          conversationId: `c-${other}`,
          patient: { bsn: other, name: 'Testpatiënt', birthDate: '1940-01-01' },
          date: '2026-01-10',
          participants: [patientParty, asParty(actors.gp)],
          treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        },
        metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
      } as PzpCommand,
      expectedVersion: -1,
      sourceSystem: 'test',
    });
    await brokenGlass(door, other);
    const [first] = (await auditor(door).breakGlassAccesses({ limit: 10 })).items;
    await auditor(door).reviewBreakGlassAccess({
      accessId: first!.record.accessId,
      conclusion: 'JUSTIFIED',
      note: NOTE,
    });

    const before = logged.length;
    const notices = await openRecords(door, callerOf(actors.elderlyCarePhysician)).breakGlassNotices({
      limit: 10,
    });
    expect(
      notices.items.map((i) => [i.record.pseudonym, i.record.user.id, i.record.breakGlassReason]),
    ).toEqual([[pseudonymOf(mine), actors.sehDoctor.id, REASON]]);
    expect(notices.items[0]!.review).toBeUndefined();
    expect(logged.slice(before).map((l) => [l.action, l.purpose, l.basis, l.pseudonym])).toEqual([
      ['READ_BREAK_GLASS_NOTICES', 'TREATMENT', 'REGIEBEHANDELAAR', pseudonymOf(mine)],
    ]);

    // The own GP practice is not the regiebehandelaar here: it is not told.
    expect((await openRecords(door, callerOf(actors.gp)).breakGlassNotices({ limit: 10 })).items).toEqual([]);
    await expect(auditor(door).breakGlassNotices({ limit: 10 })).rejects.toEqual(
      expect.objectContaining({ reason: 'NOT_A_CARE_PROFESSIONAL' }),
    );
  });
});
