import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PzpEvent } from '@pzp/domain';
import { Projector, WRITER_THREAD_MESSAGE } from '../projector.js';
import {
  append,
  appendRaw,
  appendRegion,
  BSNS,
  dump,
  dumpExact,
  patientEvents,
  recordingLogger,
  streamOf,
  testEnv,
} from '../spec-support.js';

const [A, B] = BSNS as [string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

/** B's second event without its required `date`: its stream is quarantined there. */
function malformed(e: PzpEvent) {
  const { date: _date, ...rest } = e.data as Record<string, unknown>;
  return { id: e.metadata.eventId, type: e.type, data: rest, metadata: e.metadata };
}

describe('catching up on the writer thread', () => {
  it('writes a generated region byte for byte as the load on one thread does, quarantines included', async () => {
    const events = await appendRegion(env.store, 40);
    // Two streams the load must quarantine, between the region's events and after them.
    const b = patientEvents(B, 9001);
    await append(env.store, B, b.slice(0, 1));
    await appendRaw(env.store, streamOf(B), malformed(b[1]!));
    await append(env.store, A, patientEvents(A, 9000));
    await appendRaw(env.store, streamOf(A), { ...malformed(b[1]!), id: crypto.randomUUID() });
    expect(events).toBeGreaterThan(400);

    const logger = recordingLogger();
    const threaded = env.openDb('threaded.db');
    const viaThread = new Projector(env.store, threaded, {
      clock,
      logger,
      batchSize: 97,
      writerThread: true,
    });
    const single = env.openDb('single.db');
    const here = new Projector(env.store, single, { clock, batchSize: 97, writerThread: false });
    expect(await viaThread.catchUp()).toBe(await here.catchUp());

    expect(logger.lines.map((l) => l.message)).toContain(WRITER_THREAD_MESSAGE);
    expect(viaThread.quarantinedCount).toBe(2);
    expect(viaThread.position).toBe(here.position);
    expect(dumpExact(threaded)).toEqual(dumpExact(single));
    // ...and the same rows as one big batch makes.
    const whole = env.openDb('whole.db');
    await new Projector(env.store, whole, { clock, batchSize: 100_000 }).catchUp();
    expect(dump(threaded)).toEqual(dump(whole));
  });

  it('catches up read models that have rows (a start after downtime) to the rows of doing it on one thread', async () => {
    await append(env.store, A, patientEvents(A, 9000));
    const logger = recordingLogger();
    const threaded = env.openDb('threaded.db');
    const single = env.openDb('single.db');
    for (const db of [threaded, single]) await new Projector(env.store, db, { clock }).catchUp();
    await appendRegion(env.store, 20);

    const resumed = new Projector(env.store, threaded, { clock, logger, batchSize: 40, writerThread: true });
    await resumed.catchUp();
    await new Projector(env.store, single, { clock, batchSize: 40, writerThread: false }).catchUp();
    expect(logger.lines.map((l) => l.message)).toContain(WRITER_THREAD_MESSAGE);
    expect(dumpExact(threaded)).toEqual(dumpExact(single));
  });

  it('goes on live on its own thread after catching up on the writer thread', async () => {
    await appendRegion(env.store, 10);
    const db = env.openDb('live.db');
    const projector = new Projector(env.store, db, { clock, batchSize: 20, writerThread: true });
    await projector.start();
    const result = await append(env.store, A, patientEvents(A, 9000));
    await projector.waitForStream(streamOf(A), Number(result.nextExpectedRevision));
    await projector.stop();
    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { clock, writerThread: false }).catchUp();
    expect(dump(db)).toEqual(dump(fresh));
  });
});
