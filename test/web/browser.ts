import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's chromium (installed by .ci/run), never a downloaded browser: the machines have no
 * internet beyond the package registries.
 */
export const CHROMIUM = process.env.PZP_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests run here: always in CI (`.ci/run` installs chromium, and a missing one
 * fails them there), elsewhere when a chromium is at hand. A newcomer's `pnpm test` on a machine
 * with only Node runs everything else and says which tests it left out and why.
 */
export function browserTestsRun(): boolean {
  if (process.env.CI || existsSync(CHROMIUM)) return true;
  console.warn(
    `Browser tests skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set PZP_CHROMIUM); CI always runs them.`,
  );
  return false;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No chromium at ${CHROMIUM}: apt-get install -y chromium, or set PZP_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * WCAG 2.1 A and AA violations axe-core finds in the page as it is now, as "rule: selector" lines.
 * Injected through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate<string[]>(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }).then((r) =>
       r.violations.flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' '))))`,
  );
}
