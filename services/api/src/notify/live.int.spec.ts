import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Bsn, pseudonymFor, streamNameFor } from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { openOutboxDb, Outbox } from '@pzp/notifications';
import { LiveNotices } from './live.js';

const SECRET = 'live-notices-test-secret-0123456789abcdef';

/** A GP's first conversation with one patient: the GP's practice may read the plan. */
async function recordPatient(store: SqliteEventStore, n: number) {
  const bsn = syntheticBsn(5000 + n);
  const recorder = new PlanRecorder(idSequence(n + 1));
  recorder.run(
    'RecordConversation',
    {
      conversationId: `conv-${n}`,
      patient: { bsn: Bsn.parse(bsn), name: `Patiënt ${n}`, birthDate: '1940-01-01' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  await store.appendToStream(
    streamNameFor(pseudonymFor(Bsn.parse(bsn), SECRET)),
    recorder.events.map((e) => ({
      id: e.metadata.eventId,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
    })),
    { expectedRevision: 'no_stream' },
  );
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-live-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openOutboxDb(join(dir, 'outbox.db'));
  const outbox = new Outbox(store, db);
  await outbox.start();
  cleanups.push(async () => {
    await outbox.stop();
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, outbox };
}

describe('live planChanged notices', () => {
  it('go to a subscriber that may read the plan, in order', async () => {
    const { store, outbox } = await setUp();
    const live = new LiveNotices(outbox);
    const gp = live.planChanged(actors.gp, () => undefined);
    await recordPatient(store, 1);
    await recordPatient(store, 2);
    const first = await gp.next();
    const second = await gp.next();
    expect([first.value?.planChanged.version, second.value?.planChanged.version]).toEqual([
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(first.value!.planChanged.patient).not.toBe(second.value!.planChanged.patient);
    await gp.return!();
    expect(live.count).toBe(0);
  });

  it('cut off a subscriber that falls behind instead of queueing without bound', async () => {
    const { store, outbox } = await setUp();
    const live = new LiveNotices(outbox, 2);
    let overflowed = false;
    const slow = live.planChanged(actors.gp, () => (overflowed = true));
    for (let n = 10; n < 13; n++) await recordPatient(store, n);
    await outbox.waitFor((await store.headPosition())!);
    expect(overflowed).toBe(true);
    expect(live.count).toBe(0);
    expect(await slow.next()).toEqual({ done: true, value: undefined });
  });
});
