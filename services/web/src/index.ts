/**
 * The registry's own web app: static files and one script bundled from ../client with esbuild when
 * the server starts. Bundling in memory at start-up keeps `pnpm demo` one command (no build step to
 * forget, no stale build output) and lets the client share the domain's own BSN and free-text rules.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export { WEB_OPERATIONS } from './operations.js';

const CLIENT = fileURLToPath(new URL('../client/', import.meta.url));

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

export interface WebApp {
  /** The paths the app answers (`/` is the page). */
  readonly paths: string[];
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Everything the page may load comes from this origin: no CDN (hospital networks have no internet),
 * no inline script, and the page is never framed by another site.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
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

/** The app, bundled once per process (several in-process test apps share one bundle). */
export async function loadWebApp(): Promise<WebApp> {
  loaded ??= assets();
  const files = await loaded;
  return {
    paths: [...files.keys()],
    handle: (req, res) => {
      const asset = files.get(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!asset) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', asset.type);
      // The page shows patient data once loaded; nothing of it may stay in a shared cache.
      res.setHeader('cache-control', 'no-store');
      res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      res.end(asset.body);
    },
  };
}
