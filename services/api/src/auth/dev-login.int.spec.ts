import { afterEach, describe, expect, it } from 'vitest';
import { startInProcessApi, type InProcessApi } from '../spec-support.js';
import { DEV_LOGIN_CLIENT } from './dev-login.js';
import { PERSONA_NAMES } from './personas.js';

/** The web app's development sign-in: there on a development node, absent otherwise. */

let api: InProcessApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('development sign-in (/dev)', () => {
  it('lists the personas and gives a token for one that the API accepts as that person', async () => {
    api = await startInProcessApi({ name: 'dev-login', devLogin: true });
    const personas = (await (await fetch(`${api.base}/dev/personas`)).json()) as { persona: string }[];
    expect(personas.map((p) => p.persona)).toEqual(PERSONA_NAMES);
    const response = await fetch(`${api.base}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'hap-doctor' }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const me = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { name organization { type } } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { name: 'Dr. P. Smit', organization: { type: 'HAP' } } } });
    expect(DEV_LOGIN_CLIENT).toMatch(/ontwikkeling/);
  });

  it('refuses an unknown persona', async () => {
    api = await startInProcessApi({ name: 'dev-login-bad', devLogin: true });
    const response = await fetch(`${api.base}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: 'root' }),
    });
    expect(response.status).toBe(400);
  });

  it('is absent when the node was not given the development key (production)', async () => {
    api = await startInProcessApi({ name: 'dev-login-off' });
    expect((await fetch(`${api.base}/dev/personas`)).status).toBe(404);
    const token = await fetch(`${api.base}/dev/token`, { method: 'POST', body: '{}' });
    expect(token.status).toBe(404);
  });
});
