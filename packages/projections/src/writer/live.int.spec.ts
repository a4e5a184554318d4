import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Projector } from '../projector.js';
import {
  append,
  appendRegion,
  BSNS,
  dump,
  dumpExact,
  patientEvents,
  streamOf,
  testEnv,
} from '../spec-support.js';

const [A, B] = BSNS as [string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');

let env: ReturnType<typeof testEnv>;
let projector: Projector | undefined;
beforeEach(() => {
  env = testEnv();
});
afterEach(async () => {
  await projector?.stop();
  projector = undefined;
  await env.close();
});

describe('following live appends on the writer thread', () => {
  it('keeps the event loop free while a live batch waits for the read-model file, and commits it after', async () => {
    await appendRegion(env.store, 3);
    const db = env.openDb('live.db');
    projector = new Projector(env.store, db, { clock });
    await projector.start();

    // Another connection holds the file's write lock, as a long transaction or a slow disk would.
    const blocker = new Database(join(env.dir, 'live.db'));
    blocker.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 5);
    try {
      const result = await append(env.store, A, patientEvents(A, 9000));
      const reached = projector.waitForStream(streamOf(A), Number(result.nextExpectedRevision), 20_000);
      // Meanwhile the batch's transaction waits for the lock. Committed on this thread, it would
      // stall every read for up to the busy timeout, and then fail the projector (SQLITE_BUSY).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ticks).toBeGreaterThan(10);
      expect(projector.status).toBe('live');
      blocker.exec('ROLLBACK');
      await reached;
    } finally {
      clearInterval(ticking);
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(projector.status).toBe('live');
  });

  it('makes the rows of a catch-up, byte for byte, from batches that follow each other on one stream', async () => {
    const db = env.openDb('live.db');
    // One event per batch: each is sent while the one before is still being committed, so the
    // chain head it starts from is one memory holds, not the file yet.
    projector = new Projector(env.store, db, { clock, liveBatchSize: 1 });
    await projector.start();
    const revisions = new Map<string, number>();
    for (const [bsn, n] of [
      [A, 9000],
      [B, 9001],
    ] as const) {
      const result = await append(env.store, bsn, patientEvents(bsn, n));
      revisions.set(streamOf(bsn), Number(result.nextExpectedRevision));
    }
    for (const [stream, revision] of revisions) await projector.waitForStream(stream, revision);
    await projector.stop();
    projector = undefined;
    expect(db.prepare('SELECT COUNT(*) AS n FROM quarantined_streams').get()).toEqual({ n: 0 });

    const single = env.openDb('single.db');
    await new Projector(env.store, single, { clock, writerThread: false }).catchUp();
    expect(dump(db)).toEqual(dump(single));
    expect(dumpExact(db).checkpoints).toEqual(dumpExact(single).checkpoints);
    expect([...revisions.values()].every((r) => r > 1)).toBe(true);
  });
});
