import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type Actor, type PzpCommand } from '@pzp/domain';
import { actors, syntheticBsn } from '@pzp/domain/testing';
import { BrokenChainError, verifyStore, type SqliteEventStore } from '@pzp/event-store';
import {
  Projector,
  createQueries,
  openReadModelDb,
  type ProjectorLogger,
  type ReadModelDb,
} from '@pzp/projections';
import type { Services } from './services.js';
import { startInProcessApi, startPlan, type InProcessApi } from './spec-support.js';

/**
 * Issue 11, item 10: one stored event changed inside events.db ("NIET" becomes "WEL", the file's
 * length and SQLite's integrity_check unchanged). The history is tamper-evident: verify-store
 * reports the broken link, the plan as of an instant is refused (RECORD_UNAVAILABLE) instead of
 * showing WEL, the stream is quarantined with an alarm, and a rebuild quarantines it again instead
 * of showing WEL in the current view.
 */

const REPO = resolve(import.meta.dirname, '../../..');
const tampered = syntheticBsn(31);
const untouched = syntheticBsn(32);
let api: InProcessApi;
let dir: string;
let store: SqliteEventStore;
let db: ReadModelDb;
let projector: Projector;
let services: Services;
const alarms: { fields: Record<string, unknown>; message: string }[] = [];
const logger: ProjectorLogger = {
  info: () => {},
  error: (fields, message) => alarms.push({ fields, message }),
};
const streamOf = (bsn: string) => streamNameFor(services.pseudonymOf(bsn));
/** The revision of the tampered event. */
let revision: number;

/** `pnpm verify-store` on the test's data dir, as an operator runs it. */
function verifyStoreCli() {
  const env: NodeJS.ProcessEnv = { ...process.env, PZP_DATA_DIR: dir, PZP_MODE: 'development' };
  delete env.EVENTSTORE_CONNECTION_STRING;
  const run = spawnSync(join(REPO, 'node_modules/.bin/tsx'), ['scripts/verify-store.ts'], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  api = await startInProcessApi({
    name: 'tamper',
    projectorLogger: logger,
    seed: async (node) => {
      const consent = { sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }] };
      await startPlan(node, tampered, consent);
      await startPlan(node, untouched, consent);
    },
  });
  ({ dir, store, db, projector, services } = api);
});

afterAll(() => api?.close());

const post = (actor: Actor, query: string, variables: Record<string, unknown>) =>
  api.post(actor, query, variables);

const AS_OF =
  'query($bsn: BSN!) { pzpAsOf(bsn: $bsn, at: "2026-05-01T10:00:00+02:00") { version treatmentDirectives { key summary } } }';
const CURRENT = 'query($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) { version } }';
const GP_CURRENT = 'query($bsn: BSN!) { pzp(bsn: $bsn) { version } }';

