import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { BrokenChainError, SqliteEventStore, type EventStore } from '@pzp/event-store';
import { handleCommand, type HandledCommand } from './handle-command.js';
import { planHistory } from './history.js';

const STREAM = `pzp-${'c'.repeat(64)}`;
let dir: string;
let store: SqliteEventStore;
const handled: HandledCommand[] = [];

const run = async (type: string, data: unknown, now: string) => {
  const result = await handleCommand(store, {
    streamName: STREAM,
    command: { type, data, metadata: { actor: actors.gp, now } } as PzpCommand,
    expectedVersion: handled.at(-1)?.version ?? -1,
    sourceSystem: 'test',
  });
  handled.push(result);
  return result;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-history-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  await run(
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
  );
  await run('RecordLifeWish', { wishId: 'w-1', text: 'Thuis blijven' }, '2026-02-01T10:00:00+01:00');
  await run(
    'RecordLifeWish',
    { wishId: 'w-2', text: 'Bij de kleinkinderen zijn' },
    '2026-03-01T10:00:00+01:00',
  );
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planHistory, from the events', () => {
  it('is, page by page, exactly what each write said it changed', async () => {
    const written = handled.flatMap((h) => h.changes);
    expect(written.length).toBeGreaterThan(3);
    expect(written.map((e) => e.revision)).toEqual(written.map((_, i) => i));
    const pages = [];
    let after = -1;
    for (;;) {
      const page = await planHistory(store, STREAM, after, 2);
      pages.push(page);
      if (!page.hasMore) break;
      after = page.items.at(-1)!.revision;
    }
    expect(pages.flatMap((p) => p.items)).toEqual(written);
    expect(pages.slice(0, -1).every((p) => p.items.length === 2)).toBe(true);
    const whole = await planHistory(store, STREAM, -1, 500);
    expect(whole).toEqual({ items: written, hasMore: false });
    const last = written.at(-1)!;
    expect(last).toMatchObject({ type: 'LifeWishRecorded', summary: 'Life wish recorded' });
    expect(last.changes).toEqual([
      expect.objectContaining({ section: 'lifeWishes', key: 'w-2', before: null }),
    ]);
  });

  it('past the end is an empty last page', async () => {
    expect(await planHistory(store, STREAM, 10_000, 5)).toEqual({ items: [], hasMore: false });
  });

  it('refuses a stream whose hash chain is broken rather than describe changed events', async () => {
    // The store hands out the last event with other content than it was chained with.
    const tampered = {
      readStream: async (name: string) =>
        (await store.readStream(name)).map((e, i, all) =>
          i === all.length - 1 ? { ...e, data: { ...(e.data as object), text: 'Ergens anders' } } : e,
        ),
    } as unknown as EventStore;
    await expect(planHistory(tampered, STREAM, -1, 50)).rejects.toBeInstanceOf(BrokenChainError);
  });
});
