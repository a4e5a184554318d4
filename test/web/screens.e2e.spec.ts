import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { syntheticBsn } from '@pzp/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGN_ROLE,
  HISTORY,
  MARK_IN_ERROR,
  PZP,
  RECORD_CONVERSATION,
  SET_DIRECTIVE,
} from '../operations.js';
import { TestServer } from '../support/server.js';
import { accessibilityViolations, browserTestsRun, launchChromium } from './browser.js';
import { GP_PARTY, ok, signedIn } from './session.js';

/** Screenshots of the screens, for people to look at (written, never compared). */
const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/web/', import.meta.url));

/**
 * The registry's clock starts here (it runs on in real time): reviews due in mid-2026 are overdue,
 * those in May 2027 are not, whatever day the tests run.
 */
const CLOCK_START = '2027-03-01T10:00:00+01:00';
/** Pass the 11-check; each is seeded below through the public mutations. */
const OVERDUE = '200000020';
const LATER = '200000032';
const AUDITED = '200000044';
/** With the two above, one more plan due than fits the screen's page of 20. */
const FILLERS = 19;
const IN_ERROR_REASON = 'Verkeerde patiënt gekozen bij het toewijzen';
const BREAK_GLASS_REASON = 'Bewusteloos binnengebracht, geen naasten bereikbaar';

let server: TestServer;
let browser: Browser;
const RUN = browserTestsRun();

/**
 * A GP_PARTY's conversation, as a GP_PARTY's system records it, with the GP_PARTY as regiebehandelaar (which puts
 * the plan on the practice's list of reviews); returns the new plan version.
 */
async function recordPlan(
  bsn: string,
  name: string,
  extra: Record<string, unknown> & { date: string },
): Promise<number> {
  const token = await server.token('gp');
  const data = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(
      token,
      RECORD_CONVERSATION,
      {
        input: {
          bsn,
          patient: { bsn, name, birthDate: '1940-02-03' },
          participants: [{ kind: 'PATIENT' }, GP_PARTY],
          sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
          ...extra,
        },
      },
    ),
  );
  const assigned = ok(
    await server.graphql<{ assignRole: { record: { version: number } } }>(token, ASSIGN_ROLE, {
      input: {
        bsn,
        expectedVersion: data.recordConversation.record.version,
        role: 'REGIEBEHANDELAAR',
        practitioner: { id: GP_PARTY.id, name: GP_PARTY.name, profession: GP_PARTY.profession },
        organization: GP_PARTY.organization,
        from: extra.date,
      },
    }),
  );
  return assigned.assignRole.record.version;
}

