import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import type { Queries } from '@pzp/projections';
import { startInProcessApi, type InProcessApi } from './spec-support.js';

/** In-process app on a real store: counts read-model queries per request (DataLoader batching). */

const PATIENTS = 50;
let api: InProcessApi;
let url: string;
let token: string;
const calls = new Map<string, number>();

beforeAll(async () => {
  api = await startInProcessApi({
    name: 'app',
    // Count every call of every query method.
    queries: (real) =>
      new Proxy(real, {
        get(target, prop: keyof Queries) {
          const value = target[prop];
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
    seed: async ({ store, pseudonymOf }) => {
      for (let n = 0; n < PATIENTS; n++) {
        const bsn = syntheticBsn(n);
        const streamName = streamNameFor(pseudonymOf(bsn));
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
    },
  });
  url = api.url;
  token = await api.token(actors.gp);
});

afterAll(() => api?.close());

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
