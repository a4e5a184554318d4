import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import { verifyChain } from '@pzp/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

let esdb: EsdbUnderTest;
let raw: EventStoreDBClient;
beforeAll(async () => {
  esdb = await esdbUnderTest();
  raw = EventStoreDBClient.connectionString(esdb.connectionString);
});
afterAll(async () => {
  await raw.dispose();
  await esdb.close();
});

/** An event written straight through the client, as the registry did before the chain (or a foreign writer does). */
const unchained = (n: number) =>
  jsonEvent({ id: randomUUID(), type: 'Old', data: { n }, metadata: { source: 'before-the-chain' } });

describe('EventStoreDB adapter: the hash chain and events written without it', () => {
  it('events from before the chain are accepted as a prefix; the chain starts at the first append after them', async () => {
    const store = esdb.open();
    const stream = `legacy-${randomUUID()}`;
    await raw.appendToStream(stream, [unchained(0), unchained(1)], { expectedRevision: NO_STREAM });

    await store.appendToStream(stream, [{ id: randomUUID(), type: 'New', data: {}, metadata: {} }], {
      expectedRevision: 1n,
    });
    await store.appendToStream(stream, [{ id: randomUUID(), type: 'New', data: {}, metadata: {} }], {
      expectedRevision: 'any',
    });

    const read = await store.readStream(stream);
    expect(read.map((e) => e.integrity === undefined)).toEqual([true, true, false, false]);
    expect(read[0]!.metadata).toEqual({ source: 'before-the-chain' });
    expect(read[2]!.integrity!.previous).toBeNull();
    expect(read[3]!.integrity!.previous).toBe(read[2]!.integrity!.hash);
    expect(verifyChain(read)).toBeUndefined();
  });

  it('an event appended around the adapter after the chain began is a break, and so is a forged link', async () => {
    const store = esdb.open();
    const stream = `around-${randomUUID()}`;
    await store.appendToStream(stream, [{ id: randomUUID(), type: 'New', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });
    const [first] = await store.readStream(stream);

    await raw.appendToStream(stream, [unchained(1)], { expectedRevision: 0n });
    expect(verifyChain(await store.readStream(stream))).toMatchObject({
      revision: 1n,
      kind: 'missing',
      expected: first!.integrity!.hash,
    });

    const other = `forged-${randomUUID()}`;
    await raw.appendToStream(
      other,
      [
        jsonEvent({
          id: randomUUID(),
          type: 'Forged',
          data: { decision: 'WEL ' },
          metadata: { 'pzp.integrity': { hash: first!.integrity!.hash, previous: null } },
        }),
      ],
      { expectedRevision: NO_STREAM },
    );
    const [forged] = await store.readStream(other);
    expect(forged!.metadata).toEqual({});
    expect(verifyChain([forged!])).toMatchObject({
      revision: 0n,
      kind: 'hash',
      found: first!.integrity!.hash,
    });
  });

  it('refuses caller metadata that uses the key the chain link is kept under', async () => {
    const store = esdb.open();
    const stream = `reserved-${randomUUID()}`;
    await expect(
      store.appendToStream(
        stream,
        [
          {
            id: randomUUID(),
            type: 'E',
            data: {},
            metadata: { 'pzp.integrity': { hash: 'x', previous: null } },
          },
        ],
        { expectedRevision: 'no_stream' },
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(await store.readStream(stream)).toEqual([]);
  });
});
