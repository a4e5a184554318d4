import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentView, fold, parseEvent, withTimeWarnings, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { planAsOf } from './as-of.js';
import { handleCommand } from './handle-command.js';

const STREAM = `pzp-${'b'.repeat(64)}`;
let dir: string;
let store: SqliteEventStore;

const run = (type: string, data: unknown, now: string, expectedVersion: number) =>
  handleCommand(store, {
    streamName: STREAM,
    command: { type, data, metadata: { actor: actors.gp, now } } as PzpCommand,
    expectedVersion,
    sourceSystem: 'test',
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-as-of-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  const first = await run(
    'RecordConversation',
    {
      conversationId: 'c-1',
      patient: { bsn: '111222333', name: 'Testpatiënt', birthDate: '1940-01-01' },
      date: '2026-01-10',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      reviewAfterMonths: 3,
    },
    '2026-01-10T10:00:00+01:00',
    -1,
  );
  await run(
    'RecordLifeWish',
    { wishId: 'w-1', text: 'Thuis blijven' },
    '2026-02-01T10:00:00+01:00',
    first.version,
  );
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planAsOf', () => {
  it('folds the events held at the instant into the plain view, without date-dependent warnings', async () => {
    const all = (await store.readStream(STREAM)).map((e) => parseEvent(e));
    const held = await planAsOf(store, STREAM, new Date('2027-01-01T00:00:00+01:00'));
    const state = fold(all);
    expect(held?.version).toBe(state.version);
    // The review (10 April 2026) is long overdue then, yet the view is exactly the current view:
    // whoever shows it judges REVIEW_OVERDUE once, at the instant.
    expect(held?.view).toEqual(currentView(state.plan));
    expect(held?.view.warnings.map((w) => w.code)).not.toContain('REVIEW_OVERDUE');
    expect(withTimeWarnings(held!.view, '2027-01-01').warnings.map((w) => w.code)).toContain(
      'REVIEW_OVERDUE',
    );
  });

  it('holds only the events recorded by then, and nothing before the first', async () => {
    const january = await planAsOf(store, STREAM, new Date('2026-01-20T00:00:00+01:00'));
    expect(january?.view.lifeWishes).toEqual([]);
    expect(january?.asOf).toEqual(new Date('2026-01-20T00:00:00+01:00'));
    const exactly = await planAsOf(store, STREAM, new Date('2026-02-01T10:00:00+01:00'));
    expect(exactly?.view.lifeWishes.map((w) => w.text)).toEqual(['Thuis blijven']);
    expect(await planAsOf(store, STREAM, new Date('2026-01-10T09:59:59+01:00'))).toBeUndefined();
  });
});
