import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { ensureDevelopmentKeys, mintToken } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_CONVERSATION } from '../operations.js';
import { TestServer } from '../support/server.js';
import { accessibilityViolations, browserTestsRun, launchChromium } from './browser.js';
import {
  listenOidcIssuer,
  REGISTRY_RESOURCE,
  WEB_CLIENT_ID,
  WEB_SCOPE,
  type OidcIssuer,
} from './oidc-issuer.js';
import { GP_PARTY, ok } from './session.js';

/**
 * A production node: no development sign-in; the web app offers the context launch and an OIDC
 * sign-in at the region's issuer (a real OpenID provider here), whose access tokens the API verifies
 * with the issuer's JWKS.
 */

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/web/', import.meta.url));
const BSN = '200000056'; // passes the 11-check; recorded below with CPR NIET

let idp: OidcIssuer;
let server: TestServer;
let browser: Browser;
const RUN = browserTestsRun();

beforeAll(async () => {
  if (!RUN) return;
  idp = await listenOidcIssuer();
  server = await TestServer.start({
    PZP_MODE: 'production',
    PZP_PSEUDONYM_SECRET: randomBytes(32).toString('hex'),
    PZP_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PZP_METRICS_TOKEN: randomBytes(32).toString('hex'),
    PZP_JWKS_URL: `${idp.issuer}/jwks`,
    PZP_JWT_ISSUER: idp.issuer,
    PZP_JWT_AUDIENCE: REGISTRY_RESOURCE,
    PZP_OIDC_ISSUER: idp.issuer,
    PZP_OIDC_CLIENT_ID: WEB_CLIENT_ID,
    PZP_OIDC_SCOPE: WEB_SCOPE,
  });
  idp.serveFor(server.url);
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  // The GP's own system records the plan with a token from the same issuer.
  const gp = await mintToken({
    privateJwk: idp.privateJwk as Parameters<typeof mintToken>[0]['privateJwk'],
    actor: personaActor('gp'),
    issuer: idp.issuer,
    audience: REGISTRY_RESOURCE,
    expiresIn: 600,
  });
  ok(
    await server.graphql(gp, RECORD_CONVERSATION, {
      input: {
        bsn: BSN,
        patient: { bsn: BSN, name: 'P. Productie', birthDate: '1941-04-05' },
        date: '2026-11-20',
        participants: [{ kind: 'PATIENT' }, GP_PARTY],
        treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
        sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.close();
});

describe.skipIf(!RUN)('a production node in a real browser', () => {
  it('has no development sign-in: no /dev routes, no token field, no persona picker, and refuses a development token at /launch', async () => {
    expect((await fetch(`${server.url}/dev/personas`)).status).toBe(404);
    expect((await fetch(`${server.url}/dev/token`, { method: 'POST', body: '{}' })).status).toBe(404);
    const devToken = await mintToken({
      privateJwk: (await ensureDevelopmentKeys(server.dataDir)).privateJwk,
      actor: personaActor('hap-doctor'),
    });
    const launch = await fetch(`${server.url}/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: devToken, bsn: BSN }).toString(),
    });
    expect(launch.status).toBe(401);

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${server.url}/`);
    await page.locator('#launch-hint').waitFor();
    expect(await page.locator('#launch-hint').textContent()).toContain('vanuit uw HIS');
    expect(await page.getByRole('button', { name: 'Inloggen' }).isVisible()).toBe(true);
    expect(await page.locator('#token-form').isVisible()).toBe(false);
    expect(await page.locator('#persona-form').isVisible()).toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}sign-in-production.png` });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it('signs the HAP doctor in at the issuer (Authorization Code + PKCE) and reads a plan with the access token', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    // The issuer's own sign-in page.
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('hap-doctor');
    await page.locator('input[name="password"]').fill('geheim');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.locator('#caller-name').waitFor();
    expect(await page.locator('#caller-name').textContent()).toContain('Dr. P. Smit');
    // Back at the app's own address, the code and state gone from it; the token in this tab only.
    expect(page.url()).toBe(`${server.url}/`);
    const storage = await page.evaluate<{ local: number; session: string }>(
      '({ local: localStorage.length, session: sessionStorage.getItem("pzp.token") ?? "" })',
    );
    expect(storage.local).toBe(0);
    expect(storage.session.split('.')).toHaveLength(3);
    expect(await page.evaluate<string | null>('sessionStorage.getItem("pzp.oidc")')).toBeNull();

    await page.getByLabel('BSN').fill(BSN);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.getByTestId('cpr-verdict').waitFor();
    expect(await page.getByTestId('cpr-verdict').textContent()).toBe('Niet reanimeren');
    await page.close();
  });
});
