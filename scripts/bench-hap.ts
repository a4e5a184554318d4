/**
 * HAP lookup latency over real HTTP: `pzp(bsn)` with a real token, the full access policy and a
 * durable access record per request, against the real server on the demo data. Prints figures;
 * nothing is asserted.
 *
 *   pnpm bench:hap [--seconds 10]
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TestServer } from '../test/support/server.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const duration = Number(values.seconds);

const QUERY = `query Pzp($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) {
  version treatmentDirectives { key status decision specification summary decidedOn
    provenance { recordedAt recordedBy { name profession organization { name } } } }
  representatives { name phone } regiebehandelaar { practitioner { name } } warnings { code message } } }`;

const server = await TestServer.start({ PZP_DEMO_DATA: 'true' });
try {
  const token = await server.token('hap-doctor', 'bench');
  const body = JSON.stringify({ query: QUERY, variables: { bsn: '111222333' } });
  const check = await server.graphql(token, QUERY, { bsn: '111222333' });
  if (check.errors) throw new Error(`lookup failed: ${JSON.stringify(check.errors)}`);

  const rows: Record<string, Record<string, number>> = {};
  for (const connections of [1, 32]) {
    const result = await autocannon({
      url: `${server.url}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
      connections,
      duration,
    });
    rows[`${connections} concurrent`] = {
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.non2xx,
    };
  }
  console.log(`pzp(bsn) over HTTP, demo data, Node ${process.version}, ${duration}s per row`);
  console.table(rows);
} finally {
  await server.stop();
}
