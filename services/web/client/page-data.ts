/**
 * What the server put in the page before the script ran (services/web/src/page.ts): the sign-in it
 * offers, and a host system's context launch. The launch holds a token and a BSN: it is read once
 * and its element removed, so nothing later in the page (or a saved copy of it) still has them.
 */
import { z } from 'zod';

const SignInOffer = z.object({
  development: z.boolean(),
  oidc: z.object({ issuer: z.url(), clientId: z.string().min(1), scope: z.string().min(1) }).nullable(),
});
export type SignInOffer = z.infer<typeof SignInOffer>;

const LaunchContext = z.object({
  token: z.string().min(1),
  bsn: z.string().optional(),
  purpose: z.enum(['EMERGENCY', 'TREATMENT']),
});
export type LaunchContext = z.infer<typeof LaunchContext>;

function read<T>(id: string, schema: z.ZodType<T>, remove: boolean): T | undefined {
  const element = document.getElementById(id);
  if (!element) return undefined;
  if (remove) element.remove();
  const parsed = schema.safeParse(JSON.parse(element.textContent ?? 'null'));
  return parsed.success ? parsed.data : undefined;
}

export const signInOffer = (): SignInOffer =>
  read('sign-in-offer', SignInOffer, false) ?? { development: false, oidc: null };

/** The launch this page was opened with, once: later calls (and the page's DOM) no longer have it. */
export const takeLaunch = (): LaunchContext | undefined => read('launch', LaunchContext, true);
