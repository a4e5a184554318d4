import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bsn, pseudonymFor, streamNameFor } from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { openOutboxDb, outboxStatements } from './outbox-db.js';
import { Outbox, type PlanChange } from './outbox.js';

const SECRET = 'outbox-test-secret-0123456789abcdef0123';

async function recordPatient(store: SqliteEventStore, n: number) {
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
