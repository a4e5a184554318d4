import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../support/server.js';

/** The GP of the demo region as a conversation's professional party (GraphQL input). */
export const GP_PARTY = {
  kind: 'PROFESSIONAL',
  id: 'UZI-100001',
  name: 'Dr. A. Jansen',
  profession: 'GENERAL_PRACTITIONER',
  organization: { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' },
};

/** The data of a GraphQL answer that must have no errors. */
export { ok } from '../support/graphql.js';

/** A laptop-sized page, signed in by pasting a persona's token, as a clinician would. */
export async function signedIn(
  browser: Browser,
  server: TestServer,
  persona: string,
  options: { colorScheme?: 'light' | 'dark'; locale?: string; timeoutMs?: number } = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 1366, height: 768 },
    colorScheme: options.colorScheme ?? 'light',
    ...(options.locale ? { locale: options.locale } : {}),
  });
  // Fail with Playwright's own account of what it waited for, well inside the test's timeout.
  if (options.timeoutMs !== undefined) page.setDefaultTimeout(options.timeoutMs);
  await page.goto(`${server.url}/`);
  await page.getByLabel('Token').fill(await server.token(persona, 'web-e2e'));
  await page.locator('#token-form').getByRole('button', { name: 'Aanmelden' }).click();
  await page.locator('#caller-name').waitFor();
  return page;
}
