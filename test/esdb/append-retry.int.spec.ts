import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pzp/application';
import type { PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import type { EventData } from '@pzp/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

let esdb: EsdbUnderTest;
beforeAll(async () => {
  esdb = await esdbUnderTest();
});
afterAll(() => esdb.close());

const events = (type: string, count: number): EventData[] =>
  Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type,
    data: { i },
    metadata: { source: 'test' },
  }));

describe('EventStoreDB adapter: an append whose acknowledgement is lost', () => {
  for (const expectedRevision of ['exact', 'any'] as const) {
    it(`(${expectedRevision}) is retried and succeeds once, its events written once`, async ({ skip }) => {
      if (!esdb.standin) skip(); // only the stand-in can lose an acknowledgement on purpose
      const store = esdb.open({ appendRetry: { attempts: 5, initialMs: 10, maxMs: 100 } });
      try {
        const stream = `retry-${randomUUID()}`;
        const first = await store.appendToStream(stream, events('First', 2), {
          expectedRevision: 'no_stream',
        });
        const hold = esdb.standin!.holdAppends(stream);
        const lost = events('Lost', 3);

        const appending = store.appendToStream(stream, lost, {
          expectedRevision: expectedRevision === 'exact' ? first.nextExpectedRevision : 'any',
        });
        await hold.waitForAppends(1);
        hold.releaseUnanswered(); // written, never answered
        await esdb.standin!.dropConnections(); // the client sees UNAVAILABLE

        const result = await appending;
        expect(result.nextExpectedRevision).toBe(4n);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.id).slice(2)).toEqual(lost.map((e) => e.id));
        expect(read).toHaveLength(5);
        expect(esdb.standin!.appendCounts().get(stream)).toBe(2);
        const all = (await store.readAll({ fromPosition: first.position })).filter(
          (e) => e.streamName === stream,
        );
        expect(all.at(-1)).toMatchObject({ id: lost[2]!.id, position: result.position });
      } finally {
        await store.close();
      }
    });
  }
});

describe('a mutation whose append loses its acknowledgement', () => {
  it('succeeds once, with one set of events', async ({ skip }) => {
    if (!esdb.standin) skip();
    const store = esdb.open({ appendRetry: { attempts: 5, initialMs: 10, maxMs: 100 } });
    try {
      const stream = `pzp-${randomUUID().replace(/-/g, '')}${'0'.repeat(32)}`;
      const hold = esdb.standin!.holdAppends(stream);
      const handling = handleCommand(store, {
        streamName: stream,
        command: {
          type: 'RecordConversation',
          data: {
            conversationId: 'c-1',
            patient: { bsn: '111222333', name: 'Testpatiënt', birthDate: '1940-01-01' },
            date: '2026-01-10',
            participants: [patientParty, asParty(actors.gp)],
            treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
            reviewAfterMonths: 3,
          },
          metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
        } as PzpCommand,
        expectedVersion: -1,
        sourceSystem: 'test',
        commandKey: randomUUID(),
      });
      await hold.waitForAppends(1);
      hold.releaseUnanswered();
      await esdb.standin!.dropConnections();

      const handled = await handling;
      const read = await store.readStream(stream);
      expect(read.map((e) => e.id)).toEqual(handled.events.map((e) => e.metadata.eventId));
      expect(handled.version).toBe(read.length - 1);
      expect(esdb.standin!.appendCounts().get(stream)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
