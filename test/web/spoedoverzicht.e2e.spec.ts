import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_CONVERSATION } from '../operations.js';
import { TestServer } from '../support/server.js';
import { accessibilityViolations, browserTestsRun, launchChromium } from './browser.js';
import { signedIn } from './session.js';

/** Screenshots of the screen, for people to look at (written, never compared). */
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/web/', import.meta.url));

/** From the demo region (services/api/src/demo/demo-data.ts). */
const DE_GROOT = '111222333'; // CPR NIET, consent for everyone
const JANSEN = '123456782'; // refused sharing with the SEH
const VAN_DIJK = '999999990'; // never asked about the SEH; ICU NIET agreed with a practice nurse
/** Pass the 11-check; the registry holds nothing for the first, the second is seeded below. */
const NO_PLAN = '200000007';
const CONDITIONAL = '200000019';
const CPR_CONDITIONS = 'Alleen bij een hartritmestoornis tijdens een behandeling';

let server: TestServer;
let browser: Browser;
const RUN = browserTestsRun();

beforeAll(async () => {
  if (!RUN) return;
  server = await TestServer.start({ PZP_DEMO_DATA: 'true' });
  browser = await launchChromium();
  // A plan whose CPR holds only under conditions, through the public mutation a GP's system uses.
  const recorded = await server.graphql(await server.token('gp'), RECORD_CONVERSATION, {
    input: {
      bsn: CONDITIONAL,
      patient: { bsn: CONDITIONAL, name: 'C. Voorwaarde', birthDate: '1947-07-07' },
      date: '2026-11-02',
      participants: [
        { kind: 'PATIENT' },
        {
          kind: 'PROFESSIONAL',
          id: 'UZI-100001',
          name: 'Dr. A. Jansen',
          profession: 'GENERAL_PRACTITIONER',
          organization: {
            id: 'URA-01000001',
            name: 'Huisartsenpraktijk De Linde',
            type: 'HUISARTSENPRAKTIJK',
          },
        },
      ],
      treatmentDirectives: [
        { treatment: { code: 'CPR' }, decision: 'ANDERS', specification: CPR_CONDITIONS },
      ],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
    },
  });
  expect(recorded.errors).toBeUndefined();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function lookUp(page: Page, bsn: string) {
  await page.getByLabel('BSN').fill(bsn);
  await page.getByRole('button', { name: 'Zoeken' }).click();
}

describe.skipIf(!RUN)('Spoedoverzicht in a real browser', () => {
  it('serves the app at / without touching /graphql, /healthz or /readyz', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('Spoedoverzicht');
    const script = await fetch(`${server.url}/app.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const unauthenticated = await server.graphql(undefined, '{ me { name } }');
    expect(unauthenticated.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('signs a developer in as a persona picked from the list, without pasting a token', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${server.url}/`);
    const picker = page.locator('#persona-form');
    await picker.waitFor();
    await picker.getByLabel('Ontwikkeling: aanmelden als').selectOption('hap-doctor');
    await picker.getByRole('button', { name: 'Aanmelden' }).click();
    await page.locator('#caller-name').waitFor();
    expect(await page.locator('#caller-name').textContent()).toContain('Dr. P. Smit');
    expect(await picker.isVisible()).toBe(false);
    // The token is the tab's only (sessionStorage), never in the URL.
    expect(page.url()).not.toContain('eyJ');
    await page.close();
  });

  it('shows the HAP doctor NIET reanimeren first and largest, the rest on one 1366x768 screen', async () => {
    const page = await signedIn(browser, server, 'hap-doctor');
    await expect.poll(() => page.locator('#purpose').inputValue()).toBe('EMERGENCY');
    await lookUp(page, DE_GROOT);
    const verdict = page.getByTestId('cpr-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toBe('Niet reanimeren');

    // First: the CPR verdict comes before every other treatment in the page, and is the largest text.
    // (The callbacks run in the page; they reach the DOM through their element, as this file is
    // type-checked for Node.)
    const order = await page.locator('#result').evaluate((result) => {
      const view = result.ownerDocument.defaultView!;
      const cpr = result.querySelector('[data-testid="cpr-verdict"]')!;
      const treatments = [...result.querySelectorAll('.treatment')];
      const size = (e: typeof cpr) => parseFloat(view.getComputedStyle(e).fontSize);
      const everything = [...result.querySelectorAll('*')].filter((e) => e !== cpr);
      return {
        beforeAll: treatments.every(
          (t) => (cpr.compareDocumentPosition(t) & view.Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
        ),
        largest: everything.every((e) => size(e) < size(cpr)),
        treatments: treatments.map((t) => t.textContent),
      };
    });
    expect(order.beforeAll).toBe(true);
    expect(order.largest).toBe(true);
    expect(order.treatments.some((t) => t?.includes('Alleen onder voorwaarden: Alleen bij een goed'))).toBe(
      true,
    );
    // Blood products were never discussed: shown as that, never as yes or no.
    expect(order.treatments.find((t) => t?.startsWith('Toediening van bloedproducten'))).toContain(
      'Geen afspraak vastgelegd',
    );
    // Who agreed it, and the tap-to-call number of the representative.
    expect(await page.getByTestId('cpr').textContent()).toContain('Anna de Groot (kind)');
    expect(await page.locator('a.tel').first().getAttribute('href')).toBe('tel:+31612345678');
    expect(await page.locator('#result').textContent()).toContain('Regiebehandelaar');

    const fits = await page.locator('html').evaluate((html) => {
      const scrolling = html.ownerDocument.scrollingElement!;
      const view = html.ownerDocument.defaultView!;
      return {
        scrollHeight: scrolling.scrollHeight,
        innerHeight: view.innerHeight,
        scrollWidth: scrolling.scrollWidth,
        innerWidth: view.innerWidth,
      };
    });
    expect(fits.scrollHeight).toBeLessThanOrEqual(fits.innerHeight);
    expect(fits.scrollWidth).toBeLessThanOrEqual(fits.innerWidth);
    // The BSN and the name stay out of the address and the title.
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.title()).not.toContain('Groot');
    await page.screenshot({ path: `${ARTIFACTS}spoedoverzicht.png` });
    expect(await accessibilityViolations(page)).toEqual([]);

    // The ambulance handover: one A4.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#lookup').isVisible()).toBe(false);
    expect(await page.getByTestId('plan').textContent()).toContain(`BSN ${DE_GROOT}`);
    await page.screenshot({ path: `${ARTIFACTS}spoedoverzicht-print.png` });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages).toHaveLength(1);
    await page.close();
  });

  it('shows CPR under conditions only with the conditions, never as a bare yes', async () => {
    const page = await signedIn(browser, server, 'hap-doctor');
    await lookUp(page, CONDITIONAL);
    await page.getByTestId('cpr').waitFor();
    expect(await page.getByTestId('cpr-verdict').textContent()).toBe('Alleen onder voorwaarden:');
    expect(await page.getByTestId('cpr').textContent()).toContain(CPR_CONDITIONS);
    expect(await page.getByTestId('cpr').textContent()).not.toMatch(/wel reanimeren/i);
    await page.close();
  });

  it('shows "Geen plan in het register" for a BSN without a plan, apart from errors', async () => {
    const page = await signedIn(browser, server, 'hap-doctor');
    await lookUp(page, NO_PLAN);
    await page.getByTestId('message-empty').waitFor();
    expect(await page.getByTestId('message-empty').textContent()).toContain('Geen plan in het register');
    expect(await page.getByTestId('message-error').count()).toBe(0);
    expect(await page.getByTestId('cpr').count()).toBe(0);
    await page.close();
  });

  it('flags an invalid BSN while typing and does not let it be sent', async () => {
    const page = await signedIn(browser, server, 'hap-doctor');
    const bsn = page.getByLabel('BSN');
    await bsn.fill('11122233');
    expect(await page.locator('#bsn-hint').textContent()).toBe('Nog 1 cijfer');
    await bsn.fill('111222334');
    expect(await bsn.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#bsn-hint').textContent()).toContain('elfproef');
    expect(await page.getByRole('button', { name: 'Zoeken' }).isDisabled()).toBe(true);
    await bsn.press('Enter');
    expect(await page.locator('#result').textContent()).toBe('');
    // A pasted number with dots is the same number, and it passes.
    await bsn.fill('1112.22.333');
    expect(await bsn.getAttribute('aria-invalid')).toBe('false');
    expect(await page.getByRole('button', { name: 'Zoeken' }).isEnabled()).toBe(true);
    await page.close();
  });

  it('lets an SEH physician without consent break the glass with a reason, and shows the flag', async () => {
    const page = await signedIn(browser, server, 'seh-doctor');
    await lookUp(page, VAN_DIJK);
    const refused = page.getByTestId('message-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Geen toestemming vastgelegd');
    const submit = page.getByRole('button', { name: 'Toegang doorbreken' });
    await page.getByLabel('Reden (verplicht, wordt vastgelegd)').fill('te kort');
    expect(await submit.isDisabled()).toBe(true);
    await page
      .getByLabel('Reden (verplicht, wordt vastgelegd)')
      .fill('Bewusteloos binnengebracht, geen naasten bereikbaar');
    await submit.click();
    await page.getByTestId('flagged').waitFor();
    expect(await page.getByTestId('flagged').textContent()).toContain('gemarkeerd');
    // CPR was never discussed with this patient; the ICU limit came from a practice nurse.
    expect(await page.getByTestId('cpr-verdict').textContent()).toBe('Geen afspraak vastgelegd');
    expect(await page.locator('.treatments').textContent()).toContain('Voorlopig');
    await page.screenshot({ path: `${ARTIFACTS}spoedoverzicht-break-the-glass.png` });

    // The access log holds the flagged break-the-glass read, with its reason.
    const log = await server.graphql<{
      accessLog: {
        edges: { node: { purpose: string; flagged: boolean; breakGlassReason: string | null } }[];
      };
    }>(
      await server.token('auditor'),
      `query($bsn: BSN!) { accessLog(bsn: $bsn) { edges { node { purpose flagged breakGlassReason } } } }`,
      { bsn: VAN_DIJK },
    );
    expect(log.data?.accessLog.edges.map((e) => e.node)).toContainEqual({
      purpose: 'BREAK_THE_GLASS',
      flagged: true,
      breakGlassReason: 'Bewusteloos binnengebracht, geen naasten bereikbaar',
    });
    await page.close();
  });

  it('passes WCAG 2.1 AA checks at night (dark theme) on the plan and the break-the-glass form', async () => {
    const page = await signedIn(browser, server, 'seh-doctor', { colorScheme: 'dark' });
    expect(await accessibilityViolations(page)).toEqual([]);
    await lookUp(page, DE_GROOT);
    await page.getByTestId('cpr-verdict').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}spoedoverzicht-dark.png` });
    await lookUp(page, VAN_DIJK);
    await page.getByTestId('break-glass').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it('does not offer break-the-glass where the patient refused sharing', async () => {
    const page = await signedIn(browser, server, 'seh-doctor');
    await lookUp(page, JANSEN);
    await page.getByTestId('message-error').waitFor();
    expect(await page.getByTestId('message-error').textContent()).toContain('geweigerd');
    expect(await page.getByTestId('break-glass').count()).toBe(0);
    await page.close();
  });
});