describe('an event changed inside events.db', () => {
  it('verify-store passes while the store is as written', () => {
    const run = verifyStoreCli();
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      /^OK: \d+ events in 2 streams of .*events\.db, against the chain heads of 2 streams/,
    );
    expect(run.status).toBe(0);
  }, 60_000);

  it('verify-store reports the broken link: stream, revision, expected and found hash; exit code 1', async () => {
    const before = (await store.readStream(streamOf(tampered))).find((e) =>
      JSON.stringify(e.data).includes('"NIET"'),
    )!;
    revision = Number(before.revision);
    // What an editor does to the file: same length, still valid JSON, SQLite sees nothing wrong.
    const raw = new Database(join(dir, 'events.db'));
    const changed = raw
      .prepare(`UPDATE events SET data = replace(data, '"NIET"', '"WEL" ') WHERE stream = ? AND revision = ?`)
      .run(streamOf(tampered), revision).changes;
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    expect(changed).toBe(1);
    const [after] = await store.readStream(streamOf(tampered), {
      fromRevision: before.revision,
      maxCount: 1,
    });
    expect(JSON.stringify(after!.data)).toContain('"WEL"');

    const found = await verifyStore(store);
    expect(found.breaks).toEqual([
      {
        streamName: streamOf(tampered),
        revision: before.revision,
        kind: 'hash',
        expected: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
        found: before.integrity!.hash,
      },
    ]);

    const run = verifyStoreCli();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `BROKEN ${streamOf(tampered)} at revision ${revision}: content does not match its hash (changed after it was written) ` +
        `(expected ${found.breaks[0]!.expected}, found ${before.integrity!.hash})`,
    );
    expect(run.stdout).toMatch(/FAILED: .* 1 stream with a broken hash chain/);
    expect(run.stdout).not.toContain(tampered);
    expect(run.stdout).not.toContain(untouched);
  }, 60_000);

  it('the plan as of an instant is refused, never shown with WEL; the stream is quarantined with an alarm', async () => {
    const answer = await post(actors.auditor, AS_OF, { bsn: tampered });
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['RECORD_UNAVAILABLE']);
    expect(answer.data?.pzpAsOf ?? null).toBeNull();
    expect(JSON.stringify(answer)).not.toContain('WEL');
    await expect(
      handleCommand(store, {
        streamName: streamOf(tampered),
        command: {
          type: 'RecordLifeWish',
          data: { wishId: 'w-1', text: 'Thuis blijven' },
          metadata: { actor: actors.gp, now: '2026-06-01T10:00:00+02:00' },
        } as PzpCommand,
        sourceSystem: 'test',
      }),
    ).rejects.toBeInstanceOf(BrokenChainError);

    // Found once, this node refuses the current plan too, and says so at error level, without a BSN.
    expect(alarms).toEqual([
      {
        message: 'stream quarantined: hash chain broken',
        fields: expect.objectContaining({
          pseudonym: services.pseudonymOf(tampered),
          streamName: streamOf(tampered),
          revision,
          error: expect.stringContaining('BrokenChainError') as string,
        }) as object,
      },
    ]);
    expect(JSON.stringify(alarms)).not.toContain(tampered);
    const current = await post(actors.hapDoctor, CURRENT, { bsn: tampered });
    expect(current.errors?.map((e) => e.extensions?.code)).toEqual(['RECORD_UNAVAILABLE']);
    // Everyone else is served as before.
    const other = await post(actors.auditor, AS_OF, { bsn: untouched });
    expect(other.errors).toBeUndefined();
    expect(other.data?.pzpAsOf).toMatchObject({ version: expect.any(Number) as number });
    // The refused reads are in the patient's access log.
    await services.accessLog.drain();
    const log = createQueries(db).accessLog(services.pseudonymOf(tampered), undefined, 50).items;
    expect(log.map((r) => [r.record.action, r.record.outcome, r.record.basis])).toEqual(
      expect.arrayContaining([['READ_AS_OF', 'DENIED', 'RECORD_UNAVAILABLE']]),
    );
  });

  it('a rebuild quarantines the stream instead of showing WEL in the current view, on this node and a new one', async () => {
    await projector.rebuild();
    const queries = createQueries(db);
    expect(queries.quarantine(services.pseudonymOf(tampered))).toMatchObject({
      revision,
      errorName: 'BrokenChainError',
      errorMessage: expect.stringMatching(
        /^the stream fails its hash chain \(revision \d+: content does not match/,
      ) as string,
    });
    // Its rows stop at the event before the changed one: no directive, NIET or WEL, is shown.
    expect(JSON.stringify(queries.currentPlan(services.pseudonymOf(tampered)) ?? null)).not.toContain('WEL');
    expect(queries.currentPlan(services.pseudonymOf(untouched))).toBeDefined();
    const current = await post(actors.gp, GP_CURRENT, { bsn: tampered });
    expect(current.errors?.map((e) => e.extensions?.code)).toEqual(['RECORD_UNAVAILABLE']);

    const fresh = openReadModelDb(join(dir, 'fresh-read-models.db'));
    await new Projector(store, fresh).catchUp();
    const rows = JSON.stringify(
      ['current_plans', 'patient_index'].map((t) => fresh.prepare(`SELECT * FROM ${t}`).all()),
    );
    expect(rows).toContain('NIET'); // the untouched patient
    expect(rows).not.toContain('WEL');
    expect(createQueries(fresh).quarantine(services.pseudonymOf(tampered))?.errorName).toBe(
      'BrokenChainError',
    );
    fresh.close();
  });
});
