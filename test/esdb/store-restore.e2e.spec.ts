import { afterEach, describe, expect, it } from 'vitest';
import { ESDB_IDENTITY_STREAM, EsdbEventStore, type StreamEvent } from '@pzp/event-store';
import { STORE_CHANGED_MESSAGE } from '@pzp/projections';
import { startEsdbStandin, type EsdbStandin } from '../esdb-standin/standin.js';
import { changePlan, planVersion, recordPlan } from '../support/plans.js';
import { TestServer } from '../support/server.js';

/**
 * Issue 11, item 9, on EventStoreDB: the cluster under a running node is restored from an older
 * backup, or replaced by an empty one. The node notices when its subscription reconnects (nothing
 * restarts it), rebuilds its read models to the restored store, or stops being ready.
 *
 * The "backup" is the stand-in's log copied into a second stand-in, event by event, as it was at
 * the moment of the backup: the store's identity, then every event in the order of `$all`.
 */

const ENV = {
  PZP_CLOCK_START: '2026-03-09T14:00:00+01:00',
  PZP_PSEUDONYM_SECRET: 'store-restore-e2e-pseudonym-secret-0123456789',
  PZP_NODE_ID: 'node-a',
};
const PATIENT = '111222333';
const NEW_PATIENT = '123456782';
const WITHIN_MS = 30_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standin(port?: number): Promise<EsdbStandin> {
  const started = await startEsdbStandin(port === undefined ? {} : { port });
  cleanups.push(() => started.close());
  return started;
}

function client(of: EsdbStandin): EsdbEventStore {
  const store = EsdbEventStore.fromConnectionString(of.connectionString);
  cleanups.push(() => store.close());
  return store;
}

type Backup = { identity: StreamEvent[]; events: StreamEvent[] };

async function backUp(of: EsdbStandin): Promise<Backup> {
  const store = client(of);
  return { identity: await store.readStream(ESDB_IDENTITY_STREAM), events: await store.readAll() };
}

async function restore(into: EsdbStandin, backup: Backup) {
  const store = client(into);
  for (const e of [...backup.identity, ...backup.events]) {
    await store.appendToStream(
      e.streamName,
      [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }],
      {
        expectedRevision: e.revision === 0n ? 'no_stream' : e.revision - 1n,
      },
    );
  }
}

async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    const value = await probe().catch((error: unknown) => error as T);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${String(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readyz(server: TestServer) {
  const response = await fetch(`${server.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { reasons: string[] } };
}

describe('the EventStoreDB cluster restored under a running node', () => {
  it('from an older backup: the node rebuilds to it on reconnecting, shows its version, and new writes', async () => {
    const original = await standin();
    const server = await TestServer.start({
      ...ENV,
      EVENTSTORE_CONNECTION_STRING: original.connectionString,
    });
    cleanups.push(() => server.stop());
    const backedUp = await recordPlan(server, PATIENT);
    const backup = await backUp(original);
    const later = await changePlan(server, PATIENT, backedUp);
    expect(await planVersion(server, PATIENT)).toBe(later);

    await original.close();
    const restored = await standin(original.port);
    await restore(restored, backup);

    await eventually(
      'the version the restored store holds',
      () => planVersion(server, PATIENT),
      (v) => v === backedUp,
    );
    expect(server.logs.some((line) => line.includes(STORE_CHANGED_MESSAGE))).toBe(true);
    await eventually(
      'ready',
      () => readyz(server),
      (r) => r.status === 200,
    );
    const version = await recordPlan(server, NEW_PATIENT);
    expect(await planVersion(server, NEW_PATIENT)).toBe(version);
    expect(await changePlan(server, PATIENT, backedUp)).toBe(later);
  }, 120_000);

  it('replaced by an empty cluster: the node stops being ready and says why', async () => {
    const original = await standin();
    const server = await TestServer.start({
      ...ENV,
      EVENTSTORE_CONNECTION_STRING: original.connectionString,
    });
    cleanups.push(() => server.stop());
    await recordPlan(server, PATIENT);

    await original.close();
    await standin(original.port);

    const unready = await eventually(
      'not ready on the empty store',
      () => readyz(server),
      (r) => r.status === 503 && r.body.reasons.some((reason) => reason.includes('holds no events')),
    );
    expect(unready.body.reasons.join('\n')).toContain('restore it from its backup');
    expect(await planVersion(server, PATIENT).catch((e: unknown) => String(e))).toMatch(/HTTP 503/);
  }, 120_000);
});
