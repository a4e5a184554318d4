import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestServer } from './support/server.js';

/**
 * Production runs the compiled JavaScript with plain node (`pnpm build`, run by the install and
 * by `pnpm start`), not tsx: the build must give a node that starts, serves every front end and
 * writes through its writer threads, and a rebuild command that works on its data.
 */
const ROOT = join(import.meta.dirname, '..');
const node = (...args: string[]) => spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });

let server: TestServer;
beforeAll(async () => {
  const built = node('services/api/build.mjs');
  expect(built.status, built.stderr).toBe(0);
  server = await TestServer.start({ PZP_DEMO_DATA: 'true' }, undefined, { compiled: true });
}, 60_000);
afterAll(() => server?.stop());

const CPR = `query ($bsn: BSN!) {
  pzp(bsn: $bsn, purpose: EMERGENCY) { version treatmentDirectives { treatment { code snomed } summary } }
}`;

it('serves the demo plan over GraphQL, the FHIR API and the web app, from the compiled build', async () => {
  const hap = await server.token('hap-doctor');
  const answer = await server.graphql<{ pzp: { version: number; treatmentDirectives: unknown[] } }>(
    hap,
    CPR,
    {
      bsn: '111222333',
    },
  );
  expect(answer.errors).toBeUndefined();
  expect(answer.data?.pzp.treatmentDirectives[0]).toMatchObject({
    treatment: { code: 'CPR', snomed: '89666000' },
  });

  const metadata = await fetch(`${server.url}/fhir/metadata`);
  expect(metadata.status).toBe(200);
  expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');

  // The web app's client is bundled from its sources when the node starts, compiled or not.
  const page = await fetch(`${server.url}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const bundle = await fetch(new URL(script!, server.url));
  expect(bundle.status).toBe(200);
  expect((await bundle.text()).length).toBeGreaterThan(10_000);
}, 30_000);

it('stops cleanly, and the compiled rebuild command rebuilds its read models to the same plan', async () => {
  const hap = await server.token('hap-doctor');
  const before = (await server.graphql(hap, CPR, { bsn: '111222333' })).data;
  const dataDir = server.dataDir;
  await server.stop({ removeData: false });

  const rebuilt = node('services/api/dist/rebuild.js', '--data-dir', dataDir);
  expect(rebuilt.status, rebuilt.stderr).toBe(0);
  expect(rebuilt.stdout).toMatch(/Rebuilt read models from \d+ events/);

  server = await TestServer.start({}, dataDir, { compiled: true });
  const after = await server.graphql(await server.token('hap-doctor'), CPR, { bsn: '111222333' });
  expect(after.data).toEqual(before);
}, 60_000);
