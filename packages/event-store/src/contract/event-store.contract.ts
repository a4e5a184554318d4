import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  type StreamEvent,
  type Subscription,
} from '../port.js';
import { eventHash } from '../integrity/hash.js';
import { verifyChain } from '../integrity/chain.js';
import { subscriptionReader, withTimeout } from './subscription-reader.js';

/**
 * What an adapter's spec file hands the contract for each test.
 *
 * The contract assumes a store that may be shared and never emptied (a real EventStoreDB):
 * every test writes to its own randomly named streams, reads `$all` only from the head position
 * it saw when it started, and ignores events of streams it did not write. It assumes nothing
 * about positions beyond "a bigint that strictly increases with every event".
 */
export interface ContractHarness {
  store: EventStore;
  /** Opens a second, independent instance on the same storage (as another process would). */
  openAnother?: () => Promise<EventStore>;
  /** Closes `store` and releases what the factory created. Instances from `openAnother` are closed by the contract. */
  cleanup: () => Promise<void>;
  /**
   * Replaces the stored data of one event behind the adapter's back, as someone editing the
   * storage would; absent where the storage cannot be edited (a real EventStoreDB).
   */
  tamper?: (streamName: string, revision: bigint, data: unknown) => Promise<void>;
}

/** recordedAt comes from the store's clock, which may be another machine's. */
const CLOCK_TOLERANCE_MS = 5_000;

