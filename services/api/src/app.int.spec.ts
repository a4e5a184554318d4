import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLogWriter } from '@pzp/access';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb, type Queries } from '@pzp/projections';
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

/** In-process app on a real store: counts read-model queries per request (DataLoader batching). */

const PATIENTS = 50;
let dir: string;
let server: Server;
let url: string;
let token: string;
let store: SqliteEventStore;
let projector: Projector;
const calls = new Map<string, number>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-app-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const real = createQueries(db);
  // Count every call of every query method.
  const queries = new Proxy(real, {
    get(target, prop: keyof Queries) {
      const value = target[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  projector = new Projector(store, db);
  const clock = () => new Date('2026-06-01T10:00:00+02:00');
  const services: Services = {
    store,
    queries,
    projector,
    accessLog: new AccessLogWriter(store, 'test', clock),
    clock,
    logger: createLogger('silent'),
    pseudonymOf: pseudonymizer('app-test-secret-0123456789abcdef0123'),
  };
  for (let n = 0; n < PATIENTS; n++) {
    const bsn = syntheticBsn(n);
    const streamName = streamNameFor(services.pseudonymOf(bsn));
    const run = (type: string, data: unknown, expectedVersion?: number) =>
      handleCommand(store, {
        streamName,
        command: {
          type,
          data,
          metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
        } as PzpCommand,
        expectedVersion,
        sourceSystem: 'test',
      });
    await run('RecordConversation', {
      conversationId: `c-${n}`,
      patient: { bsn, name: `Patiënt ${n}`, birthDate: '1940-01-01' },
      date: '2026-01-10',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      reviewAfterMonths: 3,
    });
    await run('AssignRole', {
      assignmentId: `r-${n}`,
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-01-10',
    });
  }
  await projector.start();
  const keys = await ensureDevelopmentKeys(dir);
  const verifier = createTokenVerifier({
    jwks: keys.jwks,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    allowDevelopmentKeys: true,
  });
  token = await mintToken({ privateJwk: keys.privateJwk, actor: actors.gp });
  const { app } = await createApp({
    services,
    verifier,
    requestTimeoutMs: 10_000,
    isReady: () => true,
    introspection: false,
  });
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server?.close();
  await projector?.stop();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: { reviewsDue: { edges: unknown[] } };
    errors?: { extensions?: { code?: string } }[];
  };
}

describe('API in process', () => {
  it('lists 50 due plans with a constant number of read-model queries', async () => {
    calls.clear();
    const result = await post(`{ reviewsDue(until: "2027-01-01", first: 50) {
      edges { node { version patient { bsn } reviewDueOn
        treatmentDirectives { key summary provenance { recordedBy { name organization { name } } } }
        regiebehandelaar { practitioner { name } organization { name } } roles { role } } }
      pageInfo { hasNextPage } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.reviewsDue.edges).toHaveLength(PATIENTS);
    expect(Object.fromEntries(calls)).toEqual({ reviewsDue: 1, currentPlans: 1 });
  });

  it('refuses queries that are too deep or too costly before running them', async () => {
    // Depth 8 (the deepest a real client needs) passes; 9 is refused.
    const deepest = await post(`{ reviewsDue(until: "2027-01-01", first: 2) { edges { node {
      treatmentDirectives { provenance { recordedBy { organization { name } } } } } } } }`);
    expect(deepest.errors).toBeUndefined();
    const tooDeep = await post(`{ reviewsDue(until: "2027-01-01", first: 2) { edges { node {
      treatmentDirectives { confirmation { by { recordedBy { organization { name } } } } } } } } }`);
    expect(tooDeep.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'DEPTH' });
    expect(JSON.stringify(tooDeep.errors)).toContain('Query depth 9 exceeds the limit of 8');
    // Fragments count as the fields they select.
    const viaFragments = await post(`fragment O on Actor { organization { name } }
      fragment D on TreatmentDirective { confirmation { by { recordedBy { ...O } } } }
      { reviewsDue(until: "2027-01-01", first: 2) { edges { node { treatmentDirectives { ...D } } } } }`);
    expect(JSON.stringify(viaFragments.errors)).toContain('Query depth 9 exceeds');

    const page =
      'reviewsDue(until: "2027-01-01", first: 100) { edges { node { treatmentDirectives { key status summary } } } }';
    calls.clear();
    const costly = await post(`{ ${Array.from({ length: 10 }, (_, i) => `p${i}: ${page}`).join(' ')} }`);
    expect(costly.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(calls.size).toBe(0); // refused before any resolver ran
  });

  it('rejects a request body over the limit with a GraphQL-shaped error', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { id } }', variables: { pad: 'x'.repeat(300_000) } }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });
});