beforeAll(async () => {
  if (!RUN) return;
  server = await TestServer.start({ PZP_CLOCK_START: CLOCK_START });
  browser = await launchChromium();

  await recordPlan(OVERDUE, 'O. Overtijd', {
    date: '2025-06-02',
    nextReviewOn: '2026-06-01',
    treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
  });
  await recordPlan(LATER, 'L. Later', {
    date: '2026-11-02',
    nextReviewOn: '2027-05-03',
    treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'WEL' }],
  });

  // More plans due than the screen shows on one page (20), all after the two above.
  for (let n = 0; n < FILLERS; n++) {
    await recordPlan(syntheticBsn(1300 + n), `V. Vulling ${n}`, {
      date: '2026-11-09',
      nextReviewOn: '2027-05-10',
    });
  }

  // The audited patient: CPR agreed WEL, then changed to NIET; an SEH doctor is refused (no consent
  // for the SEH) and then breaks the glass.
  const version = await recordPlan(AUDITED, 'A. Audit', {
    date: '2027-02-01',
    treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'WEL' }],
  });
  ok(
    await server.graphql(await server.token('gp'), SET_DIRECTIVE, {
      input: {
        bsn: AUDITED,
        expectedVersion: version,
        treatment: { code: 'CPR' },
        decision: 'NIET',
        decidedOn: '2027-02-15',
        parties: [{ kind: 'PATIENT' }, GP_PARTY],
      },
    }),
  );
  // The role assignment was a mistake: marked entered-in-error, with its reason.
  const history = ok(
    await server.graphql<{
      pzpHistory: { edges: { node: { version: number; changeId: string; type: string } }[] };
    }>(await server.token('gp'), HISTORY, { bsn: AUDITED, first: 50 }),
  ).pzpHistory.edges.map((e) => e.node);
  const role = history.find((c) => c.type === 'RoleAssigned');
  expect(role, JSON.stringify(history)).toBeDefined();
  ok(
    await server.graphql(await server.token('gp'), MARK_IN_ERROR, {
      input: {
        bsn: AUDITED,
        expectedVersion: history.at(-1)!.version,
        changeId: role!.changeId,
        reason: IN_ERROR_REASON,
      },
    }),
  );
  const seh = await server.token('seh-doctor');
  const refused = await server.graphql(seh, PZP, { bsn: AUDITED, purpose: 'EMERGENCY' });
  expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_CONSENT' });
  ok(
    await server.graphql(seh, PZP, {
      bsn: AUDITED,
      purpose: 'BREAK_THE_GLASS',
      reason: BREAK_GLASS_REASON,
    }),
  );
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Waits for `locator`; if it never comes, fails with what the screen said instead. */
async function appears(page: Page, locator: ReturnType<Page['locator']>) {
  try {
    await locator.waitFor();
  } catch (error) {
    throw new Error(
      `${String(error)}\nThe screen said: ${await page.locator('#timeline-result, #reviews-result').allTextContents()}`,
    );
  }
}

