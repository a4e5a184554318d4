import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ensureDevelopmentKeys, mintToken } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../support/server.js';
import { accessibilityViolations, browserTestsRun, launchChromium } from './browser.js';

/**
 * A host system (here a HAP system on its own origin) opens the registry's web app by a context
 * launch: its page posts a form with the user's token and the patient in context to /launch.
 */

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/web/', import.meta.url));
const DE_GROOT = '111222333'; // demo region: CPR NIET, consent for everyone
const FAILS_11_CHECK = '123456789';

let server: TestServer;
let browser: Browser;
let his: Server;
let hisOrigin: string;
/** The form the HAP system's page shows next; set by each test. */
let hisForm: Record<string, string> = {};
const RUN = browserTestsRun();

/** The host system's page: a plain HTML form (as a HIS "contextkoppeling" renders one). */
function hisPage(): string {
  const fields = Object.entries(hisForm)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}" />`)
    .join('');
  return `<!doctype html><html lang="nl"><head><title>HAP-systeem</title></head><body>
    <form method="post" action="${server.url}/launch">${fields}<button type="submit">PZP openen</button></form>
  </body></html>`;
}

beforeAll(async () => {
  if (!RUN) return;
  his = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(hisPage());
  });
  await new Promise<void>((resolve) => his.listen(0, '127.0.0.1', resolve));
  hisOrigin = `http://127.0.0.1:${(his.address() as AddressInfo).port}`;
  server = await TestServer.start({ PZP_DEMO_DATA: 'true', PZP_LAUNCH_ORIGINS: hisOrigin });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => his?.close(resolve));
});

/** The HAP system's page with `form`, and the press of its button; counts the POSTs to /launch. */
async function launchFromHis(form: Record<string, string>): Promise<{ page: Page; posts: () => number }> {
  hisForm = form;
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.setDefaultTimeout(15_000);
  let posts = 0;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/launch') posts += 1;
  });
  await page.goto(`${hisOrigin}/`);
  await page.getByRole('button', { name: 'PZP openen' }).click();
  return { page, posts: () => posts };
}

describe.skipIf(!RUN)('context launch from a host system, in a real browser', () => {
  it('opens the patient in context at once with NIET reanimeren first; the token stays out of the URL, localStorage and logs; a reload does not post again', async () => {
    const token = await server.token('hap-doctor', 'HAP-systeem Noord');
    const { page, posts } = await launchFromHis({ token, bsn: DE_GROOT });
    const verdict = page.getByTestId('cpr-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toBe('Niet reanimeren');
    expect(await page.locator('#caller-name').textContent()).toContain('Dr. P. Smit');
    expect(await page.locator('#bsn').inputValue()).toBe(DE_GROOT);
    expect(await page.locator('#purpose').inputValue()).toBe('EMERGENCY');
    // The address is the app's own, with nothing after it; the launch is gone from the page.
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.title()).not.toContain('Groot');
    expect(await page.locator('#launch').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    const storage = await page.evaluate<{ local: string; session: string }>(
      '({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) })',
    );
    expect(storage.local).not.toContain(token);
    expect(storage.session).toContain(token);
    await page.screenshot({ path: `${ARTIFACTS}launch.png` });
    expect(await accessibilityViolations(page)).toEqual([]);

    expect(posts()).toBe(1);
    await page.reload();
    await page.locator('#caller-name').waitFor();
    expect(posts()).toBe(1);
    expect(page.url()).toBe(`${server.url}/`);
    // Still signed in (the tab's token); the patient is not kept beyond the launch.
    expect(await page.locator('#bsn').inputValue()).toBe('');
    await page.close();
    // What the node logged since it started serving (its demo banner names the demo BSNs).
    const logs = server.logs.slice(server.logs.findIndex((l) => l.includes('"msg":"ready"'))).join('\n');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(DE_GROOT);
  });

  it('opens with the purpose the host system gave', async () => {
    const token = await server.token('gp', 'HIS De Linde');
    const { page } = await launchFromHis({ token, bsn: DE_GROOT, purpose: 'TREATMENT' });
    await page.getByTestId('cpr-verdict').waitFor();
    expect(await page.locator('#purpose').inputValue()).toBe('TREATMENT');
    await page.close();
  });

  it('shows a BSN that fails the 11-check as an error in its field, and looks nothing up', async () => {
    const token = await server.token('hap-doctor', 'HAP-systeem Noord');
    const { page } = await launchFromHis({ token, bsn: FAILS_11_CHECK });
    await page.locator('#caller-name').waitFor();
    const bsn = page.locator('#bsn');
    await expect.poll(() => bsn.getAttribute('aria-invalid')).toBe('true');
    expect(await bsn.inputValue()).toBe(FAILS_11_CHECK);
    expect(await page.locator('#bsn-hint').textContent()).toContain('elfproef');
    expect(await page.locator('#result').textContent()).toBe('');
    expect(await page.getByRole('button', { name: 'Zoeken' }).isDisabled()).toBe(true);
    await page.close();
  });

  it('refuses an expired token with a Dutch page and shows no plan', async () => {
    const keys = await ensureDevelopmentKeys(server.dataDir);
    const expired = await mintToken({
      privateJwk: keys.privateJwk,
      actor: personaActor('hap-doctor'),
      expiresIn: -600,
    });
    const { page } = await launchFromHis({ token: expired, bsn: DE_GROOT });
    const refused = page.getByTestId('launch-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Aanmelden mislukt');
    expect(await refused.textContent()).toContain('ongeldig of verlopen');
    expect(await page.locator('html').getAttribute('lang')).toBe('nl');
    expect(await page.getByTestId('plan').count()).toBe(0);
    expect(await page.content()).not.toContain(DE_GROOT);
    await page.screenshot({ path: `${ARTIFACTS}launch-refused.png` });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
