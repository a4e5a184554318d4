import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { actors } from '@pzp/domain/testing';
import { startInProcessApi, type InProcessApi } from '../spec-support.js';
import { mintToken } from './mint.js';

/** The web app's context launch (POST /launch): what it accepts, what it refuses, what it never echoes. */

const BSN = '111222333';
let api: InProcessApi | undefined;
let lines: string[] = [];

afterEach(async () => {
  await api?.close();
  api = undefined;
  lines = [];
});

async function start(launchOrigins: string[] = []) {
  api = await startInProcessApi({
    name: 'launch',
    logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }),
    webSignIn: { launchOrigins },
  });
  return api;
}

async function launch(
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${api!.base}/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** The launch context the page embeds, as the app's JSON.parse reads it. */
function embedded(body: string): unknown {
  const match = /<script type="application\/json" id="launch">(.*?)<\/script>/s.exec(body);
  return match ? JSON.parse(match[1]!) : undefined;
}

describe('context launch (POST /launch)', () => {
  it('answers the app with the verified launch embedded once as inert JSON, never cached or referred', async () => {
    await start();
    const token = await api!.token(actors.hapDoctor, 'HAP-systeem');
    const answer = await launch({ token, bsn: '1112.22.333', purpose: 'TREATMENT' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(embedded(answer.body)).toEqual({ token, bsn: '1112.22.333', purpose: 'TREATMENT' });
    expect(answer.body).toContain('<script type="module" src="/app.js">');
    // Purpose defaults to EMERGENCY, the BSN is optional.
    expect(embedded((await launch({ token })).body)).toEqual({ token, purpose: 'EMERGENCY' });
    expect(embedded((await launch({ token, bsn: '', purpose: '' })).body)).toEqual({
      token,
      purpose: 'EMERGENCY',
    });
    // The plain page carries no launch.
    expect(embedded(await (await fetch(`${api!.base}/`)).text())).toBeUndefined();
  });

  it('refuses a bad form with a Dutch 400 page that echoes nothing it was sent', async () => {
    await start();
    const token = await api!.token(actors.hapDoctor);
    const bad: (Record<string, string> | string)[] = [
      { bsn: BSN },
      { token: '', bsn: BSN },
      { token, bsn: BSN, purpose: 'BREAK_THE_GLASS' },
      { token, bsn: `${BSN}<script>` },
      { token, bsn: '1'.repeat(30) },
      `token=${'x'.repeat(20_000)}`,
    ];
    for (const form of bad) {
      const answer = await launch(form);
      expect(answer.status, JSON.stringify(form).slice(0, 80)).toBe(400);
      expect(answer.headers.get('content-type')).toContain('text/html');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toContain('lang="nl"');
      expect(answer.body).toContain('Openen mislukt');
      expect(answer.body).not.toContain(token);
      expect(answer.body).not.toContain(BSN);
      expect(answer.body).not.toContain('app.js');
    }
    // Not a form at all.
    const json = await launch(JSON.stringify({ token, bsn: BSN }), { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(BSN);
  });

  it('refuses a token the API refuses (expired, wrong audience, forged) with a Dutch 401 page, logging no token', async () => {
    await start();
    const keys = api!.keys;
    const expired = await mintToken({
      privateJwk: keys.privateJwk,
      actor: actors.hapDoctor,
      expiresIn: -600,
    });
    const otherAudience = await mintToken({
      privateJwk: keys.privateJwk,
      actor: actors.hapDoctor,
      audience: 'some-other-service',
    });
    for (const token of [expired, otherAudience, 'not.a.jwt']) {
      const answer = await launch({ token, bsn: BSN });
      expect(answer.status).toBe(401);
      expect(answer.body).toContain('Aanmelden mislukt');
      expect(answer.body).toContain('ongeldig of verlopen');
      expect(answer.body).not.toContain(token);
      expect(answer.body).not.toContain(BSN);
      expect(embedded(answer.body)).toBeUndefined();
    }
    const logged = lines.join('\n');
    expect(logged).toContain('web launch refused');
    for (const secret of [expired, otherAudience, BSN]) expect(logged).not.toContain(secret);
  });

  it('takes a launch from this origin, a listed host system, or a browser that sent no Origin; refuses others', async () => {
    await start(['https://his.example.nl']);
    const token = await api!.token(actors.hapDoctor);
    const self = new URL(api!.base).origin;
    expect((await launch({ token }, { origin: self })).status).toBe(200);
    expect((await launch({ token }, { origin: 'https://his.example.nl' })).status).toBe(200);
    expect((await launch({ token })).status).toBe(200);
    for (const origin of ['https://evil.example', 'null', 'https://his.example.nl.evil.example']) {
      const answer = await launch({ token, bsn: BSN }, { origin });
      expect(answer.status, origin).toBe(403);
      expect(answer.body).toContain('Openen niet toegestaan');
      expect(answer.body).not.toContain(token);
    }
  });
});
