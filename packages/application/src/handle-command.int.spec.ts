import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore } from '@pzp/event-store';
import { handleCommand } from './handle-command.js';
import { watchedReads } from './spec-support.js';
import { RecentPlanStates } from './recent-states.js';

const STREAM = `pzp-${'e'.repeat(64)}`;
const NOW = '2026-03-02T10:00:00+01:00';
let dir: string;
let store: SqliteEventStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-handle-command-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  await handleCommand(store, {
    streamName: STREAM,
    command: {
      type: 'RecordConversation',
      data: {
        conversationId: 'conv-0',
        patient: { bsn: '111222333', name: 'Patiënt 0', birthDate: '1940-01-01' },
        date: '2026-03-02',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      },
      metadata: { actor: actors.gp, now: NOW },
    } as PzpCommand,
    expectedVersion: -1,
    sourceSystem: 'test',
  });
});

afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const watched = () => watchedReads(store);

const lifeWish = (view: EventStore, version: number, recentStates?: RecentPlanStates) =>
  handleCommand(view, {
    recentStates,
    streamName: STREAM,
    command: {
      type: 'RecordLifeWish',
      data: { wishId: 'w-1', text: 'Thuis blijven' },
      metadata: { actor: actors.gp, now: NOW },
    } as PzpCommand,
    expectedVersion: version,
    sourceSystem: 'test',
  });

describe('handleCommand reading the stream', () => {
  it('folds the events it verified as the store wrote them, without parsing each with zod again', async () => {
    const { view, handedOut } = watched();
    const before = (await store.readStream(STREAM)).length;
    const handled = await lifeWish(view, before - 1);
    expect(handedOut).toHaveLength(before);
    // The state's log holds the very envelopes the store handed out: no parse copied them.
    handedOut.forEach((e, i) => expect(handled.state.log[i]!.metadata).toBe(e.metadata));
    expect(handled.state.plan.lifeWishes['w-1']).toMatchObject({ text: 'Thuis blijven' });
    expect(handled.version).toBe(before);
  });

  it("leaves the state it folded, and its last event's hash, for the outbox", async () => {
    const recentStates = new RecentPlanStates();
    const read = await store.readStream(STREAM);
    const handled = await lifeWish(store, read.length - 1, recentStates);
    const known = recentStates.get(STREAM);
    expect(known?.hash).toBe(read.at(-1)!.integrity!.hash);
    expect(known?.state.version).toBe(read.length - 1);
    expect(known?.state.log.map((e) => e.metadata.eventId)).toEqual(read.map((e) => e.id));
    // The first new event follows on from it: the outbox links the two by this hash.
    const [next] = await store.readStream(STREAM, { fromRevision: BigInt(read.length) });
    expect(next!.integrity!.previous).toBe(known?.hash);
    expect(handled.version).toBe(read.length);
  });
});