export function eventStoreContract(name: string, factory: () => Promise<ContractHarness>): void {
  describe(`EventStore contract: ${name}`, () => {
    let harness: ContractHarness | undefined;
    let store: EventStore;
    /** The head when the test started: `$all` reads and subscriptions start here. */
    let startHead: bigint | undefined;
    const others: EventStore[] = [];
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
      startHead = await store.headPosition();
    });

    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.close();
      for (const other of others.splice(0)) await other.close();
      await harness?.cleanup();
      harness = undefined;
    });

    /** The second instance, or undefined when the adapter has none. */
    async function another(): Promise<EventStore | undefined> {
      if (harness?.openAnother === undefined) return undefined;
      const other = await harness.openAnother();
      others.push(other);
      return other;
    }

    function subscribe(on: EventStore, fromPosition: bigint | undefined): Subscription {
      const subscription = on.subscribeToAll(fromPosition === undefined ? {} : { fromPosition });
      subscriptions.push(subscription);
      return subscription;
    }

    /** All events of `streams` after `fromPosition`, read from `$all` in pages. */
    async function readAllOf(
      streams: readonly string[],
      fromPosition = startHead,
      on: EventStore = store,
    ): Promise<RecordedEvent[]> {
      const own = inStreams(...streams);
      const found: RecordedEvent[] = [];
      let after = fromPosition;
      for (;;) {
        const page = await on.readAll(
          after === undefined ? { maxCount: 1_000 } : { fromPosition: after, maxCount: 1_000 },
        );
        if (page.length === 0) return found;
        // Fail fast (rather than page forever) if fromPosition is not exclusive.
        expectAfter(after, page);
        found.push(...page.filter(own));
        after = page[page.length - 1]!.position;
      }
    }

    describe('appendToStream', () => {
      it("'no_stream' creates the stream with revisions 0..n-1 and returns the last revision and position", async () => {
        const stream = newStream();
        const appended = eventsFor('Created', 3);

        const result = await store.appendToStream(stream, appended, { expectedRevision: 'no_stream' });

        expect(result.nextExpectedRevision).toBe(2n);
        expect(typeof result.position).toBe('bigint');
        if (startHead !== undefined) expect(result.position).toBeGreaterThan(startHead);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(read.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expect(read.map((e) => e.streamName)).toEqual([stream, stream, stream]);
        expect((await readAllOf([stream]))[2]!.position).toBe(result.position);
      });

      it("'no_stream' on an existing stream fails with the actual revision and writes nothing", async () => {
        const stream = newStream();
        await store.appendToStream(stream, eventsFor('First', 3), { expectedRevision: 'no_stream' });
        const rejected = eventsFor('Second', 2);

        const error = await conflictOf(
          store.appendToStream(stream, rejected, { expectedRevision: 'no_stream' }),
        );

        expect(error.streamName).toBe(stream);
        expect(error.expected).toBe('no_stream');
        expect(error.actual).toBe(2n);
        await expectNotWritten(stream, rejected, 3);
      });

      it('an exact expected revision appends when it equals the last revision', async () => {
        const stream = newStream();
        await store.appendToStream(stream, eventsFor('First', 2), { expectedRevision: 'no_stream' });

        const second = await store.appendToStream(stream, eventsFor('Second', 2), { expectedRevision: 1n });
        expect(second.nextExpectedRevision).toBe(3n);
        const third = await store.appendToStream(stream, eventsFor('Third', 1), { expectedRevision: 3n });
        expect(third.nextExpectedRevision).toBe(4n);
        expect(third.position).toBeGreaterThan(second.position);

        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(read.map((e) => e.type)).toEqual(['First', 'First', 'Second', 'Second', 'Third']);
      });

      it('an exact expected revision that does not match fails with the actual revision and writes nothing', async () => {
        const stream = newStream();
        await store.appendToStream(stream, eventsFor('First', 3), { expectedRevision: 'no_stream' });

        for (const expectedRevision of [0n, 1n, 3n, 10n]) {
          const rejected = eventsFor('Rejected', 2);
          const error = await conflictOf(store.appendToStream(stream, rejected, { expectedRevision }));
          expect(error.streamName).toBe(stream);
          expect(error.expected).toBe(expectedRevision);
          expect(error.actual).toBe(2n);
          await expectNotWritten(stream, rejected, 3);
        }

        // The actual revision the error carries is the one to retry with.
        const retried = await store.appendToStream(stream, eventsFor('Retried', 1), { expectedRevision: 2n });
        expect(retried.nextExpectedRevision).toBe(3n);
      });

      it("an exact expected revision on a missing stream fails with actual 'no_stream' and does not create it", async () => {
        const stream = newStream();
        const rejected = eventsFor('Rejected', 1);

        const error = await conflictOf(store.appendToStream(stream, rejected, { expectedRevision: 0n }));

        expect(error.expected).toBe(0n);
        expect(error.actual).toBe('no_stream');
        await expectNotWritten(stream, rejected, 0);
      });

      it("'stream_exists' fails on a missing stream with actual 'no_stream' and appends to an existing one", async () => {
        const stream = newStream();
        const rejected = eventsFor('Rejected', 2);

        const error = await conflictOf(
          store.appendToStream(stream, rejected, { expectedRevision: 'stream_exists' }),
        );
        expect(error.streamName).toBe(stream);
        expect(error.expected).toBe('stream_exists');
        expect(error.actual).toBe('no_stream');
        await expectNotWritten(stream, rejected, 0);

        // Not created by the failed append: 'no_stream' still succeeds.
        await store.appendToStream(stream, eventsFor('Created', 1), { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, eventsFor('More', 2), {
          expectedRevision: 'stream_exists',
        });
        expect(result.nextExpectedRevision).toBe(2n);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['Created', 'More', 'More']);
      });

      it("'any' creates a missing stream and appends to an existing one", async () => {
        const stream = newStream();

        const first = await store.appendToStream(stream, eventsFor('First', 2), { expectedRevision: 'any' });
        expect(first.nextExpectedRevision).toBe(1n);
        const second = await store.appendToStream(stream, eventsFor('Second', 1), {
          expectedRevision: 'any',
        });
        expect(second.nextExpectedRevision).toBe(2n);
        expect(second.position).toBeGreaterThan(first.position);

        const read = await store.readStream(stream);
        expect(read.map((e) => [e.revision, e.type])).toEqual([
          [0n, 'First'],
          [1n, 'First'],
          [2n, 'Second'],
        ]);
      });
    });

    describe('atomic appends', () => {
      it('the events of one append get consecutive revisions and strictly increasing positions', async () => {
        const stream = newStream();
        const other = newStream('other');
        const first = await store.appendToStream(stream, eventsFor('First', 1), {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(other, eventsFor('Other', 2), { expectedRevision: 'no_stream' });
        const batch = eventsFor('Batch', 5);

        const result = await store.appendToStream(stream, batch, { expectedRevision: 0n });

        expect((await store.readStream(stream, { fromRevision: 1n })).map((e) => [e.id, e.revision])).toEqual(
          batch.map((e, i) => [e.id, BigInt(i + 1)]),
        );
        const read = (await readAllOf([stream])).slice(1);
        expect(read.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expectStrictlyIncreasing(read.map((e) => e.position));
        expect(read[0]!.position).toBeGreaterThan(first.position);
        expect(read[4]!.position).toBe(result.position);
        expect(result.nextExpectedRevision).toBe(5n);
        // In $all the batch is contiguous: no event of another stream between its events.
        const all = await store.readAll({ fromPosition: read[0]!.position, maxCount: 4 });
        expect(all.map((e) => e.id)).toEqual(batch.slice(1).map((e) => e.id));
      });

      it('an append rejected for its expected revision writes none of its events', async () => {
        const stream = newStream();
        await store.appendToStream(stream, eventsFor('First', 2), { expectedRevision: 'no_stream' });
        const rejected = eventsFor('Rejected', 4);

        await conflictOf(store.appendToStream(stream, rejected, { expectedRevision: 0n }));

        await expectNotWritten(stream, rejected, 2);
      });

      it('an append that fails part-way through its events writes none of them', async () => {
        const stream = newStream();
        const ok = eventsFor('Ok', 4);
        // A bigint is not JSON-serialisable: the third event cannot be stored.
        const failing = [ok[0]!, ok[1]!, event('Unserialisable', { amount: 1n }), ok[2]!, ok[3]!];

        await expect(
          store.appendToStream(stream, failing, { expectedRevision: 'no_stream' }),
        ).rejects.toBeInstanceOf(Error);

        await expectNotWritten(stream, failing, 0);
        const retried = await store.appendToStream(stream, ok, { expectedRevision: 'no_stream' });
        expect(retried.nextExpectedRevision).toBe(3n);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(ok.map((e) => e.id));
      });
    });

    describe('idempotent appends (a retry after a lost acknowledgement)', () => {
      it('the same events appended again where they are succeed with the original result and are stored once', async () => {
        const stream = newStream();
        const created = eventsFor('Created', 2);
        const changed = eventsFor('Changed', 2);
        const logged = eventsFor('Logged', 3);

        const first = await store.appendToStream(stream, created, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, created, { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, changed, { expectedRevision: 1n });
        const secondAgain = await store.appendToStream(stream, changed, { expectedRevision: 1n });
        const third = await store.appendToStream(stream, logged, { expectedRevision: 'any' });
        const thirdAgain = await store.appendToStream(stream, logged, { expectedRevision: 'any' });

        expect(again).toEqual(first);
        expect(secondAgain).toEqual(second);
        expect(thirdAgain).toEqual(third);
        expect(third.nextExpectedRevision).toBe(6n);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.id)).toEqual([...created, ...changed, ...logged].map((e) => e.id));
        const all = await readAllOf([stream]);
        expect(all.map((e) => e.position)).toContain(first.position);
        expect(all[all.length - 1]!.position).toBe(third.position);
        expect(verifyChain(read)).toBeUndefined();
      });

      it('the same events again after the stream moved on still succeed with the original revision', async () => {
        const stream = newStream();
        const created = eventsFor('Created', 2);
        const first = await store.appendToStream(stream, created, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, eventsFor('Later', 2), { expectedRevision: 1n });

        const again = await store.appendToStream(stream, created, { expectedRevision: 'no_stream' });

        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect((await store.readStream(stream)).length).toBe(4);
      });

      it('a partial overlap with stored events is a conflict and writes nothing', async () => {
        const stream = newStream();
        const [a, b] = eventsFor('Stored', 2) as [EventData, EventData];
        await store.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
        const c = event('New');

        await conflictOf(store.appendToStream(stream, [a, c], { expectedRevision: 'no_stream' }));
        await conflictOf(store.appendToStream(stream, [b, c], { expectedRevision: 0n }));

        await expectNotWritten(stream, [c], 2);
      });
    });

    describe('recorded events', () => {
      it('id, type, data and metadata round-trip (nested JSON, unicode, numbers)', async () => {
        const stream = newStream();
        const data = {
          text: 'Zoë Ångström — 日本語 — שלום — 🚑🏥 — e\u0301 — "quoted" \\ back\nslash\ttab \u2028',
          'sleutel met spatie en ü': true,
          numbers: {
            zero: 0,
            negative: -17,
            fraction: 3.141592653589793,
            small: 5e-324,
            large: 1.7976931348623157e308,
            maxSafe: Number.MAX_SAFE_INTEGER,
            minSafe: Number.MIN_SAFE_INTEGER,
            exponent: 1e21,
          },
          nested: { a: { b: { c: [1, 'two', null, false, { d: [] }, []] } }, empty: {} },
          nothing: null,
          list: [{ code: '89666000', decision: 'NIET' }, { code: '40617009' }],
        };
        const metadata = {
          recordedBy: { id: 'uzi-123', name: 'Dr. Çelik', organization: { id: 'ura-1', type: 'HAP' } },
          correlationId: randomUUID(),
          causationId: null,
          schemaVersion: 2,
        };
        const first: EventData = { id: randomUUID(), type: 'Pzp.ConversationRecorded.v2', data, metadata };
        const second: EventData = {
          id: randomUUID(),
          type: 'Ünïcode-Type',
          data: { list: [] },
          metadata: {},
        };

        await store.appendToStream(stream, [first, second], { expectedRevision: 'no_stream' });

        const read = await store.readStream(stream);
        expect(read).toHaveLength(2);
        expect(read[0]).toMatchObject({ id: first.id, type: first.type, streamName: stream });
        expect(read[0]!.data).toEqual(data);
        expect(read[0]!.metadata).toEqual(metadata);
        expect(read[1]).toMatchObject({ id: second.id, type: second.type, streamName: stream });
        expect(read[1]!.data).toEqual({ list: [] });
        expect(read[1]!.metadata).toEqual({});
        // The hash made on append holds for the content as it is read back.
        expect(verifyChain(read)).toBeUndefined();
      });

      it('recordedAt is a Date close to the time of the append', async () => {
        const stream = newStream();
        const before = Date.now();
        await store.appendToStream(stream, eventsFor('Timed', 2), { expectedRevision: 'no_stream' });
        const after = Date.now();

        for (const recorded of await store.readStream(stream)) {
          expect(recorded.recordedAt).toBeInstanceOf(Date);
          const time = recorded.recordedAt.getTime();
          expect(Number.isNaN(time)).toBe(false);
          expect(time).toBeGreaterThanOrEqual(before - CLOCK_TOLERANCE_MS);
          expect(time).toBeLessThanOrEqual(after + CLOCK_TOLERANCE_MS);
        }
      });

      it('readStream, readAll and subscribeToAll deliver the same recorded events', async () => {
        const stream = newStream();
        await store.appendToStream(stream, eventsFor('Same', 3), { expectedRevision: 'no_stream' });

        const fromStream = await store.readStream(stream);
        const fromAll = await readAllOf([stream]);
        const fromSubscription = await subscriptionReader(subscribe(store, startHead)).take(3, {
          filter: inStreams(stream),
        });

        // The same events whichever way they are read; only the global reads carry positions.
        expect(fromAll.map(withoutPosition)).toEqual(fromStream.map(withoutPosition));
        expect(fromSubscription).toEqual(fromAll);
        for (const recorded of fromStream) expect(typeof recorded.revision).toBe('bigint');
        for (const recorded of fromAll) expect(typeof recorded.position).toBe('bigint');
      });
    });

    describe('readStream', () => {
      it('a missing stream reads as empty, forwards and backwards', async () => {
        const stream = newStream('missing');
        expect(await store.readStream(stream)).toEqual([]);
        expect(
          await store.readStream(stream, { direction: 'forwards', fromRevision: 3n, maxCount: 5 }),
        ).toEqual([]);
        expect(await store.readStream(stream, { direction: 'backwards' })).toEqual([]);
        expect(await store.readStream(stream, { direction: 'backwards', fromRevision: 3n })).toEqual([]);
      });

      it('reads forwards from the start, or from an inclusive revision, up to maxCount', async () => {
        const stream = await streamWith(10);

        expect(revisions(await store.readStream(stream))).toEqual(range(0, 10));
        expect(revisions(await store.readStream(stream, { direction: 'forwards' }))).toEqual(range(0, 10));
        expect(revisions(await store.readStream(stream, { fromRevision: 4n }))).toEqual(range(4, 10));
        expect(revisions(await store.readStream(stream, { maxCount: 3 }))).toEqual(range(0, 3));
        expect(revisions(await store.readStream(stream, { fromRevision: 4n, maxCount: 3 }))).toEqual(
          range(4, 7),
        );
        expect(revisions(await store.readStream(stream, { fromRevision: 8n, maxCount: 5 }))).toEqual(
          range(8, 10),
        );
        expect(revisions(await store.readStream(stream, { fromRevision: 9n }))).toEqual([9n]);
        expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
      });

      it('reads backwards from the end, or from an inclusive revision, up to maxCount', async () => {
        const stream = await streamWith(10);

        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual(
          range(0, 10).reverse(),
        );
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 3 }))).toEqual([
          9n,
          8n,
          7n,
        ]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 5n })),
        ).toEqual([5n, 4n, 3n, 2n, 1n, 0n]);
        expect(
          revisions(
            await store.readStream(stream, { direction: 'backwards', fromRevision: 5n, maxCount: 2 }),
          ),
        ).toEqual([5n, 4n]);
        expect(
          revisions(
            await store.readStream(stream, { direction: 'backwards', fromRevision: 1n, maxCount: 5 }),
          ),
        ).toEqual([1n, 0n]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 0n })),
        ).toEqual([0n]);
      });

      it("reads only the named stream's events, each stream numbered from 0", async () => {
        const a = newStream('a');
        const b = newStream('b');
        for (let i = 0; i < 3; i++) {
          await store.appendToStream(a, [event('A', { i })], { expectedRevision: 'any' });
          await store.appendToStream(b, [event('B', { i })], { expectedRevision: 'any' });
        }

        const readA = await store.readStream(a);
        const readB = await store.readStream(b);
        expect(readA.map((e) => [e.streamName, e.type, e.revision, e.data])).toEqual([
          [a, 'A', 0n, { i: 0 }],
          [a, 'A', 1n, { i: 1 }],
          [a, 'A', 2n, { i: 2 }],
        ]);
        expect(readB.map((e) => [e.streamName, e.type, e.revision])).toEqual([
          [b, 'B', 0n],
          [b, 'B', 1n],
          [b, 'B', 2n],
        ]);
        // Stream reads carry no global position; the global log holds them interleaved as appended.
        const global = await readAllOf([a, b]);
        expect(global.map((e) => e.id)).toEqual([0, 1, 2].flatMap((i) => [readA[i]!.id, readB[i]!.id]));
      });
    });

    describe('readAll', () => {
      it('returns events in strictly increasing position order, in the order they were appended', async () => {
        const [a, b] = [newStream('a'), newStream('b')];
        const appended: EventData[] = [];
        for (let i = 0; i < 4; i++) {
          const forA = eventsFor('A', 2);
          const forB = eventsFor('B', 1);
          await store.appendToStream(a, forA, { expectedRevision: 'any' });
          await store.appendToStream(b, forB, { expectedRevision: 'any' });
          appended.push(...forA, ...forB);
        }

        const all = await store.readAll(startHead === undefined ? {} : { fromPosition: startHead });
        expectStrictlyIncreasing(all.map((e) => e.position));
        if (startHead !== undefined) for (const e of all) expect(e.position).toBeGreaterThan(startHead);
        expect(all.filter(inStreams(a, b)).map((e) => e.id)).toEqual(appended.map((e) => e.id));
      });

      it('fromPosition is exclusive', async () => {
        const stream = await streamWith(5);
        const positions = (await readAllOf([stream])).map((e) => e.position);
        const p2 = positions[2]!;

        const after = await store.readAll({ fromPosition: p2 });
        for (const e of after) expect(e.position).toBeGreaterThan(p2);
        expect(revisions(after.filter(inStreams(stream)))).toEqual([3n, 4n]);

        const [next] = await store.readAll({ fromPosition: p2, maxCount: 1 });
        expect(next!.position).toBeGreaterThan(p2);
        expect(next!.position).toBeLessThanOrEqual(positions[3]!);

        const last = positions[4]!;
        expect((await store.readAll({ fromPosition: last })).filter(inStreams(stream))).toEqual([]);
      });

      it('paging with maxCount visits every event exactly once', async () => {
        const streams = [newStream('a'), newStream('b'), newStream('c')];
        const appended: EventData[] = [];
        for (let i = 0; i < 9; i++) {
          const batch = eventsFor('Paged', (i % 3) + 1);
          await store.appendToStream(streams[i % 3]!, batch, { expectedRevision: 'any' });
          appended.push(...batch);
        }

        const visited: RecordedEvent[] = [];
        let after = startHead;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(10_000);
          const page = await store.readAll(
            after === undefined ? { maxCount: 4 } : { fromPosition: after, maxCount: 4 },
          );
          expect(page.length).toBeLessThanOrEqual(4);
          if (page.length === 0) break;
          expectAfter(after, page);
          visited.push(...page);
          after = page[page.length - 1]!.position;
        }

        expectStrictlyIncreasing(visited.map((e) => e.position));
        expect(visited.filter(inStreams(...streams)).map((e) => e.id)).toEqual(appended.map((e) => e.id));
      });

      it('without fromPosition reads from the beginning of the store', async () => {
        const stream = newStream();
        const result = await store.appendToStream(stream, eventsFor('Any', 1), {
          expectedRevision: 'no_stream',
        });

        const first = await store.readAll({ maxCount: 1 });
        expect(first).toHaveLength(1);
        expect(first[0]!.position).toBeLessThanOrEqual(result.position);
        if (startHead !== undefined) expect(first[0]!.position).toBeLessThanOrEqual(startHead);
        const explicitUndefined = await store.readAll({ fromPosition: undefined, maxCount: 1 });
        expect(explicitUndefined).toEqual(first);
      });
    });

    describe('headPosition', () => {
      it('is the position of the last event in the store', async () => {
        if (startHead !== undefined) expect(typeof startHead).toBe('bigint');
        const stream = newStream();

        const first = await store.appendToStream(stream, eventsFor('Head', 2), {
          expectedRevision: 'no_stream',
        });
        const headAfterFirst = await store.headPosition();
        expect(headAfterFirst).toBeDefined();
        expect(headAfterFirst!).toBeGreaterThanOrEqual(first.position);

        const second = await store.appendToStream(stream, eventsFor('Head', 1), { expectedRevision: 1n });
        const headAfterSecond = await store.headPosition();
        expect(headAfterSecond!).toBeGreaterThanOrEqual(second.position);
        expect(headAfterSecond!).toBeGreaterThan(headAfterFirst!);

        // Nothing of ours lies beyond the head, and the head itself is an event's position.
        expect((await store.readAll({ fromPosition: headAfterSecond! })).filter(inStreams(stream))).toEqual(
          [],
        );
        const all = await store.readAll(startHead === undefined ? {} : { fromPosition: startHead });
        expect(all.map((e) => e.position)).toContain(headAfterSecond!);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers the stored events after fromPosition, then live appends, in order without gaps or repeats', async () => {
        const [a, b] = [newStream('a'), newStream('b')];
        const own = inStreams(a, b);
        const stored = [...eventsFor('StoredA', 3), ...eventsFor('StoredB', 2)];
        await store.appendToStream(a, stored.slice(0, 3), { expectedRevision: 'no_stream' });
        await store.appendToStream(b, stored.slice(3), { expectedRevision: 'no_stream' });

        const reader = subscriptionReader(subscribe(store, startHead));
        const caughtUp = await reader.take(5, { filter: own });
        expect(caughtUp.map((e) => e.id)).toEqual(stored.map((e) => e.id));

        // Live: the subscription is already waiting when these are appended.
        const live = [...eventsFor('LiveA', 2), ...eventsFor('LiveB', 1), ...eventsFor('LiveA', 1)];
        const receiving = reader.take(4, { filter: own });
        await store.appendToStream(a, live.slice(0, 2), { expectedRevision: 2n });
        await store.appendToStream(b, live.slice(2, 3), { expectedRevision: 1n });
        await store.appendToStream(a, live.slice(3), { expectedRevision: 4n });
        const received = await receiving;
        expect(received.map((e) => e.id)).toEqual(live.map((e) => e.id));

        // No repeats: the next event of ours is the sentinel appended now.
        const sentinel = event('Sentinel');
        await store.appendToStream(b, [sentinel], { expectedRevision: 2n });
        const [next] = await reader.take(1, { filter: own });
        expect(next!.id).toBe(sentinel.id);

        const delivered = [...caughtUp, ...received, next!];
        expectStrictlyIncreasing(delivered.map((e) => e.position));
        expect(delivered).toEqual(await readAllOf([a, b]));
      });

      it('fromPosition is exclusive', async () => {
        const stream = await streamWith(4);
        const read = await readAllOf([stream]);

        const from = read[1]!.position;
        const delivered: RecordedEvent[] = [];
        const own = await subscriptionReader(subscribe(store, from)).take(2, {
          filter: (recorded) => delivered.push(recorded) > 0 && recorded.streamName === stream,
        });

        expect(revisions(own)).toEqual([2n, 3n]);
        for (const recorded of delivered) expect(recorded.position).toBeGreaterThan(from);
      });

      it('close() ends the iteration and nothing appended afterwards is delivered', async () => {
        const stream = await streamWith(2);
        const subscription = subscribe(store, startHead);
        const seen: RecordedEvent[] = [];
        let sawBoth!: () => void;
        const bothSeen = new Promise<void>((resolve) => (sawBoth = resolve));

        const loop = (async () => {
          for await (const recorded of subscription) {
            if (recorded.streamName !== stream) continue;
            seen.push(recorded);
            if (seen.length === 2) sawBoth();
          }
        })();
        await withTimeout(bothSeen, 'the subscription did not deliver the stored events');

        await subscription.close();
        await store.appendToStream(stream, eventsFor('AfterClose', 2), { expectedRevision: 1n });
        await withTimeout(loop, 'the for-await loop did not end after close()');

        expect(revisions(seen)).toEqual([0n, 1n]);
        await expect(subscription.close()).resolves.toBeUndefined();
      });

      it('close() ends an iteration that is waiting for live events', async () => {
        const stream = newStream();
        const subscription = subscribe(store, await store.headPosition());
        const reader = subscriptionReader(subscription);
        const waiting = reader.take(1, { filter: inStreams(stream) });
        waiting.catch(() => undefined);

        await subscription.close();

        await expect(waiting).rejects.toThrow(/ended/);
        await store.appendToStream(stream, eventsFor('AfterClose', 1), { expectedRevision: 'no_stream' });
        expect(await reader.untilEnd({ filter: inStreams(stream) })).toEqual([]);
      });

      it('two subscriptions are independent', async () => {
        const stream = await streamWith(3);
        const own = inStreams(stream);
        const read = await readAllOf([stream]);
        const one = subscribe(store, startHead);
        const two = subscribe(store, read[0]!.position);
        const readerOne = subscriptionReader(one);
        const readerTwo = subscriptionReader(two);

        expect(revisions(await readerOne.take(3, { filter: own }))).toEqual([0n, 1n, 2n]);
        expect(revisions(await readerTwo.take(1, { filter: own }))).toEqual([1n]);

        await store.appendToStream(stream, eventsFor('Live', 2), { expectedRevision: 2n });
        expect(revisions(await readerOne.take(2, { filter: own }))).toEqual([3n, 4n]);

        // Closing one leaves the other (which is behind) delivering everything.
        await one.close();
        await store.appendToStream(stream, eventsFor('Live', 1), { expectedRevision: 4n });
        expect(revisions(await readerTwo.take(4, { filter: own }))).toEqual([2n, 3n, 4n, 5n]);
        expect(await readerOne.untilEnd({ filter: own })).toEqual([]);
      });

      it('a subscription from the head position sees only new events', async () => {
        const stream = await streamWith(3);
        const head = await store.headPosition();

        const reader = subscriptionReader(subscribe(store, head));
        const fresh = eventsFor('New', 2);
        await store.appendToStream(stream, fresh, { expectedRevision: 2n });

        const received = await reader.take(2, { filter: inStreams(stream) });
        expect(received.map((e) => e.id)).toEqual(fresh.map((e) => e.id));
        expect(revisions(received)).toEqual([3n, 4n]);
      });

      it('without fromPosition starts at the beginning of the store', async () => {
        const stream = newStream();
        const result = await store.appendToStream(stream, eventsFor('Any', 1), {
          expectedRevision: 'no_stream',
        });

        const [first] = await subscriptionReader(subscribe(store, undefined)).take(1);
        expect(first!.position).toBeLessThanOrEqual(result.position);
        if (startHead !== undefined) expect(first!.position).toBeLessThanOrEqual(startHead);
      });
    });

    describe('hash chain', () => {
      it("every event carries its hash and the previous event's, whatever the expected revision", async () => {
        const [a, b] = [newStream('a'), newStream('b')];
        await store.appendToStream(a, eventsFor('First', 2), { expectedRevision: 'no_stream' });
        await store.appendToStream(b, eventsFor('Other', 1), { expectedRevision: 'any' });
        await store.appendToStream(a, eventsFor('Exact', 1), { expectedRevision: 1n });
        await store.appendToStream(a, eventsFor('Any', 2), { expectedRevision: 'any' });
        await store.appendToStream(a, eventsFor('Exists', 1), { expectedRevision: 'stream_exists' });

        const read = await store.readStream(a);
        expect(revisions(read)).toEqual(range(0, 6));
        for (const [i, e] of read.entries()) {
          const previous = i === 0 ? null : read[i - 1]!.integrity!.hash;
          expect(e.integrity).toEqual({ hash: eventHash(asStored(e), previous), previous });
          expect(e.integrity!.hash).toMatch(/^[0-9a-f]{64}$/);
        }
        expect(new Set(read.map((e) => e.integrity!.hash)).size).toBe(6);
        expect(verifyChain(read)).toBeUndefined();
        // Each stream has its own chain.
        const [other] = await store.readStream(b);
        expect(other!.integrity!.previous).toBeNull();
        // The global log and subscriptions carry the same links.
        expect((await readAllOf([a])).map((e) => e.integrity)).toEqual(read.map((e) => e.integrity));
        const subscribed = await subscriptionReader(subscribe(store, startHead)).take(6, {
          filter: inStreams(a),
        });
        expect(subscribed.map((e) => e.integrity)).toEqual(read.map((e) => e.integrity));
        // A partial read verifies from the head of the events before it.
        const tail = await store.readStream(a, { fromRevision: 3n });
        expect(verifyChain(tail, { revision: 2n, hash: read[2]!.integrity!.hash })).toBeUndefined();
      });

      it("parallel 'any' appends through every instance make one unbroken chain", async () => {
        const stores = [store, ...[await another()].filter((s) => s !== undefined)];
        const stream = newStream('any-race');
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            stores[i % stores.length]!.appendToStream(stream, eventsFor(`Racer${i}`, 2), {
              expectedRevision: 'any',
            }),
          ),
        );

        const read = await store.readStream(stream);
        expect(revisions(read)).toEqual(range(0, 24));
        expect(verifyChain(read)).toBeUndefined();
      });

      it('verifyChain finds the first event changed, relinked or missing in what the store hands out', async () => {
        const stream = await streamWith(4);
        const read = await store.readStream(stream);
        const hashOf = (i: number) => read[i]!.integrity!.hash;

        // What is stored changes (a decorated store shows the stored form beside the data it shows).
        const changed = read.map((e, i) => (i === 1 ? { ...e, data: { i: 'WEL ' }, stored: undefined } : e));
        expect(verifyChain(changed)).toEqual({
          streamName: stream,
          revision: 1n,
          kind: 'hash',
          expected: eventHash(changed[1]!, hashOf(0)),
          found: hashOf(1),
        });
        // Changed and given a new hash that fits its content: the next event's link no longer holds.
        const rehashed = {
          ...changed[1]!,
          integrity: { hash: eventHash(changed[1]!, hashOf(0)), previous: hashOf(0) },
        };
        expect(verifyChain([read[0]!, rehashed, ...read.slice(2)])).toMatchObject({
          revision: 2n,
          kind: 'link',
          expected: rehashed.integrity.hash,
          found: hashOf(1),
        });
        expect(verifyChain([read[0]!, ...read.slice(2)])).toMatchObject({ revision: 2n, kind: 'order' });
        expect(verifyChain(read.map((e, i) => (i === 2 ? { ...e, integrity: undefined } : e)))).toMatchObject(
          {
            revision: 2n,
            kind: 'missing',
            expected: hashOf(1),
          },
        );
      });

      it('an event changed in the storage itself fails verification where it was changed, and stays found', async (context) => {
        if (harness?.tamper === undefined) return context.skip();
        const stream = newStream('tampered');
        await store.appendToStream(
          stream,
          [
            event('Set', { decision: 'NIET' }),
            event('Set', { decision: 'NIET' }),
            event('Set', { decision: 'JA' }),
          ],
          { expectedRevision: 'no_stream' },
        );
        const before = await store.readStream(stream);

        await harness.tamper(stream, 1n, { decision: 'WEL ' });

        const read = await store.readStream(stream);
        expect(read[1]!.data).toEqual({ decision: 'WEL ' });
        const broken = { streamName: stream, revision: 1n, kind: 'hash', found: before[1]!.integrity!.hash };
        expect(verifyChain(read)).toMatchObject(broken);
        expect(verifyChain(await readAllOf([stream]))).toMatchObject(broken);
        // Later appends chain on as before: the change is not papered over.
        await store.appendToStream(stream, eventsFor('Later', 1), { expectedRevision: 2n });
        const later = await store.readStream(stream);
        expect(later[3]!.integrity!.previous).toBe(before[2]!.integrity!.hash);
        expect(verifyChain(later)).toMatchObject(broken);
      });

      it('refuses metadata that is not a JSON object, writing nothing', async () => {
        const stream = newStream();
        for (const metadata of ['text', 42, ['a'], null]) {
          await expect(
            store.appendToStream(stream, [{ ...event('Odd'), metadata }], { expectedRevision: 'any' }),
          ).rejects.toBeInstanceOf(TypeError);
        }
        await store.appendToStream(stream, [{ ...event('Plain'), metadata: undefined }], {
          expectedRevision: 'any',
        });
        const read = await store.readStream(stream);
        expect(read.map((e) => [e.type, e.metadata])).toEqual([['Plain', {}]]);
        expect(verifyChain(read)).toBeUndefined();
      });
    });

    describe('large streams', () => {
      it('2,000 events appended in batches of 100 read back complete and in order', async () => {
        const stream = newStream('large');
        const appended: EventData[] = [];
        let expectedRevision: ExpectedRevision = 'no_stream';
        for (let batch = 0; batch < 20; batch++) {
          const events = Array.from({ length: 100 }, (_, i) => event('Large', { n: batch * 100 + i }));
          const result = await store.appendToStream(stream, events, { expectedRevision });
          expect(result.nextExpectedRevision).toBe(BigInt(batch * 100 + 99));
          expectedRevision = result.nextExpectedRevision;
          appended.push(...events);
        }

        const read = await store.readStream(stream);
        expect(read).toHaveLength(2_000);
        expect(verifyChain(read)).toBeUndefined();
        expect(read.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expect(revisions(read)).toEqual(range(0, 2_000));
        expect(read.map((e) => (e.data as { n: number }).n)).toEqual(
          Array.from({ length: 2_000 }, (_, i) => i),
        );

        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 3 }))).toEqual([
          1_999n,
          1_998n,
          1_997n,
        ]);
        expect(revisions(await store.readStream(stream, { fromRevision: 1_500n, maxCount: 2 }))).toEqual([
          1_500n,
          1_501n,
        ]);
        expect((await readAllOf([stream])).map((e) => e.id)).toEqual(appended.map((e) => e.id));
        const subscribed = await subscriptionReader(subscribe(store, startHead)).take(2_000, {
          filter: inStreams(stream),
        });
        expect(subscribed.map((e) => e.id)).toEqual(appended.map((e) => e.id));
      });
    });

    describe('concurrent appenders', () => {
      it('of N parallel appends with the same expected revision exactly one wins; the stream has no gaps or duplicates', async () => {
        await expectOneWinnerPerRevision([store]);
      });

      it("of N parallel 'no_stream' appends exactly one creates the stream", async () => {
        await expectOneCreator([store]);
      });

      it('appenders that retry with the actual revision all get their events in, once each', async () => {
        await expectRetryingAppendersSucceed([store]);
      });

      it('of parallel appends to different streams, one with a stale expected revision fails alone; each other gets its own result', async () => {
        const streams = Array.from({ length: 12 }, () => newStream('parallel'));
        for (const stream of streams) {
          await store.appendToStream(stream, eventsFor('Created', 1), { expectedRevision: 'no_stream' });
        }
        const stale = 5;
        const appended = streams.map((_, i) => eventsFor('Next', 1 + (i % 3)));

        const appends = streams.map((stream, i) =>
          store.appendToStream(stream, appended[i]!, { expectedRevision: i === stale ? 7n : 0n }),
        );
        const outcomes = await Promise.allSettled(appends);

        expect((await conflictOf(appends[stale]!)).actual).toBe(0n);
        const all = await readAllOf(streams);
        for (const [i, stream] of streams.entries()) {
          const read = await store.readStream(stream);
          if (i === stale) {
            expect(read.map((e) => e.type)).toEqual(['Created']);
            continue;
          }
          const outcome = outcomes[i]!;
          expect(outcome.status, `append ${i}`).toBe('fulfilled');
          const result = (outcome as PromiseFulfilledResult<AppendResult>).value;
          expect(read.slice(1).map((e) => e.id)).toEqual(appended[i]!.map((e) => e.id));
          expect(result.nextExpectedRevision).toBe(BigInt(appended[i]!.length));
          // Its position is that of its own last event in the global log.
          const last = all.filter(inStreams(stream)).at(-1)!;
          expect(last.id).toBe(appended[i]!.at(-1)!.id);
          expect(result.position).toBe(last.position);
        }
        expectStrictlyIncreasing(all.map((e) => e.position));
      });
    });

    describe('two instances on the same storage (when the adapter provides openAnother)', () => {
      it('an append through one instance is read through the other', async (context) => {
        const other = await another();
        if (other === undefined) return context.skip();
        const stream = newStream();
        const appended = eventsFor('Shared', 3);

        const result = await store.appendToStream(stream, appended, { expectedRevision: 'no_stream' });

        const read = await other.readStream(stream);
        expect(read.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expect(read).toEqual(await store.readStream(stream));
        expect((await readAllOf([stream], startHead, other)).map((e) => e.id)).toEqual(
          appended.map((e) => e.id),
        );
        expect((await other.headPosition())!).toBeGreaterThanOrEqual(result.position);
        const error = await conflictOf(
          other.appendToStream(stream, eventsFor('Late', 1), { expectedRevision: 'no_stream' }),
        );
        expect(error.actual).toBe(2n);
      });

      it('parallel appends through both instances with the same expected revision: exactly one wins', async (context) => {
        const other = await another();
        if (other === undefined) return context.skip();
        await expectOneWinnerPerRevision([store, other]);
        await expectOneCreator([other, store]);
      });

      it('appenders on both instances that retry with the actual revision all get their events in', async (context) => {
        const other = await another();
        if (other === undefined) return context.skip();
        await expectRetryingAppendersSucceed([store, other]);
      });

      it('a subscription on one instance sees appends made through the other, in order', async (context) => {
        const other = await another();
        if (other === undefined) return context.skip();
        const stream = newStream();
        const own = inStreams(stream);
        const stored = eventsFor('Stored', 2);
        await store.appendToStream(stream, stored, { expectedRevision: 'no_stream' });

        const reader = subscriptionReader(subscribe(other, startHead));
        expect((await reader.take(2, { filter: own })).map((e) => e.id)).toEqual(stored.map((e) => e.id));

        const live = eventsFor('Live', 3);
        const receiving = reader.take(3, { filter: own });
        await store.appendToStream(stream, live.slice(0, 1), { expectedRevision: 1n });
        await store.appendToStream(stream, live.slice(1), { expectedRevision: 2n });
        const received = await receiving;
        expect(received.map((e) => e.id)).toEqual(live.map((e) => e.id));
        expect(revisions(received)).toEqual([2n, 3n, 4n]);
        expectStrictlyIncreasing(received.map((e) => e.position));
      });
    });

    // ---- shared scenarios ----------------------------------------------------------------------

    /** Rounds of N parallel appends (2 events each) with the same expected revision, spread over `stores`. */
    async function expectOneWinnerPerRevision(stores: readonly EventStore[]): Promise<void> {
      const N = 10;
      const ROUNDS = 4;
      const stream = newStream('race');
      const seed = await store.appendToStream(stream, eventsFor('Seed', 1), {
        expectedRevision: 'no_stream',
      });
      let revision = seed.nextExpectedRevision;
      const winners: EventData[][] = [];

      for (let round = 0; round < ROUNDS; round++) {
        const attempts = Array.from({ length: N }, (_, i) => [
          event('Raced', { round, appender: i, part: 0 }),
          event('Raced', { round, appender: i, part: 1 }),
        ]);
        const expectedRevision = revision;
        const outcomes = await Promise.allSettled(
          attempts.map((events, i) =>
            stores[i % stores.length]!.appendToStream(stream, events, { expectedRevision }),
          ),
        );

        const won = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
        expect(won, `winners in round ${round}`).toHaveLength(1);
        const winner = outcomes[won[0]!] as PromiseFulfilledResult<{ nextExpectedRevision: bigint }>;
        expect(winner.value.nextExpectedRevision).toBe(expectedRevision + 2n);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') continue;
          expect(outcome.reason).toBeInstanceOf(WrongExpectedVersionError);
          const error = outcome.reason as WrongExpectedVersionError;
          expect(error.expected).toBe(expectedRevision);
          expect(error.actual).toBe(expectedRevision + 2n);
        }
        winners.push(attempts[won[0]!]!);
        revision = winner.value.nextExpectedRevision;
      }

      for (const on of stores) {
        const read = await on.readStream(stream);
        expect(revisions(read)).toEqual(range(0, 1 + 2 * ROUNDS));
        expect(read.slice(1).map((e) => e.id)).toEqual(winners.flat().map((e) => e.id));
      }
    }

    async function expectOneCreator(stores: readonly EventStore[]): Promise<void> {
      const N = 10;
      const stream = newStream('create-race');
      const attempts = Array.from({ length: N }, (_, i) => [event('Created', { appender: i })]);

      const outcomes = await Promise.allSettled(
        attempts.map((events, i) =>
          stores[i % stores.length]!.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
        ),
      );

      const won = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        expect(outcome.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect((outcome.reason as WrongExpectedVersionError).actual).toBe(0n);
      }
      const read = await store.readStream(stream);
      expect(read.map((e) => e.id)).toEqual([attempts[won[0]!]![0]!.id]);
    }

    /** N appenders each append M events one by one, retrying every conflict with the revision it reports. */
    async function expectRetryingAppendersSucceed(stores: readonly EventStore[]): Promise<void> {
      const N = 10;
      const M = 5;
      const stream = newStream('retry');

      async function appender(on: EventStore, id: number): Promise<number> {
        let expectedRevision: ExpectedRevision = 'no_stream';
        let conflicts = 0;
        for (let seq = 0; seq < M; seq++) {
          const events = [event('Retried', { appender: id, seq })];
          for (;;) {
            try {
              const result = await on.appendToStream(stream, events, { expectedRevision });
              expectedRevision = result.nextExpectedRevision;
              break;
            } catch (error) {
              if (!(error instanceof WrongExpectedVersionError)) throw error;
              expect(error.actual).not.toBe(expectedRevision);
              expectedRevision = error.actual;
              conflicts++;
              if (conflicts > N * N * M) throw new Error(`appender ${id} keeps conflicting`);
            }
          }
        }
        return conflicts;
      }

      const conflicts = await Promise.all(
        Array.from({ length: N }, (_, i) => appender(stores[i % stores.length]!, i)),
      );

      const read = await store.readStream(stream);
      expect(revisions(read)).toEqual(range(0, N * M));
      // The global log holds the stream in revision order.
      expect((await readAllOf([stream])).map((e) => e.id)).toEqual(read.map((e) => e.id));
      const written = read.map((e) => e.data as { appender: number; seq: number });
      for (let id = 0; id < N; id++) {
        expect(written.filter((d) => d.appender === id).map((d) => d.seq)).toEqual(range(0, M).map(Number));
      }
      expect(new Set(read.map((e) => e.id)).size).toBe(N * M);
      // Sanity: they really did race.
      expect(conflicts.reduce((sum, c) => sum + c, 0)).toBeGreaterThan(0);
    }

    // ---- helpers -------------------------------------------------------------------------------

    async function streamWith(count: number): Promise<string> {
      const stream = newStream();
      await store.appendToStream(stream, eventsFor('Filled', count), { expectedRevision: 'no_stream' });
      return stream;
    }

    /** The stream holds `revisionsBefore` events (and reads as such) and none of `events` is in it or in $all. */
    async function expectNotWritten(
      stream: string,
      events: readonly EventData[],
      revisionsBefore: number,
    ): Promise<void> {
      const ids = new Set(events.map((e) => e.id));
      const read = await store.readStream(stream);
      expect(revisions(read)).toEqual(range(0, revisionsBefore));
      expect(read.filter((e) => ids.has(e.id))).toEqual([]);
      expect((await readAllOf([stream])).filter((e) => ids.has(e.id))).toEqual([]);
    }
  });
}

