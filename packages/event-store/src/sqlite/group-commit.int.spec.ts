import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongExpectedVersionError, type EventData } from '../port.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { WriterStoppedError } from './sqlite-writer.js';

let dir: string;
let file: string;
const opened: SqliteEventStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pzp-group-commit-'));
  file = join(dir, 'events.db');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

function open(): SqliteEventStore {
  const store = SqliteEventStore.open(file);
  opened.push(store);
  return store;
}

function event(type: string): EventData {
  return { id: randomUUID(), type, data: { type }, metadata: {} };
}

/** The store's writer thread, reached past its privacy to stop it as a crash would. */
function writerThreadOf(store: SqliteEventStore): Worker {
  const worker = (store as unknown as { writer: { worker: Worker | undefined } }).writer.worker;
  if (worker === undefined) throw new Error('the store has no writer thread');
  return worker;
}

function workerHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;
}

describe('the SQLite store commits appends waiting together (group commit)', () => {
  it('appends sent before the writer answered share commits, and each gets its own result', async () => {
    const store = open();
    const streams = Array.from({ length: 20 }, (_, i) => `group-${i}`);
    const appended = streams.map((_, i) => [event(`E${i}`), event(`F${i}`)]);

    const results = await Promise.all(
      streams.map((stream, i) =>
        store.appendToStream(stream, appended[i]!, { expectedRevision: 'no_stream' }),
      ),
    );

    const stats = store.writeStats();
    expect(stats.appends).toBe(20);
    expect(stats.commits).toBeLessThan(stats.appends);
    const all = await store.readAll();
    for (const [i, stream] of streams.entries()) {
      const own = all.filter((e) => e.streamName === stream);
      expect(own.map((e) => e.id)).toEqual(appended[i]!.map((e) => e.id));
      expect(results[i]).toEqual({ nextExpectedRevision: 1n, position: own[1]!.position });
    }
  });

  it('one stale expected revision among them fails alone, in the same commits as the others', async () => {
    const store = open();
    await store.appendToStream('shared', [event('Created')], { expectedRevision: 'no_stream' });
    const before = store.writeStats();

    const appends = [
      store.appendToStream('a', [event('A')], { expectedRevision: 'no_stream' }),
      store.appendToStream('shared', [event('Stale')], { expectedRevision: 3n }),
      store.appendToStream('shared', [event('Next')], { expectedRevision: 0n }),
      store.appendToStream('b', [event('B')], { expectedRevision: 'no_stream' }),
    ];
    const outcomes = await Promise.allSettled(appends);

    expect(store.writeStats().commits - before.commits).toBeLessThan(appends.length);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const stale = (outcomes[1] as PromiseRejectedResult).reason as WrongExpectedVersionError;
    expect(stale).toBeInstanceOf(WrongExpectedVersionError);
    expect(stale.actual).toBe(0n);
    expect((await store.readStream('shared')).map((e) => e.type)).toEqual(['Created', 'Next']);
    expect((await store.readStream('a')).map((e) => e.type)).toEqual(['A']);
    expect((await store.readStream('b')).map((e) => e.type)).toEqual(['B']);
  });

  it('close answers every append sent before it, stores them and leaves no thread behind', async () => {
    const handles = workerHandles();
    const store = SqliteEventStore.open(file);
    const appends = Array.from({ length: 10 }, (_, i) =>
      store.appendToStream(`closing-${i}`, [event('E')], { expectedRevision: 'no_stream' }),
    );

    await store.close();

    expect((await Promise.allSettled(appends)).map((o) => o.status)).toEqual(Array(10).fill('fulfilled'));
    expect(workerHandles()).toBe(handles);
    const again = open();
    expect(await again.readAll()).toHaveLength(10);
  });
});

describe('reads while an append waits for the write lock', () => {
  it('are answered at once: the append waits on its own thread, and lands once the lock is free', async () => {
    const store = open();
    await store.appendToStream('read', [event('Created')], { expectedRevision: 'no_stream' });
    // Another process holding the file's write lock, as a long commit would.
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    let settled = false;
    const append = store.appendToStream('write', [event('Waiting')], { expectedRevision: 'no_stream' });
    void append.then(
      () => (settled = true),
      () => (settled = true),
    );
    try {
      await new Promise((resolve) => setImmediate(resolve));
      expect((await store.readStream('read')).map((e) => e.type)).toEqual(['Created']);
      expect(settled).toBe(false);
    } finally {
      other.prepare('COMMIT').run();
      other.close();
    }
    await append;
    expect((await store.readStream('write')).map((e) => e.type)).toEqual(['Waiting']);
  });
});

describe('a writer thread that dies', () => {
  it('rejects every append waiting for it, makes the store unwritable, and the next append starts a new one', async () => {
    const store = open();
    const appends = Array.from({ length: 5 }, (_, i) =>
      store.appendToStream(`lost-${i}`, [event('E')], { expectedRevision: 'no_stream' }),
    );
    await writerThreadOf(store).terminate();

    const outcomes = await Promise.allSettled(appends);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as WriterStoppedError;
      expect(reason).toBeInstanceOf(WriterStoppedError);
      expect(reason.code).toBe('SQLITE_CANTOPEN');
    }
    expect(() => store.probeWrite()).toThrow(WriterStoppedError);
    expect(await store.readAll()).toEqual([]);

    await store.appendToStream('after', [event('E')], { expectedRevision: 'no_stream' });
    expect(() => store.probeWrite()).not.toThrow();
    expect((await store.readAll()).map((e) => e.streamName)).toEqual(['after']);
  });
});
