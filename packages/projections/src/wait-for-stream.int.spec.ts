import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessLogStreamName } from '@pzp/domain';
import { Projector, ReadModelTimeoutError } from './projector.js';
import { StreamQuarantinedError } from './quarantine.js';
import { createQueries } from './queries.js';
import { append, appendRaw, BSNS, patientEvents, pseudonymOf, streamOf, testEnv } from './spec-support.js';

const [A, B] = BSNS as [string, string];

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

/** Whether a promise has settled, without waiting for it to. */
function track(promise: Promise<void>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('Projector.waitForStream', () => {
  it('resolves at once for a revision the read models hold, also on a projector not started', async () => {
    const events = patientEvents(A, 0);
    await append(env.store, A, events);
    const db = env.openDb('held.db');
    await new Projector(env.store, db).catchUp();

    const idle = new Projector(env.store, db);
    await expect(idle.waitForStream(streamOf(A), events.length - 1, 1)).resolves.toBeUndefined();
    await expect(idle.waitForStream(streamOf(A), 0, 1)).resolves.toBeUndefined();
    expect(createQueries(db).streamVersion(pseudonymOf(A))).toBe(events.length - 1);
    expect(createQueries(db).streamVersion(pseudonymOf(B))).toBeUndefined();
  });

  it('resolves once an append made after the call is projected, not before', async () => {
    const events = patientEvents(A, 0);
    const db = env.openDb('live.db');
    projector = new Projector(env.store, db);
    await projector.start();

    const waiting = projector.waitForStream(streamOf(A), events.length - 1);
    const state = track(waiting);
    // Part of the stream first: the wait goes on.
    const first = await append(env.store, A, events.slice(0, 2));
    await projector.waitFor(first.position);
    await nextTurn();
    expect(state.settled).toBe(false);
    expect(createQueries(db).streamVersion(pseudonymOf(A))).toBe(1);

    await append(env.store, A, events.slice(2), 2);
    await waiting;
    expect(createQueries(db).currentPlan(pseudonymOf(A))?.version).toBe(events.length - 1);
  });

  it('rejects with StreamQuarantinedError when the stream becomes quarantined, and at once after', async () => {
    const events = patientEvents(B, 1);
    projector = new Projector(env.store, env.openDb('quarantine.db'));
    await projector.start();

    const waiting = projector.waitForStream(streamOf(B), 3);
    await append(env.store, B, events.slice(0, 1));
    await appendRaw(env.store, streamOf(B), {
      id: events[1]!.metadata.eventId,
      type: 'NoSuchEvent',
      data: {},
      metadata: events[1]!.metadata,
    });
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamQuarantinedError);
    expect((error as StreamQuarantinedError).quarantine).toMatchObject({
      pseudonym: pseudonymOf(B),
      revision: 1,
      eventType: 'NoSuchEvent',
    });
    // Already quarantined: even a revision it holds is refused, as reads of it should be.
    await expect(projector.waitForStream(streamOf(B), 0)).rejects.toBeInstanceOf(StreamQuarantinedError);
    expect(projector.status).toBe('live');
  });

  it('rejects on timeout with a clear error', async () => {
    projector = new Projector(env.store, env.openDb('timeout.db'));
    await projector.start();
    const error = await projector.waitForStream(streamOf(A), 0, 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadModelTimeoutError);
    expect((error as Error).message).toBe(
      `Read models did not reach ${streamOf(A)} at revision 0 within 20 ms`,
    );
  });

  it('rejects when the projector fails, and at once after', async () => {
    const db = env.openDb('failing.db');
    projector = new Projector(env.store, db);
    await projector.start();
    db.exec(
      `CREATE TRIGGER crash BEFORE INSERT ON current_plans BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    const waiting = projector.waitForStream(streamOf(A), 0);
    await append(env.store, A, patientEvents(A, 0));
    await expect(waiting).rejects.toThrow(/disk on fire/);
    expect(projector.status).toBe('failed');
    await expect(projector.waitForStream(streamOf(A), 0)).rejects.toThrow(/disk on fire/);
  });

  it('refuses a stream that is not a patient plan', async () => {
    projector = new Projector(env.store, env.openDb('other.db'));
    await expect(projector.waitForStream(accessLogStreamName('node-1', '2026-03-03'), 0)).rejects.toThrow(
      /Not a patient stream/,
    );
  });
});
