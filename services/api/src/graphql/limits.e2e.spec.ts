import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../../../../test/support/server.js';

/**
 * Query limits against the real server process over real HTTP: a small document whose fragments
 * expand to 2^30 paths is answered at once (every limit visits each fragment once), and the server
 * stays responsive. In its own process so that a rule that walked every path would show as a
 * request that never comes back (the liveness timeout below), not as a frozen test runner.
 */

/** `fragment F<n>` spreads `F<n-1>` twice: `...F<levels>` stands for 2^levels copies of F0. */
function fragmentBomb(levels: number, type: string, leaf: string): string {
  const fragments = [`fragment F0 on ${type} { ${leaf} }`];
  for (let n = 1; n <= levels; n++) fragments.push(`fragment F${n} on ${type} { ...F${n - 1} ...F${n - 1} }`);
  return fragments.join('\n');
}

/** Far longer than any answer needs; only a request that never comes back reaches it. */
const LIVENESS = AbortSignal.timeout.bind(AbortSignal, 15_000);

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await TestServer.start({ PZP_DEMO_DATA: 'true' });
  token = await server.token('gp');
}, 60_000);

afterAll(async () => {
  // A server stuck in a request would never act on SIGTERM.
  await server?.kill();
  await server?.stop();
});

async function post(query: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: LIVENESS(),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  return { status: response.status, ...body };
}

describe('a document of 2^30 paths', () => {
  it('is refused for its cost without walking the paths', async () => {
    const document = `${fragmentBomb(30, 'Actor', 'id')}\n{ me { ...F30 } }`;
    expect(document.length).toBeLessThan(2_000);
    const answer = await post(document);
    expect(answer.status).toBe(400);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'COST' });
    // 1 for `me`, 2^30 for the copies of `id`.
    expect(answer.errors![0]!.message).toBe(`Query cost ${1 + 2 ** 30} exceeds the limit of 5000`);
  });

  it('is refused for its depth without walking the paths', async () => {
    const deep = 'treatmentDirectives { confirmation { by { recordedBy { organization { name } } } } }';
    const document = `${fragmentBomb(30, 'PzpRecord', deep)}
      { reviewsDue(until: "2027-01-01", first: 1) { edges { node { ...F30 } } } }`;
    const answer = await post(document);
    expect(answer.status).toBe(400);
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'DEPTH' });
    expect(answer.errors![0]!.message).toBe('Query depth 9 exceeds the limit of 8');
  });

  it('leaves the server responsive', async () => {
    const health = await fetch(`${server.url}/healthz`, { signal: LIVENESS() });
    expect(health.status).toBe(200);
    expect(server.logs.filter((line) => line.includes('"level":50'))).toEqual([]);
  });
});
