import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamNameFor, type Actor } from '@pzp/domain';
import { actors, syntheticBsn } from '@pzp/domain/testing';
import type { Services } from './services.js';
import { startInProcessApi, startPlan, type InProcessApi } from './spec-support.js';

/**
 * A patient whose stream holds an event this node cannot read (issue 9): the API refuses the
 * patient's plan with RECORD_UNAVAILABLE instead of showing one that may miss a change, logs the
 * attempt, serves every other patient, and /readyz names the stream while staying ready.
 */

const broken = syntheticBsn(21);
const healthy = syntheticBsn(22);
let api: InProcessApi;
let base: string;
let services: Services;
let brokenVersion: number;

beforeAll(async () => {
  api = await startInProcessApi({
    name: 'quarantine',
    seed: async (node) => {
      const { store } = node;
      await startPlan(node, healthy);
      const { version } = await startPlan(node, broken);
      // An event whose body does not fit its type's schema (a bug elsewhere, a bad migration).
      const streamName = streamNameFor(node.pseudonymOf(broken));
      const [first] = await store.readStream(streamName, { maxCount: 1 });
      await store.appendToStream(
        streamName,
        [{ id: randomUUID(), type: first!.type, data: { unreadable: true }, metadata: first!.metadata }],
        { expectedRevision: BigInt(version) },
      );
      brokenVersion = version + 1;
    },
  });
  ({ base, services } = api);
});

afterAll(() => api?.close());

const post = (actor: Actor, query: string, variables: Record<string, unknown>) =>
  api.post(actor, query, variables);

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
