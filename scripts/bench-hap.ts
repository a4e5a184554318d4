/**
 * HAP lookup latency over real HTTP: `pzp(bsn, purpose: EMERGENCY)` with a real token, the full
 * access policy and a durable access record per request, against the real server on the demo
 * data. Prints figures; nothing is asserted.
 *
 *   pnpm bench:hap [--seconds 10] [--connections 1,8,32] [--warmup 3]
 *   pnpm bench:hap --url http://127.0.0.1:4000 --data-dir data   # a server started elsewhere
 *
 * With `--url` the script benchmarks a running server (e.g. one started with `--cpu-prof`, or a
 * reference app); the token is minted with the development key in `--data-dir` (or sent as given
 * with `--token`).
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureDevelopmentKeys, mintToken } from '../services/api/src/auth/index.js';
import { personaActor } from '../services/api/src/auth/personas.js';
import { TestServer } from '../test/support/server.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,8,32' },
    warmup: { type: 'string', default: '3' },
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    token: { type: 'string' },
    label: { type: 'string' },
  },
});
const duration = Number(values.seconds);
const warmup = Number(values.warmup);
const connectionCounts = values.connections.split(',').map(Number);

const QUERY = `query Pzp($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) {
  version treatmentDirectives { key status agreement { __typename ... on Perform { decision specification } ... on DoNotPerform { decision specification } ... on OnlyUnderConditions { conditions } } summary decidedOn
    provenance { recordedAt recordedBy { name profession organization { name } } } }
  representatives { name phone } regiebehandelaar { practitioner { name } } warnings { code message } } }`;
const BSN = '111222333';

async function devToken(dataDir: string): Promise<string> {
  const keys = await ensureDevelopmentKeys(dataDir);
  return mintToken({
    privateJwk: keys.privateJwk,
    actor: personaActor('hap-doctor'),
    clientSystem: 'bench',
    issuer: 'pzp-registry-dev',
    audience: 'pzp-registry',
  });
}

const server = values.url ? undefined : await TestServer.start({ PZP_DEMO_DATA: 'true', LOG_LEVEL: 'info' });
try {
  const url = values.url ?? server!.url;
  const token =
    values.token ??
    (server ? await server.token('hap-doctor', 'bench') : await devToken(values['data-dir'] ?? 'data'));
  const body = JSON.stringify({ query: QUERY, variables: { bsn: BSN } });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const check = (await (await fetch(`${url}/graphql`, { method: 'POST', headers, body })).json()) as {
    errors?: unknown;
  };
  if (check.errors) throw new Error(`lookup failed: ${JSON.stringify(check.errors)}`);

  const run = (connections: number, seconds: number) =>
    autocannon({ url: `${url}/graphql`, method: 'POST', headers, body, connections, duration: seconds });
  if (warmup > 0) await run(Math.max(...connectionCounts), warmup);

  const rows: Record<string, Record<string, number>> = {};
  for (const connections of connectionCounts) {
    const result = await run(connections, duration);
    rows[`${connections} concurrent`] = {
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  }
  console.log(
    `${values.label ?? 'pzp(bsn)'} over HTTP, demo data, Node ${process.version}, ${duration}s per row`,
  );
  console.table(rows);
} finally {
  await server?.stop();
}
