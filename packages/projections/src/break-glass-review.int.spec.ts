import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_EVENT_TYPE,
  accessLogStreamName,
  BREAK_GLASS_REVIEW_EVENT_TYPE,
  breakGlassReviewStreamName,
  CURRENT_SCHEMA_VERSION,
  type AccessRecord,
  type BreakGlassReview,
} from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import type { EventStore } from '@pzp/event-store';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import { pseudonymOf, testEnv } from './spec-support.js';

/** The projector's review queue: flagged access records and the auditors' conclusions. */

const AT = '2026-03-10T02:00:00.000Z';
const envs: ReturnType<typeof testEnv>[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

const access = (over: Partial<AccessRecord>): AccessRecord => ({
  accessId: randomUUID(),
  pseudonym: pseudonymOf('111222333'),
  at: AT,
  action: 'READ_CURRENT',
  user: actors.sehDoctor,
  clientSystem: 'EPD',
  purpose: 'TREATMENT',
  outcome: 'GRANTED',
  basis: 'CONSENT',
  flagged: false,
  planVersion: 0,
  ...over,
});

const appendAccess = (store: EventStore, records: AccessRecord[]) =>
  store.appendToStream(
    accessLogStreamName('node-a', '2026-03-10'),
    records.map((r) => ({
      id: r.accessId,
      type: ACCESS_LOG_EVENT_TYPE,
      data: r,
      metadata: { schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt: r.at },
    })),
    { expectedRevision: 'any' },
  );

const appendReview = (store: EventStore, accessId: string, data: unknown) =>
  store.appendToStream(
    breakGlassReviewStreamName(accessId),
    [{ id: randomUUID(), type: BREAK_GLASS_REVIEW_EVENT_TYPE, data, metadata: { schemaVersion: 1 } }],
    { expectedRevision: 'no_stream' },
  );

const conclusion = (accessId: string): BreakGlassReview => ({
  accessId,
  conclusion: 'NOT_JUSTIFIED',
  note: 'Patiënt was aanspreekbaar',
  reviewedBy: actors.auditor,
  reviewedAt: '2026-03-11T09:00:00.000+01:00',
});

describe('the break-the-glass review queue', () => {
  it('holds the flagged records, open until concluded; a rebuild makes the same rows', async () => {
    const env = testEnv();
    envs.push(env);
    const db = env.openDb('rm.db');
    const queries = createQueries(db);
    const projector = new Projector(env.store, db);
    const glass = access({
      purpose: 'BREAK_THE_GLASS',
      basis: 'BREAK_THE_GLASS',
      flagged: true,
      breakGlassReason: 'Bewusteloos binnengebracht',
    });
    const refused = access({
      purpose: 'BREAK_THE_GLASS',
      outcome: 'DENIED',
      basis: 'BREAK_GLASS_PHYSICIANS_ONLY',
      flagged: true,
    });
    await appendAccess(env.store, [access({}), glass, refused]);
    await projector.catchUp();

    expect(queries.openBreakGlassReviewCount()).toBe(2);
    expect(queries.flaggedAccesses(false, undefined, 10).items.map((i) => i.record)).toEqual([
      glass,
      refused,
    ]);
    expect(queries.flaggedAccesses(true, undefined, 10).items).toEqual([]);

    await appendReview(env.store, glass.accessId, conclusion(glass.accessId));
    await projector.catchUp();
    expect(queries.openBreakGlassReviewCount()).toBe(1);
    expect(queries.flaggedAccesses(true, undefined, 10).items).toEqual([
      expect.objectContaining({ record: glass, review: conclusion(glass.accessId) }),
    ]);
    expect(queries.flaggedAccesses(false, undefined, 10).items.map((i) => i.record.accessId)).toEqual([
      refused.accessId,
    ]);
    const all = queries.flaggedAccesses(undefined, undefined, 1);
    expect(all.hasMore).toBe(true);
    expect(queries.flaggedAccesses(undefined, all.items[0]!.position, 10).items.map((i) => i.record)).toEqual(
      [refused],
    );
    expect(queries.flaggedAccess(glass.accessId)?.review?.conclusion).toBe('NOT_JUSTIFIED');

    const before = queries.flaggedAccesses(undefined, undefined, 10);
    await projector.rebuild();
    expect(queries.flaggedAccesses(undefined, undefined, 10)).toEqual(before);
    expect(queries.openBreakGlassReviewCount()).toBe(1);
  });

  it('quarantines an unreadable conclusion on its own stream and goes on', async () => {
    const env = testEnv();
    envs.push(env);
    const db = env.openDb('rm.db');
    const queries = createQueries(db);
    const errors: string[] = [];
    const projector = new Projector(env.store, db, {
      logger: { info: () => {}, error: (_, message) => errors.push(message) },
    });
    const a = access({ purpose: 'BREAK_THE_GLASS', basis: 'BREAK_THE_GLASS', flagged: true });
    const b = access({ purpose: 'BREAK_THE_GLASS', basis: 'BREAK_THE_GLASS', flagged: true });
    await appendAccess(env.store, [a, b]);
    await appendReview(env.store, a.accessId, { ...conclusion(a.accessId), conclusion: 'MAYBE' });
    await appendReview(env.store, b.accessId, conclusion(b.accessId));
    await projector.catchUp();

    expect(queries.flaggedAccess(a.accessId)?.review).toBeUndefined();
    expect(queries.flaggedAccess(b.accessId)?.review).toEqual(conclusion(b.accessId));
    expect(queries.quarantined().map((q) => q.streamName)).toEqual([breakGlassReviewStreamName(a.accessId)]);
    expect(errors).toEqual(['stream quarantined: event unreadable']);
  });

  it('does not take a conclusion changed after it was written: its stream is quarantined (hash chain)', async () => {
    const env = testEnv();
    envs.push(env);
    const db = env.openDb('rm.db');
    const queries = createQueries(db);
    const errors: string[] = [];
    const projector = new Projector(env.store, db, {
      logger: { info: () => {}, error: (_, message) => errors.push(message) },
    });
    const a = access({ purpose: 'BREAK_THE_GLASS', basis: 'BREAK_THE_GLASS', flagged: true });
    await appendAccess(env.store, [a]);
    await appendReview(env.store, a.accessId, conclusion(a.accessId));
    // NOT_JUSTIFIED becomes JUSTIFIED in the file, with nothing else touched.
    const raw = new Database(join(env.dir, 'events.db'));
    const changed = raw
      .prepare(
        'UPDATE events SET data = replace(data, \'"NOT_JUSTIFIED"\', \'"JUSTIFIED"\') WHERE stream = ?',
      )
      .run(breakGlassReviewStreamName(a.accessId)).changes;
    raw.close();
    expect(changed).toBe(1);
    await projector.catchUp();

    expect(queries.flaggedAccess(a.accessId)?.review).toBeUndefined();
    expect(queries.openBreakGlassReviewCount()).toBe(1);
    expect(queries.quarantined().map((q) => q.streamName)).toEqual([breakGlassReviewStreamName(a.accessId)]);
    expect(errors).toEqual(['stream quarantined: hash chain broken']);
  });
});
