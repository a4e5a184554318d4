import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { syntheticBsn } from '@pzp/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PZP, RECORD_CONVERSATION, SET_DIRECTIVE } from '../operations.js';
import { TestServer } from '../support/server.js';
import { accessibilityViolations, browserTestsRun, launchChromium } from './browser.js';
import { GP_PARTY, ok, signedIn } from './session.js';

/** Screenshots of the screen, for people to look at (written, never compared). */
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/web/', import.meta.url));

/** Pass the 11-check; the registry holds no plan for the first two, the third is seeded below. */
const NEW_PATIENT = syntheticBsn(2101);
const BLOCKED = syntheticBsn(2102);
const CONTESTED = syntheticBsn(2103);
const LIFE_WISH = 'Thuis blijven bij mijn vrouw en de hond';

let server: TestServer;
let browser: Browser;
const RUN = browserTestsRun();

interface Plan {
  pzp: {
    version: number;
    treatmentDirectives: { treatment: { code: string }; agreement: { __typename: string } | null }[];
    lifeWishes: { text: string }[];
  } | null;
}

const planOf = async (bsn: string) =>
  ok(await server.graphql<Plan>(await server.token('gp'), PZP, { bsn, purpose: 'TREATMENT' })).pzp;

beforeAll(async () => {
  if (!RUN) return;
  server = await TestServer.start({ PZP_DEMO_DATA: 'true' });
  browser = await launchChromium();
  ok(
    await server.graphql(await server.token('gp'), RECORD_CONVERSATION, {
      input: {
        bsn: CONTESTED,
        patient: { bsn: CONTESTED, name: 'K. Botsing', birthDate: '1944-04-04' },
        date: '2026-11-02',
        participants: [{ kind: 'PATIENT' }, GP_PARTY],
      },
    }),
  );
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The conversation screen (other screens, hidden, have fields with the same labels). */
const screen = (page: Page) => page.locator('#screen-gesprek');

/** The GP_PARTY signed in by pasting a token, on the conversation form for `bsn`. */
async function formFor(bsn: string): Promise<Page> {
  const page = await signedIn(browser, server, 'gp');
  await page.getByRole('link', { name: 'PZP-gesprek' }).click();
  await screen(page).getByLabel('Burgerservicenummer').fill(bsn);
  await page.getByRole('button', { name: 'Formulier openen' }).click();
  await page.getByTestId('gesprek-form').waitFor();
  return page;
}

/** Picks a treatment's decision by the radio's label within the treatment's group. */
async function decide(page: Page, treatment: string, decision: string) {
  await page
    .getByRole('group', { name: treatment, exact: true })
    .getByLabel(decision, { exact: true })
    .check();
}

describe.skipIf(!RUN)('PZP-gesprek vastleggen in a real browser', () => {
  it('records a new patient’s conversation, and the Spoedoverzicht then shows NIET reanimeren', async () => {
    const page = await formFor(NEW_PATIENT);
    expect(await page.getByTestId('gesprek-basis').textContent()).toContain('Geen plan in het register');
    await screen(page).getByLabel('Naam van de patiënt').fill('N. Nieuw');
    await screen(page).getByLabel('Geboortedatum').fill('1939-09-09');
    await screen(page).getByLabel('Levenswensen (één per regel)').fill(LIFE_WISH);
    await screen(page).getByLabel('Medisch beleidsdoel').selectOption('SYMPTOM_RELIEF_ONLY');
    await decide(page, 'Reanimatie (CPR)', 'Niet');
    await decide(page, 'Ziekenhuisopname', 'Anders (onder voorwaarden)');
    await screen(page).getByLabel('Voorwaarden bij ziekenhuisopname').fill('Alleen voor een heupfractuur');
    await screen(page).getByLabel('Voorkeursplek van overlijden').selectOption('HOME');
    await screen(page).getByLabel('Huisartsenpost').selectOption('GRANTED');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}gesprek.png`, fullPage: true });
    await page.getByRole('button', { name: 'Gesprek vastleggen' }).click();
    await page.getByTestId('gesprek-recorded').waitFor();

    await page.getByRole('button', { name: 'Bekijk in het Spoedoverzicht' }).click();
    const verdict = page.getByTestId('cpr-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toBe('Niet reanimeren');
    const plan = await planOf(NEW_PATIENT);
    expect(plan?.lifeWishes.map((w) => w.text)).toEqual([LIFE_WISH]);
    await page.close();
  });

  it('blocks ANDERS without conditions, too few parties and no representative, before anything is sent', async () => {
    const page = await formFor(BLOCKED);
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/graphql')) sent.push(r.postData() ?? '');
    });
    await screen(page).getByLabel('Naam van de patiënt').fill('B. Geblokkeerd');
    await screen(page).getByLabel('Geboortedatum').fill('1950-01-01');
    await decide(page, 'Reanimatie (CPR)', 'Anders (onder voorwaarden)');
    await screen(page).getByLabel('Patiënt', { exact: true }).uncheck();
    await screen(page).getByLabel('Wilsonbekwaam', { exact: true }).check();
    await page.getByRole('button', { name: 'Gesprek vastleggen' }).click();

    const conditions = page.locator('#gesprek-cpr-conditions-error');
    await conditions.waitFor();
    expect(await conditions.textContent()).toContain('zijn de voorwaarden verplicht');
    expect(await page.locator('#gesprek-cpr-conditions').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#gesprek-participants-error').textContent()).toContain(
      'Minstens twee deelnemers',
    );
    expect(await page.locator('#gesprek-capacity-error').textContent()).toContain(
      'heeft een vertegenwoordiger nodig',
    );
    expect(sent.filter((body) => body.includes('recordConversation'))).toEqual([]);
    expect(await planOf(BLOCKED)).toBeNull();
    await page.close();
  });

  it('meets a colleague’s change as a CONFLICT, keeps what was typed and saves on top', async () => {
    const page = await formFor(CONTESTED);
    const before = (await planOf(CONTESTED))!.version;
    expect(await page.getByTestId('gesprek-basis').textContent()).toContain(`versie ${before}`);
    await decide(page, 'Reanimatie (CPR)', 'Niet');
    await screen(page).getByLabel('Levenswensen (één per regel)').fill(LIFE_WISH);

    // Meanwhile a colleague records an antibiotics agreement through their own system.
    ok(
      await server.graphql(await server.token('gp-colleague'), SET_DIRECTIVE, {
        input: {
          bsn: CONTESTED,
          expectedVersion: before,
          treatment: { code: 'ANTIBIOTICS' },
          decision: 'WEL',
          decidedOn: '2026-11-20',
          parties: [{ kind: 'PATIENT' }, { ...GP_PARTY, id: 'UZI-100002', name: 'Dr. M. de Vries' }],
        },
      }),
    );

    await page.getByRole('button', { name: 'Gesprek vastleggen' }).click();
    const changes = page.getByTestId('gesprek-conflict-changes');
    await changes.waitFor();
    expect(await changes.textContent()).toContain('Dr. M. de Vries');
    const radio = page
      .getByRole('group', { name: 'Reanimatie (CPR)', exact: true })
      .getByLabel('Niet', { exact: true });
    expect(await radio.isChecked()).toBe(true);
    expect(await screen(page).getByLabel('Levenswensen (één per regel)').inputValue()).toBe(LIFE_WISH);
    expect(
      (await planOf(CONTESTED))!.treatmentDirectives.find((d) => d.treatment.code === 'CPR')?.agreement,
    ).toBeNull();

    await page.getByTestId('gesprek-resubmit').click();
    await page.getByTestId('gesprek-recorded').waitFor();
    const after = (await planOf(CONTESTED))!;
    const agreed = (code: string) =>
      after.treatmentDirectives.find((d) => d.treatment.code === code)?.agreement;
    expect(agreed('CPR')?.__typename).toBe('DoNotPerform');
    expect(agreed('ANTIBIOTICS')?.__typename).toBe('Perform');
    expect(after.lifeWishes.map((w) => w.text)).toEqual([LIFE_WISH]);
    await page.close();
  });
});
