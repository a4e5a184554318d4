import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pseudonymFor, streamNameFor, type Actor, type Bsn } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import {
  EncryptingEventStore,
  SqliteEventStore,
  SqliteKeyStore,
  verifyStore,
  type EventStore,
} from '@pzp/event-store';
import {
  Projector,
  createQueries,
  encryptedPerPatient,
  openReadModelDb,
  type ReadModelDb,
} from '@pzp/projections';
import { AccessLogWriter } from './access-log.js';
import { openRecords, type Caller, type PatientRecords } from './door.js';
import { RecordDestroyedError } from './errors.js';

/**
 * Lawful destruction end to end inside one node: a real embedded store behind the crypto
 * decorator, the key store beside it, the projector and the door. After the destruction the
 * record reads as destroyed everywhere, also after a rebuild; the hash chain still verifies; and
 * neither the event log's file nor the read models' hold anything the patient told.
 */

const SECRET = 'destruction-test-secret-0123456789abcdef';
const NOW = new Date('2026-06-01T10:00:00+02:00');
const NAME = 'Hendrika Zuiderveld-Oostra';
const SUMMARY = 'Wil thuis sterven, bij haar kat Minoes';
const WISH = 'Nog een keer naar Schiermonnikoog';
const pseudonymOf = (bsn: string) => pseudonymFor(bsn as Bsn, SECRET);
const callerOf = (actor: Actor): Caller => ({
  actor,
  clientSystem: 'destruction-test',
  requestId: randomUUID(),
});

interface Node {
  readonly dir: string;
  readonly raw: SqliteEventStore;
  readonly store: EventStore;
  readonly db: ReadModelDb;
  readonly projector: Projector;
  readonly records: (actor: Actor) => PatientRecords;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const kek = randomBytes(32);

async function node(dir = mkdtempSync(join(tmpdir(), 'pzp-destroy-'))): Promise<Node> {
  const raw = SqliteEventStore.open(join(dir, 'events.db'));
  const keys = SqliteKeyStore.open(join(dir, 'keys.db'), kek);
  const store = encryptedPerPatient(raw, keys);
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const queries = createQueries(db);
  const projector = new Projector(store, db);
  const clock = () => NOW;
  const accessLog = new AccessLogWriter(store, 'destruction-test', clock);
  await projector.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await projector.stop();
    await accessLog.drain();
    await store.close();
    db.close();
  };
  cleanups.push(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    raw,
    store,
    db,
    projector,
    records: (actor) =>
      openRecords({ store, queries, projector, accessLog, clock, pseudonymOf }, callerOf(actor)),
    close,
  };
}

async function recordPlan(n: Node, bsn: string): Promise<number> {
  const result = await n.records(actors.gp).change(bsn, {
    expectedVersion: -1,
    type: 'RecordConversation',
    data: {
      conversationId: randomUUID(),
      patient: { bsn, name: NAME, birthDate: '1941-03-07' },
      date: '2026-05-20',
      participants: [patientParty, asParty(actors.gp)],
      summary: SUMMARY,
      lifeWishes: [{ wishId: randomUUID(), text: WISH }],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
    },
  });
  return result.version;
}

/** Every read of the record a front end makes, each expected to refuse with RecordDestroyedError. */
async function expectDestroyed(n: Node, bsn: string) {
  const gp = n.records(actors.gp);
  const hap = n.records(actors.hapDoctor);
  const auditor = n.records(actors.auditor);
  const reads: (() => Promise<unknown>)[] = [
    () => gp.current(bsn, { purpose: 'TREATMENT' }),
    () => hap.current(bsn, { purpose: 'EMERGENCY' }),
    () => auditor.asOf(bsn, new Date('2026-05-21T10:00:00+02:00'), { purpose: 'AUDIT' }),
    () => auditor.history(bsn, { limit: 50, purpose: 'AUDIT' }),
    () =>
      n.records(actors.gp).change(bsn, {
        expectedVersion: 0,
        type: 'RecordLifeWish',
        data: { wishId: randomUUID(), text: 'Toch nog iets' },
      }),
  ];
  for (const read of reads) {
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordDestroyedError);
    expect((error as RecordDestroyedError).destroyed).toMatchObject({
      grounds: 'PATIENT_REQUEST',
      reference: 'VERZ-2026/17',
      destroyedBy: { id: actors.gp.id },
    });
  }
  // The access log is not the record: auditors still see who looked, the refusals included.
  const log = await n.records(actors.auditor).accessLog(bsn, { limit: 100 });
  expect(log.items.some((r) => r.record.basis === 'RECORD_DESTROYED')).toBe(true);
}

