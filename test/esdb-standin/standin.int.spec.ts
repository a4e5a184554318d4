import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { startEsdbStandin, type EsdbStandin } from './standin.js';

/**
 * The stand-in exercised with the official client over the wire. Appends go through BatchAppend
 * (what the client uses against servers that advertise it); passing credentials makes the client
 * use plain Streams.Append instead, so both paths are covered.
 */

const U64_MAX = 18446744073709551615n;

let standin: EsdbStandin;
let client: EventStoreDBClient;
const clients: EventStoreDBClient[] = [];

function newClient(): EventStoreDBClient {
  const created = EventStoreDBClient.connectionString(standin.connectionString);
  clients.push(created);
  return created;
}

beforeAll(async () => {
  standin = await startEsdbStandin();
  client = newClient();
});

afterEach(async () => {
  // Subscriptions left open by a failed test must not keep the worker alive.
  await Promise.all(clients.splice(1).map((c) => c.dispose()));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await standin.close();
});

/** BatchAppend is what the client uses by default; per-call credentials make it use plain Append. */
const appendPaths = [
  ['BatchAppend', {}],
  ['Append', { credentials: { username: 'admin', password: 'changeit' } }],
] as const;

const stream = (label: string) => `${label}-${randomUUID()}`;
const events = (n: number, type = 'Happened') =>
  Array.from({ length: n }, (_, i) => jsonEvent({ type, data: { i }, metadata: { by: 'test' } }));

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

async function readAll(
  options: Parameters<EventStoreDBClient['readAll']>[0],
): Promise<AllStreamResolvedEvent[]> {
  return collect(client.readAll(options));
}

function positionOf(resolved: AllStreamResolvedEvent | ResolvedEvent): Position {
  const position = resolved.event?.position;
  if (!position) throw new Error('event without position');
  return position;
}

