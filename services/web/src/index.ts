/**
 * The registry's own web app: static files and one script bundled from ../client with esbuild when
 * the server starts. Bundling in memory at start-up keeps `pnpm demo` one command (no build step to
 * forget, no stale build output) and lets the client share the domain's own BSN and free-text rules.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inertJson, messagePage, withData, type LaunchContext, type SignInOffer } from './page.js';

export type { LaunchContext, OidcOffer, SignInOffer } from './page.js';

export { WEB_OPERATIONS } from './operations.js';
export { inertJson, messagePage } from './page.js';

// From the package's entry, not this module: bundled into the API's dist, this module's own URL
// no longer lies in services/web/src.
const CLIENT = fileURLToPath(new URL('../client/', import.meta.resolve('@pzp/web')));

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

export interface WebApp {
  /** The paths the app answers (`/` is the page). */
  readonly paths: string[];
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * The page as a host system's context launch answers it: the launch (the caller's token, the
   * patient in context) embedded once as inert JSON, read and removed by the app on start.
   */
  readonly sendLaunch: (res: ServerResponse, launch: LaunchContext) => void;
  /** A short Dutch page for a refused launch (no app, nothing of the request echoed). */
  readonly sendMessage: (res: ServerResponse, status: number, title: string, text: string) => void;
}

/**
 * Everything the page may load comes from this origin: no CDN (hospital networks have no internet),
 * no inline script, and the page is never framed by another site. With OIDC the page also talks to
 * the issuer (discovery and the token endpoint), and to nothing else.
 */
const contentSecurityPolicy = (signIn: SignInOffer) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${signIn.oidc ? ` ${new URL(signIn.oidc.issuer).origin}` : ''}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

async function bundle(): Promise<Buffer> {
  const result = await build({
    entryPoints: [`${CLIENT}main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

async function assets(): Promise<Map<string, Asset>> {
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(`${CLIENT}index.html`) }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: await bundle() }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: readFileSync(`${CLIENT}app.css`) }],
  ]);
}

let loaded: Promise<Map<string, Asset>> | undefined;

function send(res: ServerResponse, status: number, asset: Asset, csp: string) {
  res.statusCode = status;
  res.setHeader('content-type', asset.type);
  // The page shows patient data once loaded (and a launched page holds a token): nothing of it may
  // stay in a shared cache, and the address it came from goes nowhere with a link.
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-security-policy', csp);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.end(asset.body);
}

const HTML = 'text/html; charset=utf-8';

/**
 * The app, bundled once per process (several in-process test apps share one bundle). `signIn` says
 * which sign-in the page offers (the persona picker in development, OIDC when configured); it goes
 * into the page as inert JSON, so the app knows it before its first request.
 */
export async function loadWebApp(signIn: SignInOffer): Promise<WebApp> {
  loaded ??= assets();
  const files = new Map(await loaded);
  const template = files.get('/')!.body.toString('utf8');
  const page = (launch?: LaunchContext) =>
    Buffer.from(
      withData(template, [
        inertJson('sign-in-offer', signIn),
        ...(launch === undefined ? [] : [inertJson('launch', launch)]),
      ]),
    );
  files.set('/', { type: HTML, body: page() });
  const csp = contentSecurityPolicy(signIn);
  return {
    paths: [...files.keys()],
    handle: (req, res) => {
      const asset = files.get(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!asset) {
        res.statusCode = 404;
        res.end();
        return;
      }
      send(res, 200, asset, csp);
    },
    sendLaunch: (res, launch) => send(res, 200, { type: HTML, body: page(launch) }, csp),
    sendMessage: (res, status, title, text) =>
      send(res, status, { type: HTML, body: Buffer.from(messagePage(title, text)) }, csp),
  };
}
