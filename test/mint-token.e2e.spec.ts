import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestServer } from './support/server.js';

/**
 * The README's way to a token (`pnpm -s mint-token <persona>`) must give one the server accepts
 * with its default settings: a newcomer's first request depends on it.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start({});
}, 60_000);
afterAll(() => server?.stop());

async function me(token: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { name profession } }' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const mint = async (...args: string[]) =>
  (
    await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/mint-token.ts', ...args, '--data-dir', server.dataDir],
      {
        cwd: ROOT,
      },
    )
  ).stdout.trim();

it('a token from mint-token, with its defaults, is accepted by a server with its defaults', async () => {
  const answer = await me(await mint('hap-doctor'));
  expect(answer).toMatchObject({ status: 200, body: { data: { me: { profession: expect.any(String) } } } });
  expect(answer.body['errors']).toBeUndefined();
}, 30_000);

it('a token asking for a longer life than the server accepts is refused, not served', async () => {
  const answer = await me(await mint('hap-doctor', '--expires', '8h'));
  expect(answer.status).toBe(401);
  expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
}, 30_000);
