import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLogWriter } from '@pzp/access';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type Actor, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb } from '@pzp/projections';
import { createApp } from './app.js';
import {
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevelopmentKeys,
  mintToken,
} from './auth/index.js';
import { createLogger } from './logger.js';
import { pseudonymizer, type Services } from './services.js';

/**
 * A patient whose stream holds an event this node cannot read (issue 9): the API refuses the
 * patient's plan with RECORD_UNAVAILABLE instead of showing one that may miss a change, logs the
 * attempt, serves every other patient, and /readyz names the stream while staying ready.
 */

const broken = syntheticBsn(21);
const healthy = syntheticBsn(22);
let dir: string;
let server: Server;
let base: string;
let store: SqliteEventStore;
let projector: Projector;
let services: Services;
let privateJwk: Parameters<typeof mintToken>[0]['privateJwk'];
let brokenVersion: number;

async function startPlan(bsn: string) {
  return handleCommand(store, {
    streamName: streamNameFor(services.pseudonymOf(bsn)),
    command: {
      type: 'RecordConversation',
      data: {
        conversationId: `c-${bsn}`,
        patient: { bsn, name: 'Testpatiënt', birthDate: '1940-01-01' },
        date: '2026-01-10',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      },
      metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
    } as PzpCommand,
    expectedVersion: -1,
    sourceSystem: 'test',
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-quarantine-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  projector = new Projector(store, db);
  const clock = () => new Date('2026-06-01T10:00:00+02:00');
  services = {
    store,
    queries: createQueries(db),
    projector,
    accessLog: new AccessLogWriter(store, 'quarantine-test', clock),
    clock,
    logger: createLogger('silent'),
    pseudonymOf: pseudonymizer('quarantine-test-secret-0123456789abcdef'),
  };
  await startPlan(healthy);
  const { version } = await startPlan(broken);
  // An event whose body does not fit its type's schema (a bug elsewhere, a bad migration).
  const streamName = streamNameFor(services.pseudonymOf(broken));
  const [first] = await store.readStream(streamName, { maxCount: 1 });
  await store.appendToStream(
    streamName,
    [{ id: randomUUID(), type: first!.type, data: { unreadable: true }, metadata: first!.metadata }],
    { expectedRevision: BigInt(version) },
  );
  brokenVersion = version + 1;
  await projector.start();
  const keys = await ensureDevelopmentKeys(dir);
  privateJwk = keys.privateJwk;
  const { app } = await createApp({
    services,
    verifier: createTokenVerifier({
      jwks: keys.jwks,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      allowDevelopmentKeys: true,
    }),
    requestTimeoutMs: 10_000,
    isReady: () => true,
    introspection: false,
  });
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await projector?.stop();
  await services?.accessLog.drain();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(actor: Actor, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const token = await mintToken({ privateJwk, actor });
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

const READS = {
  pzp: [actors.gp, 'query($bsn: BSN!) { pzp(bsn: $bsn) { version } }'],
  pzpAsOf: [
    actors.auditor,
    'query($bsn: BSN!) { pzpAsOf(bsn: $bsn, at: "2026-05-01T10:00:00+02:00") { version } }',
  ],
  pzpHistory: [actors.auditor, 'query($bsn: BSN!) { pzpHistory(bsn: $bsn) { edges { cursor } } }'],
  recordLifeWish: [
    actors.gp,
    `mutation($bsn: BSN!) { recordLifeWish(input: { bsn: $bsn, expectedVersion: 0, text: "Thuis blijven" }) {
      record { version } } }`,
  ],
} as const;

describe('a quarantined patient through the API', () => {
  it.each(Object.entries(READS))(
    '%s answers RECORD_UNAVAILABLE, without personal data',
    async (field, [actor, query]) => {
      const answer = await post(actor, query, { bsn: broken });
      expect(answer.data?.[field] ?? null).toBeNull();
      expect(answer.errors).toHaveLength(1);
      const [error] = answer.errors!;
      expect(error!.extensions).toEqual({ code: 'RECORD_UNAVAILABLE' });
      expect(error!.message).toBe(
        "This patient's record cannot be shown: one of its entries could not be read; the registry's operators have been alerted",
      );
      expect(error!.message).not.toContain(broken);
    },
  );

  it('serves the other patients, and the quarantined one’s access log to auditors', async () => {
    const other = await post(actors.gp, READS.pzp[1], { bsn: healthy });
    expect(other.errors).toBeUndefined();
    expect(other.data).toEqual({ pzp: { version: expect.any(Number) } });
    const log = await post(
      actors.auditor,
      'query($bsn: BSN!) { accessLog(bsn: $bsn, first: 50) { edges { node { action outcome basis } } } }',
      { bsn: broken },
    );
    expect(log.errors).toBeUndefined();
    const edges = (log.data!.accessLog as { edges: { node: Record<string, string> }[] }).edges;
    expect(edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([{ action: 'READ_CURRENT', outcome: 'DENIED', basis: 'RECORD_UNAVAILABLE' }]),
    );
  });

  it('is listed by /readyz, which stays ready', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; quarantined: unknown };
    expect(body.status).toBe('ready');
    expect(body.quarantined).toEqual([{ pseudonym: services.pseudonymOf(broken), revision: brokenVersion }]);
  });
});
