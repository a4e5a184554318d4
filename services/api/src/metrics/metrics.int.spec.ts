import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, syntheticBsn } from '@pzp/domain/testing';
import { createApp } from '../app.js';
import {
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevelopmentKeys,
  mintToken,
} from '../auth/index.js';
import { openServices, startPlan, type InProcessServices } from '../spec-support.js';
import { metricsApp, nodeMetrics, type NodeMetrics } from './index.js';

/** The node's /metrics over real HTTP: counts by bounded labels, and where it is (not) served. */

const BSN = syntheticBsn(7);
const TOKEN = 'a-metrics-token-of-at-least-32-chars';
const EMERGENCY = `query Spoedoverzicht($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) { version } }`;

let node: InProcessServices;
let metrics: NodeMetrics;
const servers: Server[] = [];
let publicBase: string;
let hiddenBase: string;
let metricsBase: string;
let privateJwk: Awaited<ReturnType<typeof ensureDevelopmentKeys>>['privateJwk'];

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener).listen(0);
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  node = await openServices({
    name: 'metrics',
    seed: (services) =>
      startPlan(services, BSN, { sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }] }),
  });
  const keys = await ensureDevelopmentKeys(node.dir);
  privateJwk = keys.privateJwk;
  const verifier = createTokenVerifier({
    jwks: keys.jwks,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    allowDevelopmentKeys: true,
  });
  const { services, projector, store } = node;
  metrics = nodeMetrics({
    projector,
    headPosition: () => store.headPosition(),
    subscriptionHealth: () => undefined,
    quarantinedStreams: () => services.queries.quarantined().length,
    readiness: () => ({ ready: true, reasons: [] }),
    accessLog: services.accessLog,
  });
  const base = { services, verifier, requestTimeoutMs: 10_000, isReady: () => true, introspection: false };
  // Development: /metrics on the public port.
  publicBase = await listen(
    (await createApp({ ...base, metrics: { node: metrics, endpointHere: true } })).listener,
  );
  // With PZP_METRICS_PORT (as production runs it): not on the public port, on its own one.
  hiddenBase = await listen(
    (await createApp({ ...base, metrics: { node: metrics, endpointHere: false } })).listener,
  );
  metricsBase = await listen(metricsApp(metrics.endpoint));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await node?.close();
});