/** Collects a subscription's events, checkpoints and caught-up signals; `until` awaits a condition on them. */
function observe(subscription: AllStreamSubscription) {
  const seen = { events: [] as AllStreamResolvedEvent[], checkpoints: [] as Position[], caughtUp: 0 };
  let error: unknown;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  subscription.on('data', (event: AllStreamResolvedEvent) => {
    seen.events.push(event);
    wake();
  });
  subscription.on('caughtUp', () => {
    seen.caughtUp++;
    wake();
  });
  subscription.on('error', (e: unknown) => {
    error = e;
    wake();
  });
  subscription.on('end', wake);
  return {
    seen,
    get error() {
      return error;
    },
    onCheckpoint(position: Position) {
      seen.checkpoints.push(position);
      wake();
    },
    until(condition: () => boolean, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}`));
        }, 2_000);
        const check = () => {
          if (!condition()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

describe('appends and stream reads', () => {
  it('round-trips events with revisions 0..n-1, ids, types, data, metadata and created', async () => {
    const name = stream('roundtrip');
    const proposed = events(3);
    const before = Date.now();
    const result = await client.appendToStream(name, proposed, { expectedRevision: NO_STREAM });
    expect(result.success).toBe(true);
    expect(result.nextExpectedRevision).toBe(2n);

    const read = await collect(client.readStream(name));
    expect(read.map((r) => r.event?.revision)).toEqual([0n, 1n, 2n]);
    expect(read.map((r) => r.event?.id)).toEqual(proposed.map((p) => p.id));
    const first = read[0]!.event!;
    expect(first).toMatchObject({
      streamId: name,
      type: 'Happened',
      isJson: true,
      data: { i: 0 },
      metadata: { by: 'test' },
    });
    expect(first.created.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(first.created.getTime()).toBeLessThanOrEqual(Date.now() + 1);
    // Stream reads carry no log position: no_position, and ulong.MaxValue in the recorded event.
    expect(read[0]!.commitPosition).toBeUndefined();
    expect(first.position).toEqual({ commit: U64_MAX, prepare: U64_MAX });

    const next = await client.appendToStream(name, events(1), { expectedRevision: 2n });
    expect(next.nextExpectedRevision).toBe(3n);
  });

  it('keeps binary data and content type', async () => {
    const name = stream('binary');
    const data = Uint8Array.from([0, 1, 2, 255]);
    await client.appendToStream(name, {
      id: randomUUID(),
      contentType: 'application/octet-stream',
      type: 'Bin',
      data,
      metadata: undefined,
    });
    const [read] = await collect(client.readStream(name));
    expect(read?.event?.isJson).toBe(false);
    expect(Uint8Array.from(read?.event?.data as Uint8Array)).toEqual(data);
  });

  it.each(appendPaths)(
    'reports the wrong expected version for each expectation (%s)',
    async (_path, extra) => {
      const existing = stream('wev');
      await client.appendToStream(existing, events(3), { ...extra });
      const missing = stream('wev-missing');

      const attempt = async (name: string, expectedRevision: AppendExpectedRevision) => {
        const error = await client.appendToStream(name, events(1), { expectedRevision, ...extra }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        const wrong = error as WrongExpectedVersionError;
        return { actual: wrong.actualVersion, expected: wrong.expectedVersion, stream: wrong.streamName };
      };

      expect(await attempt(existing, NO_STREAM)).toEqual({
        actual: 2n,
        expected: 'no_stream',
        stream: existing,
      });
      expect(await attempt(existing, 1n)).toEqual({ actual: 2n, expected: 1n, stream: existing });
      expect(await attempt(existing, 7n)).toEqual({ actual: 2n, expected: 7n, stream: existing });
      expect(await attempt(missing, STREAM_EXISTS)).toEqual({
        actual: 'no_stream',
        expected: 'stream_exists',
        stream: missing,
      });
      expect(await attempt(missing, 0n)).toEqual({ actual: 'no_stream', expected: 0n, stream: missing });

      // Nothing was written by the failures; ANY and STREAM_EXISTS on an existing stream succeed.
      expect((await collect(client.readStream(existing))).length).toBe(3);
      expect(
        (await client.appendToStream(existing, events(1), { expectedRevision: ANY, ...extra }))
          .nextExpectedRevision,
      ).toBe(3n);
      expect(
        (await client.appendToStream(existing, events(1), { expectedRevision: STREAM_EXISTS, ...extra }))
          .nextExpectedRevision,
      ).toBe(4n);
    },
  );

  it('treats a retried append with the same event ids as idempotent, as EventStoreDB does', async () => {
    const name = stream('idempotent');
    const batch = events(2);
    const first = await client.appendToStream(name, batch, { expectedRevision: NO_STREAM });
    const retry = await client.appendToStream(name, batch, { expectedRevision: NO_STREAM });
    expect(retry).toEqual(first);
    expect((await collect(client.readStream(name))).length).toBe(2);
    // A different event at the same expected revision is a conflict.
    await expect(
      client.appendToStream(name, events(1), { expectedRevision: NO_STREAM }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
  });

  it.each(appendPaths)('refuses an append over the 1 MiB maximum append size (%s)', async (_path, extra) => {
    const name = stream('too-big');
    const big = jsonEvent({ type: 'Big', data: { blob: 'x'.repeat(1_048_576) } });
    const error = await client.appendToStream(name, big, { ...extra }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(1_048_576);
    await expect(collect(client.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('raises StreamNotFoundError while iterating a missing stream', async () => {
    await expect(collect(client.readStream(stream('missing')))).rejects.toBeInstanceOf(StreamNotFoundError);
    await expect(
      collect(client.readStream(stream('missing'), { direction: BACKWARDS, fromRevision: END })),
    ).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads backwards and forwards from a revision with a max count', async () => {
    const name = stream('directions');
    await client.appendToStream(name, events(5));
    const revisions = async (options: Parameters<EventStoreDBClient['readStream']>[1]) =>
      (await collect(client.readStream(name, options))).map((r) => r.event?.revision);

    expect(await revisions({ direction: BACKWARDS, fromRevision: END, maxCount: 2 })).toEqual([4n, 3n]);
    expect(await revisions({ direction: BACKWARDS, fromRevision: 1n })).toEqual([1n, 0n]);
    expect(await revisions({ direction: BACKWARDS, fromRevision: 99n, maxCount: 1 })).toEqual([4n]);
    expect(await revisions({ direction: FORWARDS, fromRevision: 3n })).toEqual([3n, 4n]);
    expect(await revisions({ direction: FORWARDS, fromRevision: 9n })).toEqual([]);
    expect(await revisions({ direction: FORWARDS, fromRevision: START, maxCount: 2 })).toEqual([0n, 1n]);
  });

  it('refuses Delete and Tombstone loudly (not implemented)', async () => {
    const name = stream('delete');
    await client.appendToStream(name, events(1));
    await expect(client.deleteStream(name)).rejects.toThrow(/UNIMPLEMENTED|unimplemented/i);
    await expect(client.tombstoneStream(name)).rejects.toThrow(/UNIMPLEMENTED|unimplemented/i);
  });
});

describe('$all', () => {
  it('gives each event of a multi-event append its own position, commit == prepare, contiguous and increasing', async () => {
    const name = stream('multi');
    const result = await client.appendToStream(name, events(3));
    const mine = (await readAll({ fromPosition: START })).filter((r) => r.event?.streamId === name);
    const positions = mine.map(positionOf);
    expect(positions).toHaveLength(3);
    for (const position of positions) expect(position.commit).toBe(position.prepare);
    expect(positions[0]!.commit).toBeGreaterThan(0n);
    expect(positions[1]!.commit).toBeGreaterThan(positions[0]!.commit);
    expect(positions[2]!.commit).toBeGreaterThan(positions[1]!.commit);
    expect(mine.map((r) => r.commitPosition)).toEqual(positions.map((p) => p.commit));
    // The append reports the position of its last event.
    expect(result.position).toEqual(positions[2]);

    const all = await readAll({ fromPosition: START });
    const at = all.findIndex((r) => r.event?.id === mine[0]!.event!.id);
    expect(all.slice(at, at + 3).map((r) => r.event?.streamId)).toEqual([name, name, name]);
  });

  it('reads in (commit, prepare) order; forwards from a position is inclusive, backwards exclusive', async () => {
    const name = stream('order');
    await client.appendToStream(name, events(4));
    const all = await readAll({ fromPosition: START });
    const commits = all.map((r) => positionOf(r).commit);
    expect([...commits].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(commits);

    const mine = all.filter((r) => r.event?.streamId === name);
    const second = positionOf(mine[1]!);
    const forwards = await readAll({ fromPosition: second, maxCount: 2 });
    expect(forwards.map((r) => r.event?.id)).toEqual([mine[1]!.event!.id, mine[2]!.event!.id]);

    const backwards = await readAll({ fromPosition: second, direction: BACKWARDS, maxCount: 1 });
    expect(backwards.map((r) => r.event?.id)).toEqual([mine[0]!.event!.id]);

    const last = await readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 });
    expect(last.map((r) => r.event?.id)).toEqual([mine[3]!.event!.id]);
    expect(await readAll({ fromPosition: END, direction: FORWARDS })).toEqual([]);
  });

  it('rejects a position whose commit is below its prepare, as the server does', async () => {
    await expect(readAll({ fromPosition: { commit: 1n, prepare: 2n } })).rejects.toThrow();
  });
});

describe('subscriptions to $all', () => {
  it('filters out system events server-side and reports checkpoints', async () => {
    const name = stream('filtered');
    const sub = client.subscribeToAll({
      fromPosition: END,
      filter: excludeSystemEvents({
        maxSearchWindow: 1,
        checkpointInterval: 2,
        checkpointReached: (_s, position) => observer.onCheckpoint(position),
      }),
    });
    const observer = observe(sub);
    await observer.until(() => observer.seen.caughtUp === 1, 'caught up');

    await client.appendToStream(name, events(1));
    standin.appendSystemEvent();
    standin.appendSystemEvent();
    await client.appendToStream(name, events(1));
    await observer.until(
      () => observer.seen.events.length === 2 && observer.seen.checkpoints.length === 2,
      'events',
    );

    expect(observer.seen.events.map((r) => r.event?.streamId)).toEqual([name, name]);
    // One checkpoint per 2 scanned events (window 1 × interval 2), at the last scanned event.
    const all = await readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 4 });
    const scanned = all.reverse().map(positionOf);
    expect(observer.seen.checkpoints).toEqual([scanned[1], scanned[3]]);
    expect(all.map((r) => r.event?.type)).toEqual([
      'Happened',
      '$statsCollected',
      '$statsCollected',
      'Happened',
    ]);
    await sub.unsubscribe();
  });

  it('uses the stand-in checkpointInterval override and the default 32-event window otherwise', async () => {
    const local = await startEsdbStandin({ checkpointInterval: 3 });
    const localClient = EventStoreDBClient.connectionString(local.connectionString);
    try {
      const checkpoints: Position[] = [];
      const sub = localClient.subscribeToAll({
        filter: eventTypeFilter({
          prefixes: ['Wanted'],
          checkpointReached: (_s, p) => void checkpoints.push(p),
        }),
      });
      const observer = observe(sub);
      await localClient.appendToStream(stream('cp'), [...events(2, 'Other'), ...events(5, 'Wanted')]);
      await observer.until(
        () => observer.seen.events.length === 5 && checkpoints.length === 2,
        'checkpoints',
      );
      const all = await collect(localClient.readAll());
      expect(checkpoints).toEqual([positionOf(all[2]!), positionOf(all[5]!)]);
      await sub.unsubscribe();
    } finally {
      await localClient.dispose();
      await local.close();
    }
  });

  it('from a position: only later events, then caught up, then live events in order', async () => {
    const name = stream('from-position');
    await client.appendToStream(name, events(3));
    const mine = (await readAll({ fromPosition: START })).filter((r) => r.event?.streamId === name);

    const sub = newClient().subscribeToAll({
      fromPosition: positionOf(mine[0]!),
      filter: excludeSystemEvents(),
    });
    const observer = observe(sub);
    // Appends racing with the catch-up must still arrive once, in order.
    const racing = client.appendToStream(name, events(2));
    await observer.until(() => observer.seen.caughtUp === 1, 'caught up');
    await racing;
    await client.appendToStream(name, events(1));
    await observer.until(
      () => observer.seen.events.filter((r) => r.event?.streamId === name).length === 5,
      'live',
    );

    const received = observer.seen.events
      .filter((r) => r.event?.streamId === name)
      .map((r) => r.event?.revision);
    expect(received).toEqual([1n, 2n, 3n, 4n, 5n]);
    const positions = observer.seen.events.map((r) => positionOf(r).commit);
    expect(new Set(positions).size).toBe(positions.length);
    await sub.unsubscribe();
  });

  it('subscribes to a single stream from a revision (exclusive)', async () => {
    const name = stream('stream-sub');
    await client.appendToStream(name, events(3));
    const sub = newClient().subscribeToStream(name, { fromRevision: 0n });
    const revisions: bigint[] = [];
    sub.on('data', (r: ResolvedEvent) => revisions.push(r.event!.revision));
    await once(sub, 'caughtUp');
    await client.appendToStream(name, events(1));
    await client.appendToStream(stream('other'), events(1));
    await client.appendToStream(name, events(1));
    while (revisions.length < 4) await once(sub, 'data');
    expect(revisions).toEqual([1n, 2n, 3n, 4n]);
    await sub.unsubscribe();
  });
});

describe('holding appends (test control)', () => {
  /** Settles to 'pending' if `promise` has not settled once the event loop has turned a few times. */
  const state = async (promise: Promise<unknown>) => {
    let settled: 'pending' | 'resolved' | 'rejected' = 'pending';
    promise.then(
      () => (settled = 'resolved'),
      () => (settled = 'rejected'),
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return settled;
  };

  it.each(appendPaths)(
    'keeps matching appends unwritten and unanswered until release, then writes them in order (%s)',
    async (_path, extra) => {
      const prefix = `held-${randomUUID()}-`;
      const held = `${prefix}a`;
      const hold = standin.holdAppends(prefix);
      try {
        const first = client.appendToStream(held, events(2), { expectedRevision: NO_STREAM, ...extra });
        await hold.waitForAppends(1);
        const second = client.appendToStream(held, events(3), { ...extra });
        await hold.waitForAppends(2);
        expect(hold.appends).toEqual([
          { stream: held, events: 2, held: true },
          { stream: held, events: 3, held: true },
        ]);
        // Another stream, on the same connection (and BatchAppend call), is not held up.
        const other = stream('not-held');
        await client.appendToStream(other, events(1), { ...extra });
        expect(standin.appendCounts().get(other)).toBe(1);
        // The held ones: in flight for the client, not in the log.
        expect(await state(first)).toBe('pending');
        expect(await state(second)).toBe('pending');
        await expect(collect(client.readStream(held))).rejects.toBeInstanceOf(StreamNotFoundError);
        expect(standin.appendCounts().get(held)).toBeUndefined();

        hold.release();
        expect(hold.holding).toBe(false);
        expect((await first).nextExpectedRevision).toBe(1n);
        expect((await second).nextExpectedRevision).toBe(4n);
        expect(standin.appendCounts().get(held)).toBe(2);
        // After release: straight through, still listed.
        await client.appendToStream(`${prefix}b`, events(1), { ...extra });
        expect(hold.appends.at(-1)).toEqual({ stream: `${prefix}b`, events: 1, held: false });
        expect((await collect(client.readStream(held))).map((r) => r.event?.data)).toEqual([
          { i: 0 },
          { i: 1 },
          { i: 0 },
          { i: 1 },
          { i: 2 },
        ]);
      } finally {
        hold.release();
      }
    },
  );

  it('checks expected versions when released, against the log as it is then', async () => {
    const prefix = `held-wev-${randomUUID()}-`;
    const name = `${prefix}a`;
    const hold = standin.holdAppends(prefix);
    try {
      const attempts = [1, 2].map(() =>
        client.appendToStream(name, events(1), { expectedRevision: NO_STREAM }),
      );
      await hold.waitForAppends(2);
      hold.release();
      const [won, lost] = await Promise.allSettled(attempts);
      expect(won).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
      expect(lost).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedVersionError) });
    } finally {
      hold.release();
    }
  });

  it('drops a held append whose connection is reset before release', async () => {
    const local = await startEsdbStandin();
    const localClient = EventStoreDBClient.connectionString(local.connectionString);
    try {
      const name = stream('held-dropped');
      const hold = local.holdAppends(name);
      const append = localClient.appendToStream(name, events(1)).catch((e: unknown) => e);
      await hold.waitForAppends(1);
      await local.dropConnections();
      expect(await append).toBeInstanceOf(UnavailableError);
      hold.release();
      expect(local.appendCounts().get(name)).toBeUndefined();
      await expect(collect(localClient.readStream(name))).rejects.toBeInstanceOf(StreamNotFoundError);
    } finally {
      await localClient.dispose();
      await local.close();
    }
  });

  it('refuses overlapping holds and times out waiting with what arrived', async () => {
    const prefix = `held-${randomUUID()}`;
    const hold = standin.holdAppends(prefix);
    try {
      expect(() => standin.holdAppends(`${prefix}-more`)).toThrow(/already held/);
      expect(() => standin.holdAppends('held-')).toThrow(/already held/);
      await expect(hold.waitForAppends(1, { timeoutMs: 50 })).rejects.toThrow(
        `0 of 1 appends to "${prefix}*" arrived within 50 ms`,
      );
    } finally {
      hold.release();
    }
    // Released: the prefix can be held again.
    standin.holdAppends(prefix).release();
  });
});

describe('connection drops', () => {
  it('dropConnections ends an open subscription with an error; the client then reconnects', async () => {
    const subscriber = newClient();
    const sub = subscriber.subscribeToAll({ fromPosition: END });
    const observer = observe(sub);
    await observer.until(() => observer.seen.caughtUp === 1, 'caught up');

    await standin.dropConnections();
    await observer.until(() => observer.error !== undefined, 'subscription error');
    // The connection is reset, as when the server process dies: the client reports UNAVAILABLE.
    expect(observer.error).toBeInstanceOf(UnavailableError);

    // The log survived; both the dropped client and a fresh one can use the server again.
    const name = stream('after-drop');
    await subscriber.appendToStream(name, events(1));
    const again = newClient();
    expect((await collect(again.readStream(name))).length).toBe(1);
    const before = (await collect(again.readAll({ fromPosition: START }))).length;
    expect(before).toBeGreaterThan(1);
  });

  it('stop and start keep the log and the port', async () => {
    const local = await startEsdbStandin();
    const port = local.port;
    const name = stream('stop-start');
    const localClient = EventStoreDBClient.connectionString(local.connectionString);
    try {
      await localClient.appendToStream(name, events(2));
      await local.stop();
      await local.start();
      expect(local.port).toBe(port);
      const fresh = EventStoreDBClient.connectionString(local.connectionString);
      expect((await collect(fresh.readStream(name))).length).toBe(2);
      await fresh.dispose();
    } finally {
      await localClient.dispose();
      await local.close();
    }
  });
});

describe('CLI', () => {
  it('prints the ready line and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const ready = JSON.parse(line.toString('utf8')) as { msg: string; connectionString: string };
    expect(ready.msg).toBe('esdb stand-in ready');
    expect(ready.connectionString).toMatch(/^esdb:\/\/127\.0\.0\.1:\d+\?tls=false$/);

    const cliClient = EventStoreDBClient.connectionString(ready.connectionString);
    await cliClient.appendToStream(stream('cli'), events(1));
    await cliClient.dispose();

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