describe.skipIf(!RUN)('Herbeoordelen and Tijdlijn in a real browser', () => {
  it('lists the reviews due of the GP_PARTY practice earliest first, says which is overdue, and opens the plan', async () => {
    const page = await signedIn(browser, server, 'gp', { locale: 'nl-NL', timeoutMs: 8_000 });
    await page.getByRole('link', { name: 'Herbeoordelen' }).click();
    // The screen changes on the hash change that follows the click, not within it.
    await expect.poll(() => page.title()).toBe('Herbeoordelen – PZP-register');
    await page.getByLabel('Herbeoordeling tot en met').fill('2027-06-30');
    await page.getByRole('button', { name: 'Tonen', exact: true }).click();
    await appears(page, page.getByTestId('reviews').getByText('L. Later'));
    const rows = await page.getByTestId('review').allTextContents();
    expect(rows).toHaveLength(20);
    expect(rows[0]).toContain('O. Overtijd');
    expect(rows[0]).toContain('01-06-2026');
    expect(rows[0]).toContain('Over tijd');
    expect(rows[1]).toContain('L. Later');
    expect(rows[1]).toContain('03-05-2027');
    expect(rows[1]).not.toContain('Over tijd');
    expect(rows[2]).toContain('10-05-2027');
    // The 21st plan is on the next page, reached with the API's endCursor.
    await page.getByRole('button', { name: 'Meer tonen' }).click();
    await expect.poll(() => page.getByTestId('review').count()).toBe(2 + FILLERS);
    expect(await page.getByTestId('reviews-more').count()).toBe(0);
    const all = await page.getByTestId('review').allTextContents();
    expect(new Set(all).size).toBe(all.length);
    // "Tot en met" includes the day itself.
    await page.getByLabel('Herbeoordeling tot en met').fill('2027-05-03');
    await page.getByRole('button', { name: 'Tonen', exact: true }).click();
    await expect.poll(() => page.getByTestId('review').count()).toBe(2);
    // A date before the later review leaves only the overdue plan.
    await page.getByLabel('Herbeoordeling tot en met').fill('2027-04-01');
    await page.getByRole('button', { name: 'Tonen', exact: true }).click();
    await expect.poll(() => page.getByTestId('review').count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}herbeoordelen.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Plan openen van O. Overtijd' }).click();
    await page.getByTestId('cpr-verdict').waitFor();
    expect(await page.getByTestId('cpr-verdict').textContent()).toBe('Niet reanimeren');
    expect(await page.getByTestId('plan').textContent()).toContain('O. Overtijd');
    expect(await page.locator('#screen-spoed').isVisible()).toBe(true);
    expect(await page.locator('#purpose').inputValue()).toBe('TREATMENT');
    // The BSN never reaches the address.
    expect(page.url()).not.toContain(OVERDUE);
    await page.close();
  });

  it('shows the auditor every change, the plan before a change, and the refused and break-the-glass accesses', async () => {
    const page = await signedIn(browser, server, 'auditor', { locale: 'nl-NL', timeoutMs: 8_000 });
    // An auditor starts at the timeline.
    expect(await page.locator('#screen-tijdlijn').isVisible()).toBe(true);
    await page.locator('#screen-tijdlijn').getByLabel('Burgerservicenummer').fill(AUDITED);
    await page.getByRole('button', { name: 'Tijdlijn tonen' }).click();
    await appears(page, page.getByTestId('changes'));

    const changes = await page.getByTestId('change').allTextContents();
    expect(changes.length).toBeGreaterThanOrEqual(2);
    // Oldest first: the conversation, then the change of CPR, with before and after.
    const last = changes.at(-1)!;
    const toNiet = changes.find((c) => /vóór: [^→]*Wel[^→]*→ na: [^→]*Niet/i.test(c));
    expect(toNiet).toContain('Dr. A. Jansen');
    expect(changes.indexOf(toNiet!)).toBe(changes.length - 2);
    expect(changes[0]).toContain('vóór: (niets)');
    // Each change is named in Dutch, not in the API's English summary.
    expect(changes[0]).toContain('Patiëntgegevens vastgelegd');
    expect(toNiet).toContain('Behandelafspraak gewijzigd');

    // The mistaken role assignment is marked, and the correction says why.
    const inError = changes.filter((c) => c.includes('Ingevoerd in fout'));
    expect(inError).toHaveLength(1);
    expect(inError[0]).toContain('REGIEBEHANDELAAR');
    expect(last).toContain(IN_ERROR_REASON);

    // The slider starts at the latest change (the correction): CPR NIET.
    const plan = page.getByTestId('timeline-plan');
    await expect.poll(() => plan.getByTestId('cpr-verdict').textContent()).toBe('Niet reanimeren');
    // Two steps back, past the change to NIET: the plan as the registry held it then.
    await page.getByLabel('Stand na wijziging').focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('#timeline-slider-value').textContent()).toContain('versie 6');
    await expect.poll(() => plan.getByTestId('cpr-verdict').textContent()).toBe('Niet reanimeren');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('#timeline-slider-value').textContent()).toContain('versie 5');
    await expect.poll(() => plan.getByTestId('cpr-verdict').textContent()).toBe('Wel reanimeren');
    // Before the first change the registry held no plan.
    await page.getByLabel('of op tijdstip').fill('2026-12-31T12:00:00.000');
    await page.getByRole('button', { name: 'Stand tonen' }).click();
    await plan.getByTestId('timeline-empty').waitFor();
    expect(await plan.textContent()).toContain('31-12-2026 12:00:00.000');

    const log = page.getByTestId('access-log');
    const refused = log.getByTestId('access').filter({ hasText: 'Geweigerd' });
    expect(await refused.count()).toBeGreaterThanOrEqual(1);
    expect(await refused.first().textContent()).toContain('spoed');
    const flagged = log.getByTestId('access-flagged');
    expect(await flagged.count()).toBe(1);
    expect(await flagged.textContent()).toContain(BREAK_GLASS_REASON);
    expect(page.url()).not.toContain(AUDITED);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}tijdlijn.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await accessibilityViolations(page)).toEqual([]);

    // Leaving the screen forgets the patient.
    await page.getByRole('link', { name: 'Spoedoverzicht' }).click();
    await page.getByRole('link', { name: 'Tijdlijn' }).click();
    expect(await page.locator('#screen-tijdlijn').getByLabel('Burgerservicenummer').inputValue()).toBe('');
    expect(await page.getByTestId('changes').count()).toBe(0);
    await page.close();
  });
});
