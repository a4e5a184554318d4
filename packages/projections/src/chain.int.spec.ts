import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_LOG_EVENT_TYPE, accessLogStreamName, type AccessRecord } from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import { eventHash } from '@pzp/event-store';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import {
  append,
  appendRaw,
  BSNS,
  dump,
  patientEvents,
  pseudonymOf,
  recordingLogger,
  streamOf,
  testEnv,
} from './spec-support.js';

/**
 * The projector and the hash chain (issue 11, item 10): every event it applies must be the next
 * link of its stream's chain, checked against the head it recorded; what does not fit quarantines
 * the stream with an alarm. The store is edited here as someone with the file would edit it.
 */

const [A, B] = BSNS as [string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

interface Row {
  position: number;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/** Edits stored events in place with `edit`, then (when `rehash`) recomputes the stream's whole chain so it holds again. */
function editStore(streamName: string, edit: (row: Row) => Row, rehash: boolean) {
  const db = new Database(join(env.dir, 'events.db'));
  try {
    const rows = db
      .prepare<[string], Row>(
        'SELECT position, revision, id, type, data, metadata FROM events WHERE stream = ? ORDER BY revision',
      )
      .all(streamName);
    let previous: string | null = null;
    for (const row of rows) {
      const edited = edit(row);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(edited.data, row.position);
      if (!rehash) continue;
      const hash = eventHash(
        {
          streamName,
          revision: BigInt(row.revision),
          id: row.id,
          type: row.type,
          data: JSON.parse(edited.data) as unknown,
          metadata: JSON.parse(row.metadata) as unknown,
        },
        previous,
      );
      db.prepare('UPDATE events SET hash = ?, previous = ? WHERE position = ?').run(
        hash,
        previous,
        row.position,
      );
      previous = hash;
    }
    if (rehash) db.prepare('UPDATE streams SET hash = ? WHERE stream = ?').run(previous, streamName);
  } finally {
    db.close();
  }
}

/** NIET becomes WEL in the stream's events that hold a NIET (same length, still valid JSON). */
const toWel = (row: Row): Row => ({ ...row, data: row.data.replaceAll('"NIET"', '"WEL" ') });

describe('the projector verifies every stream’s hash chain', () => {
  it('an event changed after it was projected: the projector that folds it again quarantines it, with an alarm', async () => {
    const events = patientEvents(A, 0);
    await append(env.store, A, events.slice(0, -1));
    await append(env.store, B, patientEvents(B, 1));
    const db = env.openDb('node.db');
    await new Projector(env.store, db, { clock }).catchUp();
    editStore(streamOf(A), toWel, false);

    // A restarted node (nothing cached) reads A's earlier events again for A's next event.
    const logger = recordingLogger();
    const restarted = new Projector(env.store, db, { clock, logger });
    await append(env.store, A, events.slice(-1), events.length - 1);
    await restarted.catchUp();
    const queries = createQueries(db);
    expect(queries.quarantine(pseudonymOf(A))).toMatchObject({
      revision: events.length - 1,
      errorName: 'BrokenChainError',
      errorMessage: expect.stringMatching(
        /^the stream fails its hash chain \(revision \d+: content does not match/,
      ) as string,
    });
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(events.length - 2);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', message: 'stream quarantined: hash chain broken' }),
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(A);
    expect(JSON.stringify(dump(db))).not.toContain('WEL');
  });

  it('a stream rewritten with every hash recomputed: found at its next event, on a folding-again node, and by a rebuild', async () => {
    const events = patientEvents(A, 0);
    await append(env.store, A, events.slice(0, -1));
    await append(env.store, B, patientEvents(B, 1));
    const live = env.openDb('live.db');
    const following = new Projector(env.store, live, { clock });
    await following.start();
    const cold = env.openDb('cold.db');
    await new Projector(env.store, cold, { clock }).catchUp();
    const rebuilt = env.openDb('rebuilt.db');
    await new Projector(env.store, rebuilt, { clock }).catchUp();

    // Its own chain holds again: only what this node recorded can tell.
    editStore(streamOf(A), toWel, true);
    const result = await append(env.store, A, events.slice(-1), events.length - 1);

    // Live: the new event links to the rewritten head, not to the one this node projected.
    await following.waitFor(result.position);
    expect(createQueries(live).quarantine(pseudonymOf(A))).toMatchObject({
      revision: events.length - 1,
      errorName: 'BrokenChainError',
      errorMessage: expect.stringContaining('previous hash does not match the previous event') as string,
    });
    await following.stop();
    // Folding again (nothing cached): the earlier events no longer end at the recorded head.
    await new Projector(env.store, cold, { clock }).catchUp();
    expect(createQueries(cold).quarantine(pseudonymOf(A))?.errorMessage).toContain(
      'hash differs from the one recorded before (stream rewritten)',
    );
    // A rebuild of the same store compares each stream with the heads the old rows recorded; by
    // then the stream's earlier events are applied, and which of them changed cannot be told: none
    // of its rows is kept.
    await new Projector(env.store, rebuilt, { clock }).rebuild();
    expect(createQueries(rebuilt).quarantine(pseudonymOf(A))?.errorMessage).toContain('stream rewritten');
    expect(createQueries(rebuilt).currentPlan(pseudonymOf(A))).toBeUndefined();
    expect(createQueries(rebuilt).streamVersion(pseudonymOf(A))).toBeUndefined();
    for (const db of [live, cold, rebuilt]) {
      expect(createQueries(db).quarantine(pseudonymOf(B))).toBeUndefined();
      expect(JSON.stringify(dump(db))).not.toContain('WEL');
    }
    // Read models without that memory (a new node) cannot tell: signed heads would be needed.
    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { clock }).catchUp();
    expect(createQueries(fresh).quarantine(pseudonymOf(A))).toBeUndefined();
  });

  it('an access record changed in the store is skipped and alarmed; the log’s other records are applied', async () => {
    await append(env.store, A, patientEvents(A, 0));
    const stream = accessLogStreamName('node-1', '2026-03-03');
    const record = (n: number): AccessRecord => ({
      accessId: `6f1c1a52-4a77-4d4b-9a59-${String(n).padStart(12, '0')}`,
      pseudonym: pseudonymOf(A),
      at: '2026-03-03T03:00:00.000Z',
      action: 'READ_CURRENT',
      user: actors.hapDoctor,
      clientSystem: 'HAP-systeem',
      purpose: 'EMERGENCY',
      outcome: 'DENIED',
      basis: 'CONSENT_REFUSED',
      flagged: false,
    });
    for (const n of [1, 2, 3]) {
      await appendRaw(env.store, stream, {
        id: record(n).accessId,
        type: ACCESS_LOG_EVENT_TYPE,
        data: record(n),
        metadata: {},
      });
    }
    // Someone makes a refused look at the record into a granted one.
    editStore(
      stream,
      (row) => (row.revision === 1 ? { ...row, data: row.data.replace('"DENIED"', '"GRANTED"') } : row),
      false,
    );

    const db = env.openDb('access.db');
    const logger = recordingLogger();
    const projector = new Projector(env.store, db, { clock, logger });
    await projector.catchUp();
    const queries = createQueries(db);
    expect(queries.accessLog(pseudonymOf(A), undefined, 10).items.map((r) => r.record.accessId)).toEqual([
      record(1).accessId,
      record(3).accessId,
    ]);
    expect(projector.skippedAccessRecords).toBe(1);
    expect(queries.quarantined()).toEqual([
      expect.objectContaining({ streamName: stream, revision: 1, errorName: 'BrokenChainError' }),
    ]);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ message: 'access record skipped: hash chain broken' }),
    ]);
  });
});