/** The bytes of a SQLite file and its WAL, as latin1 (enough to find UTF-8 text in them). */
function bytesOf(file: string): string {
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

const utf8InLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('lawful destruction', () => {
  it('destroys the record everywhere, rebuilds included, and the hash chain still verifies', async () => {
    const n = await node();
    const bsn = syntheticBsn(41);
    const version = await recordPlan(n, bsn);
    expect((await n.records(actors.gp).current(bsn, { purpose: 'TREATMENT' }))?.view.patient?.name).toBe(
      NAME,
    );

    const result = await n.records(actors.gp).change(bsn, {
      expectedVersion: version,
      type: 'DestroyRecord',
      data: { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/17' },
    });
    expect(result.record).toBeNull();
    // The destruction's own row, which restates nothing of what it destroyed.
    expect(result.changes).toMatchObject([{ type: 'RecordDestroyed', changes: [] }]);
    expect(result.destroyed).toMatchObject({ version: version + 1, grounds: 'PATIENT_REQUEST' });
    await expectDestroyed(n, bsn);

    // A rebuild from the event log comes to the same.
    await n.projector.rebuild();
    await expectDestroyed(n, bsn);
    const verification = await verifyStore(n.raw);
    expect(verification.breaks).toEqual([]);
    expect(verification.events).toBeGreaterThan(version + 1);

    // The events are still there, with their envelope, but nothing of what they said.
    const stream = await n.store.readStream(streamNameFor(pseudonymOf(bsn)));
    expect(stream.at(-1)?.type).toBe('RecordDestroyed');
    expect(stream.at(-1)?.shredded).toBeUndefined();
    expect(stream.slice(0, -1).every((e) => e.shredded === true && e.data === null)).toBe(true);

    await n.close();
    for (const file of ['events.db', 'read-models.db']) {
      const bytes = bytesOf(join(n.dir, file));
      for (const secret of [bsn, NAME, SUMMARY, WISH, 'Zuiderveld', 'Minoes', 'Schiermonnikoog']) {
        expect(bytes.includes(utf8InLatin1(secret)), `${file} holds "${secret}"`).toBe(false);
      }
    }
  });

  it('a node that starts on the data afterwards reads the record as destroyed (its key is gone)', async () => {
    const n = await node();
    const bsn = syntheticBsn(42);
    const version = await recordPlan(n, bsn);
    await n.records(actors.gp).change(bsn, {
      expectedVersion: version,
      type: 'DestroyRecord',
      data: { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/17' },
    });
    await n.close();
    rmSync(join(n.dir, 'read-models.db'));
    const again = await node(n.dir);
    await expectDestroyed(again, bsn);
  });

  it('only whom the rules allow may destroy: a nurse is refused and the record stays', async () => {
    const n = await node();
    const bsn = syntheticBsn(43);
    const version = await recordPlan(n, bsn);
    const refused = await n
      .records(actors.practiceNurse)
      .change(bsn, { expectedVersion: version, type: 'DestroyRecord', data: { grounds: 'PATIENT_REQUEST' } })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ENTITLED_TO_DESTROY' });
    expect((await n.records(actors.gp).current(bsn, { purpose: 'TREATMENT' }))?.view.patient?.name).toBe(
      NAME,
    );
  });

  it('a record written before encryption (plaintext events) reads as destroyed too', async () => {
    const n = await node();
    const bsn = syntheticBsn(44);
    // Written straight to the adapter, as the registry wrote before this change.
    const legacy = new EncryptingEventStore(n.raw, {
      keys: SqliteKeyStore.open(join(n.dir, 'unused-keys.db'), kek),
      encrypts: () => false,
      destroys: () => false,
    });
    const { handleCommand } = await import('@pzp/application');
    await handleCommand(legacy, {
      streamName: streamNameFor(pseudonymOf(bsn)),
      command: {
        type: 'RecordConversation',
        data: {
          conversationId: 'legacy-1',
          patient: { bsn, name: NAME, birthDate: '1941-03-07' },
          date: '2026-01-10',
          participants: [patientParty, asParty(actors.gp)],
        },
        metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
      },
      expectedVersion: -1,
      sourceSystem: 'test',
    });
    const plan = await n.records(actors.gp).current(bsn, { purpose: 'TREATMENT' });
    expect(plan?.view.patient?.name).toBe(NAME);
    await n.records(actors.gp).change(bsn, {
      expectedVersion: plan!.version,
      type: 'DestroyRecord',
      data: { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/17' },
    });
    await expectDestroyed(n, bsn);
    await n.projector.rebuild();
    await expectDestroyed(n, bsn);
  });
});
