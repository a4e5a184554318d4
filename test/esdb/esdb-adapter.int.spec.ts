import { randomUUID } from 'node:crypto';
import { subscriptionReader } from '@pzp/event-store/contract';
import {
  EsdbEventStore,
  type EventData,
  type RecordedEvent,
  type SubscriptionHealth,
} from '@pzp/event-store';
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
const ids = (list: readonly { id: string }[]) => list.map((e) => e.id);

describe('EventStoreDB adapter: what the contract cannot see', () => {
  it('system events are in $all but never reach readAll, subscriptions or the head position', async ({
    skip,
  }) => {
    if (!esdb.standin) skip(); // a real server writes its own, at its own pace
    const store = esdb.open();
    const start = await store.headPosition();
    const stream = `sys-${randomUUID()}`;
    const ours = events('Ours', 3);
    await store.appendToStream(stream, ours.slice(0, 2), { expectedRevision: 'no_stream' });
    esdb.standin!.appendSystemEvent();
    await store.appendToStream(stream, ours.slice(2), { expectedRevision: 1n });
    esdb.standin!.appendSystemEvent();
    esdb.standin!.appendSystemEvent();

    const read = await store.readAll(start === undefined ? {} : { fromPosition: start });
    expect(read.every((e) => !e.type.startsWith('$') && !e.streamName.startsWith('$'))).toBe(true);
    expect(ids(read.filter((e) => e.streamName === stream))).toEqual(ids(ours));
    // The head is our last event, not the system events written after it.
    expect(await store.headPosition()).toBe(read.at(-1)!.position);
    const subscribed = await subscriptionReader(
      store.subscribeToAll(start === undefined ? {} : { fromPosition: start }),
    ).take(3, {
      filter: (e) => e.streamName === stream || e.type.startsWith('$'),
    });
    expect(ids(subscribed)).toEqual(ids(ours));
  });

  it('maxCount counts registry events only, however many system events lie between them', async ({
    skip,
  }) => {
    if (!esdb.standin) skip();
    const store = esdb.open();
    const start = await store.headPosition();
    const stream = `sys-page-${randomUUID()}`;
    const ours = events('Ours', 4);
    for (let i = 0; i < 4; i++) {
      for (let s = 0; s < 600; s++) esdb.standin!.appendSystemEvent(); // more than one page of $all
      await store.appendToStream(stream, [ours[i]!], { expectedRevision: 'any' });
    }
    const page = await store.readAll({
      ...(start === undefined ? {} : { fromPosition: start }),
      maxCount: 2,
    });
    expect(ids(page)).toEqual(ids(ours.slice(0, 2)));
    const rest = await store.readAll({ fromPosition: page[1]!.position });
    expect(ids(rest)).toEqual(ids(ours.slice(2)));
  });

  it('the events of one append get strictly increasing positions, and resuming between them neither skips nor repeats', async () => {
    const store = esdb.open();
    const stream = `batch-${randomUUID()}`;
    const start = await store.headPosition();
    const result = await store.appendToStream(stream, events('Batch', 4), { expectedRevision: 'no_stream' });
    const read = (await store.readAll(start === undefined ? {} : { fromPosition: start })).filter(
      (e) => e.streamName === stream,
    );
    for (let i = 1; i < read.length; i++) expect(read[i]!.position).toBeGreaterThan(read[i - 1]!.position);
    expect(read.at(-1)!.position).toBe(result.position);
    // Resuming between two events of one append neither skips nor repeats.
    const resumed = (await store.readAll({ fromPosition: read[1]!.position })).filter(
      (e) => e.streamName === stream,
    );
    expect(ids(resumed)).toEqual(ids(read.slice(2)));
  });
});

describe('EventStoreDB adapter: dropped connections (stand-in only)', () => {
  it('a subscription resubscribes after the connection drops, without skipping or repeating', async ({
    skip,
  }) => {
    if (!esdb.standin) skip();
    const states: SubscriptionHealth['state'][] = [];
    const store = esdb.open({ onSubscriptionState: (h) => states.push(h.state) });
    const start = await store.headPosition();
    const stream = `drop-${randomUUID()}`;
    const appended: EventData[] = [];
    let revision: bigint | 'no_stream' = 'no_stream';
    const append = async (count: number) => {
      const batch = events('Dropped', count);
      // An append cut by the drop fails although it may have been written (as with a real
      // server): look before writing it again with the same expected revision.
      for (let attempt = 0; ; attempt++) {
        try {
          revision = (await store.appendToStream(stream, batch, { expectedRevision: revision }))
            .nextExpectedRevision;
          break;
        } catch (error) {
          if (attempt > 20) throw error;
          const written = await store.readStream(stream).catch(() => undefined);
          if (written?.some((e) => e.id === batch[0]!.id)) {
            revision = written.at(-1)!.revision;
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      appended.push(...batch);
    };
    await append(5);
    const subscription = store.subscribeToAll(start === undefined ? {} : { fromPosition: start });
    const reader = subscriptionReader(subscription);
    const own = { filter: (e: RecordedEvent) => e.streamName === stream };
    const received = await reader.take(5, own);

    for (let round = 0; round < 3; round++) {
      await esdb.standin!.dropConnections();
      await append(3); // written while the subscription is down or coming back
      received.push(...(await reader.take(3, own)));
    }

    expect(ids(received)).toEqual(ids(appended));
    expect(subscription.health()).toMatchObject({ state: 'live' });
    expect(subscription.health().reconnects).toBeGreaterThanOrEqual(3);
    expect(states).toContain('reconnecting');
    await subscription.close();
    expect(subscription.health().state).toBe('closed');
  });

  it('a store that does not answer fails the ping with the client error, and answers once it is back', async ({
    skip,
  }) => {
    if (!esdb.standin) skip();
    await esdb.standin!.stop();
    const store = EsdbEventStore.fromConnectionString(esdb.connectionString, { deadlineMs: 2_000 });
    try {
      await expect(store.ping()).rejects.toThrow();
      await esdb.standin!.start();
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
