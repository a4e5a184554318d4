import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { syntheticBsn } from '@pzp/domain/testing';
import { EsdbEventStore } from '@pzp/event-store';
import { startEsdbStandin, type EsdbStandin } from './esdb-standin/standin.js';
import { TestServer } from './support/server.js';
import { ok } from './support/graphql.js';
import { until, WebhookReceiver, type Delivery } from './support/notify.js';

/**
 * Two API nodes on one EventStoreDB (the gRPC stand-in): both work out every notice from `$all`,
 * and claims in the store (packages/notifications/src/claims.ts) make each go out once.
 */

const SECRET = 'notify-two-nodes-pseudonym-secret-0123456789';
const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const professional = { kind: 'PROFESSIONAL', ...gp, organization: practice };
const BSN = syntheticBsn(1451);

let standin: EsdbStandin;
const keyStoreDir = mkdtempSync(join(tmpdir(), 'pzp-notify-keys-'));
let receiver: WebhookReceiver;
const nodes: TestServer[] = [];
const state: { versions: number[]; nodes: Record<string, TestServer> } = { versions: [], nodes: {} };
const dirs: string[] = [];

async function startNode(nodeId: string): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-notify-node-'));
  dirs.push(dir);
  const node = await TestServer.start(
    {
      EVENTSTORE_CONNECTION_STRING: standin.connectionString,
      PZP_PSEUDONYM_SECRET: SECRET,
      PZP_NODE_ID: nodeId,
      // Nodes on one EventStoreDB share the patients' data keys.
      PZP_KEY_STORE_DIR: keyStoreDir,
      PZP_WEBHOOK_BACKOFF_MS: '25',
      PZP_WEBHOOK_BACKOFF_MAX_MS: '400',
      PZP_WEBHOOK_LEASE_MS: '1000',
      PZP_WEBHOOK_TIMEOUT_MS: '500',
    },
    dir,
  );
  nodes.push(node);
  return node;
}

const pending = async (node: TestServer): Promise<number> =>
  ((await (await fetch(`${node.url}/readyz`)).json()) as { notices: { webhooks: { PENDING: number } } })
    .notices.webhooks.PENDING;

beforeAll(async () => {
  [standin, receiver] = await Promise.all([startEsdbStandin(), WebhookReceiver.start()]);
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.stop({ removeData: false });
  await standin?.close();
  await receiver?.down();
  for (const dir of [...dirs, keyStoreDir]) rmSync(dir, { recursive: true, force: true });
});

describe('two API nodes on one event store', () => {
  it('deliver each notice once per endpoint, in order', async () => {
    const [a, b] = [await startNode('node-a'), await startNode('node-b')];
    const registered = ok(
      await a.graphql<{ registerWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
        await a.token('vvt-nurse'),
        'mutation ($url: String!) { registerWebhookEndpoint(url: $url) { secret endpoint { id } } }',
        { url: receiver.url },
      ),
    ).registerWebhookEndpoint;
    // Node B knows the endpoint from the store.
    await until(async () => {
      const r = await b.graphql<{ webhookEndpoints: { id: string }[] }>(
        await b.token('vvt-nurse'),
        '{ webhookEndpoints { id } }',
      );
      return r.data?.webhookEndpoints.some((e) => e.id === registered.endpoint.id);
    }, 'node B to know the endpoint');

    const first = ok(
      await a.graphql<{ recordConversation: { record: { version: number } } }>(
        await a.token('gp'),
        'mutation ($input: RecordConversationInput!) { recordConversation(input: $input) { record { version } } }',
        {
          input: {
            bsn: BSN,
            patient: { bsn: BSN, name: 'J. Verbeek', birthDate: '1940-02-02' },
            date: '2026-11-02',
            participants: [{ kind: 'PATIENT' }, professional],
            treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
            sharingConsents: [{ organizationType: 'VVT', decision: 'GRANTED' }],
          },
        },
      ),
    ).recordConversation.record.version;
    const versions = [first];
    // Changes on both nodes, one after the other.
    for (let i = 0; i < 6; i++) {
      const node = i % 2 === 0 ? b : a;
      const r = await node.graphql<{ setTreatmentDirective: { record: { version: number } } }>(
        await node.token('gp'),
        'mutation ($input: SetTreatmentDirectiveInput!) { setTreatmentDirective(input: $input) { record { version } } }',
        {
          input: {
            bsn: BSN,
            expectedVersion: versions.at(-1),
            treatment: { code: 'ANTIBIOTICS' },
            decision: i % 2 === 0 ? 'WEL' : 'NIET',
            decidedOn: '2026-11-02',
            parties: [{ kind: 'PATIENT' }, professional],
          },
        },
      );
      versions.push(ok(r).setTreatmentDirective.record.version);
    }

    await until(() => receiver.accepted.length >= versions.length || undefined, 'every delivery');
    // Both nodes have settled every notice: delivered by one, known as delivered by the other.
    await until(async () => (await pending(a)) === 0 && (await pending(b)) === 0, 'both queues empty');

    const ids = receiver.requests.map((d: Delivery) => d.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length); // nothing sent twice
    const data = receiver.accepted.map((d) => {
      const headers = {
        'webhook-id': String(d.headers['webhook-id']),
        'webhook-timestamp': String(d.headers['webhook-timestamp']),
        'webhook-signature': String(d.headers['webhook-signature']),
      };
      // Both nodes sign with the same derived secret.
      return (new Webhook(registered.secret).verify(d.body, headers) as { data: { version: number } }).data;
    });
    expect(data.map((d) => d.version)).toEqual(versions);
    state.versions = versions;
    state.nodes = { 'node-a': a, 'node-b': b };
  }, 90_000);

  it('take over a notice whose node died mid-delivery, with the same webhook-id', async () => {
    const { a } = { a: state.nodes['node-a']! };
    receiver.status = 503;
    const r = await a.graphql<{ setTreatmentDirective: { record: { version: number } } }>(
      await a.token('gp'),
      'mutation ($input: SetTreatmentDirectiveInput!) { setTreatmentDirective(input: $input) { record { version } } }',
      {
        input: {
          bsn: BSN,
          expectedVersion: state.versions.at(-1),
          treatment: { code: 'ANTIBIOTICS' },
          decision: 'WEL',
          decidedOn: '2026-11-02',
          parties: [{ kind: 'PATIENT' }, professional],
        },
      },
    );
    const version = ok(r).setTreatmentDirective.record.version;
    const attempt = await until(
      () => receiver.requests.find((d) => JSON.parse(d.body).data.version === version),
      'a failed attempt',
    );
    const id = String(attempt.headers['webhook-id']);
    // The node that holds the claim, from the notice's delivery stream.
    const store = EsdbEventStore.fromConnectionString(standin.connectionString);
    const claims = await store.readStream(`webhook-delivery-${id}`);
    await store.close();
    const holder = (claims.at(-1)!.data as { node: string }).node;
    await state.nodes[holder]!.kill();
    receiver.status = 204;
    const delivered = await until(
      () => receiver.accepted.find((d) => d.headers['webhook-id'] === id),
      'the delivery by the other node',
    );
    expect(JSON.parse(delivered.body).data.version).toBe(version);
  }, 60_000);
});
