import { existsSync } from 'node:fs';
import { CHROMIUM, launchChromium } from '../../test/web/browser.js';

export interface WebFigures {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * The emergency view's time to answer, as a HAP doctor meets it: in headless Chromium, signed in,
 * the BSN typed, from pressing Enter until the plan (CPR first) is on the screen, for `count`
 * patients in turn. Undefined when no chromium is installed (`apt-get install -y chromium`).
 */
export async function emergencyViewTimes(
  baseUrl: string,
  token: string,
  bsns: readonly string[],
  count: number,
): Promise<WebFigures | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${baseUrl}/`);
    await page.locator('#token-form').getByLabel('Token').fill(token);
    await page.locator('#token-form').getByRole('button', { name: 'Aanmelden' }).click();
    await page.locator('#caller-name').waitFor();
    const bsnField = page.locator('#bsn');
    const times: number[] = [];
    // A few lookups first: the first one pays for the page's and the server's warm-up.
    for (let i = 0; i < count + 5; i++) {
      const bsn = bsns[i % bsns.length]!;
      // The plan shown now is marked stale, so that only the new answer ends the wait (the new
      // answer replaces the busy message, so its plan on screen means the lookup is done).
      await page
        .locator('#result')
        .evaluate((result) => result.querySelector('[data-testid="plan"]')?.setAttribute('data-stale', ''));
      await bsnField.fill(bsn);
      const t0 = performance.now();
      await bsnField.press('Enter');
      await page
        .locator('[data-testid="plan"]:not([data-stale]) [data-testid="cpr-verdict"]')
        .waitFor({ timeout: 10_000 });
      if (i >= 5) times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      samples: sorted.length,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted.at(-1)!),
    };
  } finally {
    await browser.close();
  }
}