// ---- pure helpers ------------------------------------------------------------------------------

function newStream(label = 'stream'): string {
  return `contract-${label}-${randomUUID()}`;
}

function event(type: string, data: unknown = {}, metadata: unknown = { source: 'contract' }): EventData {
  return { id: randomUUID(), type, data, metadata };
}

function eventsFor(type: string, count: number): EventData[] {
  return Array.from({ length: count }, (_, i) => event(type, { i }));
}

/** The event as the adapter holds it: a decorator (../crypto) may show other data beside it. */
function asStored(event: StreamEvent): StreamEvent {
  return event.stored === undefined ? event : { ...event, data: event.stored.data };
}

function inStreams(...streams: string[]): (event: StreamEvent) => boolean {
  const names = new Set(streams);
  return (recorded) => names.has(recorded.streamName);
}

function withoutPosition(event: StreamEvent): StreamEvent {
  const { id, streamName, type, data, metadata, revision, recordedAt, integrity } = event;
  return { id, streamName, type, data, metadata, revision, recordedAt, integrity };
}

function revisions(events: readonly StreamEvent[]): bigint[] {
  return events.map((e) => e.revision);
}

/** [from, to) as bigints. */
function range(from: number, to: number): bigint[] {
  return Array.from({ length: to - from }, (_, i) => BigInt(from + i));
}

function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(positions[i]!, `position ${i} after ${String(positions[i - 1])}`).toBeGreaterThan(
      positions[i - 1]!,
    );
  }
}

/** Every event of `page` lies strictly after `after` (when given), in strictly increasing order. */
function expectAfter(after: bigint | undefined, page: readonly RecordedEvent[]): void {
  if (after !== undefined && page.length > 0) {
    expect(page[0]!.position, `readAll({ fromPosition: ${after} }) is exclusive`).toBeGreaterThan(after);
  }
  expectStrictlyIncreasing(page.map((e) => e.position));
}

/** The WrongExpectedVersionError `append` rejects with (fails the test if it resolves or rejects otherwise). */
async function conflictOf(append: Promise<unknown>): Promise<WrongExpectedVersionError> {
  const outcome = await append.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  expect(outcome, 'the append should have been rejected').toHaveProperty('rejected');
  const error = (outcome as { rejected: unknown }).rejected;
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect((error as Error).name).toBe('WrongExpectedVersionError');
  return error as WrongExpectedVersionError;
}

export { subscriptionReader, withTimeout, type SubscriptionReader } from './subscription-reader.js';
export { identityContract, type IdentityHarness, type FreshStorage } from './identity.contract.js';
