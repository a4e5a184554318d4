/**
 * Context launch of the web app (a HIS, HAP system or EPD "contextkoppeling"): the host system's
 * browser POSTs a form with the user's access token and the patient in context to /launch, and gets
 * the app with both embedded once. A POST keeps token and BSN out of every address, history entry,
 * referrer and access log line; the token is checked here with the API's own verifier, so a refused
 * one never reaches the app.
 *
 * Login CSRF (another site posting its own token to sign the user in as someone else): the token
 * must carry this API's audience and issuer, and a browser's `Origin` must be this origin or one of
 * the allowed host systems; a POST without `Origin` (a desktop system starting the browser) passes,
 * since browsers always send one on a cross-site form post.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { WebApp } from '@pzp/web';
import type { Logger } from '../logger.js';
import { AuthenticationError, type TokenVerifier } from './verifier.js';

/** A form field left empty is a field not sent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The launch form. The BSN's 11-check is the app's (shown in its field), not a reason to refuse. */
const LaunchForm = z.object({
  token: z.string().trim().min(1).max(8192),
  bsn: optional(
    z
      .string()
      .trim()
      .max(20)
      .regex(/^[\d .-]*$/),
  ),
  purpose: optional(z.enum(['EMERGENCY', 'TREATMENT'])).transform((p) => p ?? 'EMERGENCY'),
});

export interface LaunchOptions {
  readonly verifier: TokenVerifier;
  readonly web: WebApp;
  readonly logger: Logger;
  /** Host systems' origins (`https://his.example.nl`) allowed to post a launch besides this one. */
  readonly allowedOrigins: readonly string[];
}

const REFUSED = {
  form: [400, 'Openen mislukt', 'Het systeem dat het PZP-register opende stuurde geen geldige gegevens mee.'],
  origin: [
    403,
    'Openen niet toegestaan',
    'Dit systeem mag het PZP-register niet openen. Neem contact op met de beheerder van het register.',
  ],
  token: [
    401,
    'Aanmelden mislukt',
    'Uw aanmelding is ongeldig of verlopen. Open het PZP-register opnieuw vanuit uw eigen systeem.',
  ],
} as const;

function originAllowed(req: Request, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    // `null` (a sandboxed frame, a file) and anything else that is not an origin
    return false;
  }
}

export function launchRouter(options: LaunchOptions): Router {
  const { verifier, web, logger } = options;
  const refuse = (res: Response, why: keyof typeof REFUSED) => {
    const [status, title, text] = REFUSED[why];
    web.sendMessage(res, status, title, text);
  };
  const router = express.Router();
  router.post(
    '/launch',
    (req, res, next) => {
      if (!originAllowed(req, options.allowedOrigins)) {
        logger.warn({ reason: 'ORIGIN_NOT_ALLOWED' }, 'web launch refused');
        refuse(res, 'origin');
        return;
      }
      next();
    },
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }),
    async (req, res) => {
      const form = LaunchForm.safeParse(req.body);
      if (!form.success) {
        // Field names only: a value may be the token or a BSN.
        logger.info({ fields: form.error.issues.map((i) => i.path.join('.')) }, 'web launch refused');
        refuse(res, 'form');
        return;
      }
      try {
        await verifier.verify(`Bearer ${form.data.token}`);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        logger.info({ reason: error.reason }, 'web launch refused');
        refuse(res, 'token');
        return;
      }
      web.sendLaunch(res, form.data);
    },
  );
  // A body too large or unreadable: the same page, never the API's JSON error or a stack.
  router.use('/launch', (err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.status !== undefined && err.status >= 400 && err.status < 500) return refuse(res, 'form');
    logger.error({ err: { type: 'launch' } }, 'web launch failed');
    web.sendMessage(res, 500, 'Openen mislukt', 'Er ging iets mis in het register. Probeer het opnieuw.');
  });
  return router;
}
