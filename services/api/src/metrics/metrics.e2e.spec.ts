import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../../../../test/support/server.js';

/** Where the real process serves /metrics: on PORT in development, else only on PZP_METRICS_PORT. */

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let development: TestServer;
let separate: TestServer;
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  [development, separate] = await Promise.all([
    TestServer.start({ PZP_DEMO_DATA: 'true' }),
    TestServer.start({
      PZP_METRICS_PORT: String(metricsPort),
      PZP_METRICS_TOKEN: 'a-metrics-token-of-at-least-32-chars',
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await development?.stop();
  await separate?.stop();
});

describe('/metrics of the running node', () => {
  it('is on the public port in development, with the GraphQL requests it answered', async () => {
    const token = await development.token('hap-doctor');
    await fetch(`${development.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query Me { me { name } }' }),
    });
    const response = await fetch(`${development.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('pzp_graphql_request_duration_seconds_count{operation="Me",code="OK"} 1');
    expect(text).toContain('pzp_ready 1');
    expect(text).toContain('pzp_projector_status{status="live"} 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('is only on PZP_METRICS_PORT when that is set, and answers only its token there', async () => {
    expect((await fetch(`${separate.url}/metrics`)).status).toBe(404);
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    const response = await fetch(url, {
      headers: { authorization: 'Bearer a-metrics-token-of-at-least-32-chars' },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('pzp_ready 1');
  });
});
