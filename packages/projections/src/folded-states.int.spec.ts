import { fold, parseEvent, type FoldedState, type FoldedStates } from '@pzp/domain';
import { headAfter, readVerifiedStream, type EventStore } from '@pzp/event-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Projector } from './projector.js';
import { append, appendRegion, BSNS, dump, patientEvents, streamOf, testEnv } from './spec-support.js';

const [A, B] = BSNS as [string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');

/** What the write path leaves: each stream it read, verified and folded before deciding. */
class WritePathFolds implements FoldedStates {
  readonly states = new Map<string, FoldedState>();
  asked = 0;

  constructor(private readonly store: EventStore) {}

  async read(streamName: string): Promise<void> {
    const events = await readVerifiedStream(this.store, streamName);
    this.states.set(streamName, {
      state: fold(events.map((e) => parseEvent(e))),
      hash: headAfter(events)!.hash,
    });
  }

  get(streamName: string): FoldedState | undefined {
    this.asked++;
    return this.states.get(streamName);
  }
}

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

describe('states the write path folded', () => {
  it('spare the projector reading a patient again it does not hold, with the rows of reading it', async () => {
    await append(env.store, A, patientEvents(A, 9000).slice(0, 2));
    await append(env.store, B, patientEvents(B, 9001).slice(0, 2));
    const folds = new WritePathFolds(env.store);
    const db = env.openDb('live.db');
    // A cache that holds no state of more than one event: neither patient stays in it.
    projector = new Projector(env.store, db, { clock, folded: folds, cacheEvents: 1 });
    await projector.start();
    const reads = projector.streamReads;

    for (const [bsn, n] of [
      [A, 9000],
      [B, 9001],
    ] as const) {
      await folds.read(streamOf(bsn));
      const rest = patientEvents(bsn, n).slice(2);
      const result = await append(env.store, bsn, rest, 2);
      await projector.waitForStream(streamOf(bsn), Number(result.nextExpectedRevision));
    }
    expect(folds.asked).toBeGreaterThan(0);
    expect(projector.streamReads).toBe(reads);
    await projector.stop();
    projector = undefined;

    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { clock }).catchUp();
    expect(dump(db)).toEqual(dump(fresh));
  });

  it('are not taken where the head this node recorded differs: the stream is quarantined', async () => {
    await appendRegion(env.store, 2);
    const events = patientEvents(A, 9000);
    await append(env.store, A, events.slice(0, 2));
    const folds = new WritePathFolds(env.store);
    await folds.read(streamOf(A));
    const told = folds.states.get(streamOf(A))!;
    // A head that is not the one this node's read models recorded for that revision.
    folds.states.set(streamOf(A), { ...told, hash: 'f'.repeat(64) });
    const db = env.openDb('live.db');
    projector = new Projector(env.store, db, { clock, folded: folds, cacheEvents: 1 });
    await projector.start();
    // A (two events) is not kept in a cache of one event; B's write moves the projector on.
    await append(env.store, B, patientEvents(B, 9001));
    await projector.waitForStream(streamOf(B), 0);

    const result = await append(env.store, A, events.slice(2), 2);
    await expect(projector.waitForStream(streamOf(A), Number(result.nextExpectedRevision))).rejects.toThrow(
      /quarantined/,
    );
    expect(projector.quarantinedCount).toBe(1);
  });

  it('are not asked for while catching up', async () => {
    await appendRegion(env.store, 3);
    const folds = new WritePathFolds(env.store);
    await new Projector(env.store, env.openDb('up.db'), { clock, folded: folds, batchSize: 7 }).catchUp();
    expect(folds.asked).toBe(0);
  });
});