async function graphql(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(`${publicBase}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
}

/** The scrape's samples, by name and labels as the text format writes them. */
async function scrape(base = publicBase): Promise<Map<string, number>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe('/metrics', () => {
  it('counts GraphQL requests by known operation and outcome, unknown names as other', async () => {
    const hap = await mintToken({ privateJwk, actor: actors.hapDoctor });
    const auditor = await mintToken({ privateJwk, actor: actors.auditor });
    const granted = await graphql(EMERGENCY, { bsn: BSN }, hap);
    expect(granted.errors).toBeUndefined();
    await graphql(EMERGENCY, { bsn: BSN }, hap);
    const refused = await graphql(EMERGENCY, { bsn: BSN }, auditor);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await graphql(EMERGENCY, { bsn: '123' }, hap);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // A client may name its operation anything, a BSN included: never a label.
    const named = await graphql(
      `query Bsn${BSN}($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) { version } }`,
      { bsn: BSN },
      hap,
    );
    expect(named.errors).toBeUndefined();
    const anonymous = await graphql(EMERGENCY, { bsn: BSN });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await node.services.accessLog.drain();

    const samples = await scrape();
    const count = (operation: string, code: string) =>
      samples.get(`pzp_graphql_request_duration_seconds_count{operation="${operation}",code="${code}"}`);
    expect(count('Spoedoverzicht', 'OK')).toBe(2);
    expect(count('Spoedoverzicht', 'FORBIDDEN')).toBe(1);
    expect(count('Spoedoverzicht', 'BAD_USER_INPUT')).toBe(1);
    expect(count('other', 'OK')).toBe(1);
    // Refused before Apollo knew the operation: counted, by the status's code.
    expect(count('other', 'UNAUTHENTICATED')).toBe(1);
    const text = [...samples.keys()].join('\n');
    expect(text).not.toContain(BSN);
    expect(text).not.toContain(node.services.pseudonymOf(BSN));
    // Each read's access record was committed and timed.
    expect(samples.get('pzp_access_records_total{outcome="ok"}')).toBeGreaterThanOrEqual(3);
    expect(samples.get('pzp_access_record_commit_duration_seconds_count{outcome="ok"}')).toBeGreaterThan(0);
    expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts FHIR requests by resource type, never by id', async () => {
    expect((await fetch(`${publicBase}/fhir/metadata`)).status).toBe(200);
    await fetch(`${publicBase}/fhir/Patient/${node.services.pseudonymOf(BSN)}`);
    await fetch(`${publicBase}/fhir/NoSuchThing/1`);
    const samples = await scrape();
    expect(
      samples.get('pzp_fhir_request_duration_seconds_count{resource="metadata",method="GET",status="200"}'),
    ).toBe(1);
    expect(
      samples.get('pzp_fhir_request_duration_seconds_count{resource="Patient",method="GET",status="401"}'),
    ).toBe(1);
    expect(
      samples.get('pzp_fhir_request_duration_seconds_count{resource="other",method="GET",status="404"}'),
    ).toBe(1);
  });

  it('shows no projector lag once the read models have caught up, and the node state', async () => {
    await node.services.accessLog.drain();
    await node.projector.waitFor((await node.store.headPosition())!);
    const samples = await scrape();
    expect(samples.get('pzp_projector_lag_positions')).toBe(0);
    expect(samples.get('pzp_projector_lag_seconds')).toBe(0);
    expect(samples.get('pzp_projector_position')).toBe(samples.get('pzp_event_store_head_position'));
    expect(samples.get('pzp_projector_status{status="live"}')).toBe(1);
    expect(samples.get('pzp_quarantined_streams')).toBe(0);
    expect(samples.get('pzp_ready')).toBe(1);
    expect(samples.get('pzp_not_ready_reasons')).toBe(0);
  });

  it('is not served on the public port when it has a port of its own', async () => {
    expect((await fetch(`${hiddenBase}/metrics`)).status).toBe(404);
    expect((await scrape(metricsBase)).get('pzp_ready')).toBe(1);
    expect((await fetch(`${metricsBase}/graphql`)).status).toBe(404);
  });

  it('answers only its bearer token when it has one', async () => {
    const guarded = await listen(
      metricsApp(
        nodeMetrics({
          projector: node.projector,
          headPosition: () => node.store.headPosition(),
          subscriptionHealth: () => undefined,
          quarantinedStreams: () => 0,
          readiness: () => ({ ready: true, reasons: [] }),
          accessLog: { observe: () => undefined },
          token: TOKEN,
        }).endpoint,
      ),
    );
    expect((await fetch(`${guarded}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    const ok = await fetch(`${guarded}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('pzp_ready 1');
  });

  it('shows an unreadable store as unknown lag, and the subscription state and node reasons', async () => {
    const troubled = await listen(
      metricsApp(
        nodeMetrics({
          projector: node.projector,
          headPosition: () => Promise.reject(new Error('store unreachable')),
          subscriptionHealth: () => ({ state: 'reconnecting', reconnects: 2, lastError: 'gone' }),
          quarantinedStreams: () => 1,
          readiness: () => ({
            ready: false,
            reasons: ['the event-store subscription is reconnecting: gone'],
          }),
          accessLog: { observe: () => undefined },
        }).endpoint,
      ),
    );
    const samples = await scrape(troubled);
    expect(samples.get('pzp_projector_lag_positions')).toBeNaN();
    expect(samples.get('pzp_event_store_head_position')).toBeNaN();
    expect(samples.get('pzp_event_store_subscription_state{state="reconnecting"}')).toBe(1);
    expect(samples.get('pzp_event_store_subscription_state{state="live"}')).toBe(0);
    expect(samples.get('pzp_event_store_subscription_reconnects')).toBe(2);
    expect(samples.get('pzp_quarantined_streams')).toBe(1);
    expect(samples.get('pzp_ready')).toBe(0);
    expect(samples.get('pzp_not_ready_reasons')).toBe(1);
  });
});
