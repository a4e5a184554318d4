/**
 * Two reference servers for the HAP lookup benchmark, each answering POST /graphql with the same
 * bytes the registry sent for a real `pzp(bsn)` lookup:
 * - `apollo`: plain express 5 + Apollo Server 5 (@as-integrations/express5) on the registry's SDL,
 *   with `pzp` resolved from a constant: the framework's floor (parse, validate, execute,
 *   serialise), without authentication, access policy, read models or access records;
 * - `bare`: a bare node:http server writing the captured bytes: the floor of HTTP on this machine.
 *
 * Each runs in its own process so it does not share the event loop with the load generator:
 *
 *   const ref = await startReferenceServer('apollo', responseFile);  // ref.url, ref.pid, ref.stop()
 *
 * Run directly (what startReferenceServer does): `node --import tsx reference-servers.ts <kind> <file>`
 * prints `{"port":N}` on stdout once it listens on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';

export type ReferenceKind = 'apollo' | 'bare';

export interface ReferenceServer {
  readonly kind: ReferenceKind;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** Starts a reference server in a child process answering with the response in `responseFile`. */
export async function startReferenceServer(
  kind: ReferenceKind,
  responseFile: string,
): Promise<ReferenceServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, kind, responseFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: process.env.NODE_ENV ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`reference server '${kind}' did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`reference server '${kind}' exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const { port: p } = JSON.parse(line) as { port?: number };
        if (p) {
          clearTimeout(timer);
          resolvePort(p);
        }
      } catch {
        // not the port line
      }
    });
  });
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Apollo on the registry's SDL; every field of `pzp` comes from the captured response. */
async function apolloApp(response: string): Promise<Server> {
  const sdlDir = join(ROOT, 'graphql');
  const typeDefs = readdirSync(sdlDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(sdlDir, f), 'utf8'));
  const record = (JSON.parse(response) as { data: { pzp: unknown } }).data.pzp;
  const apollo = new ApolloServer({ typeDefs, resolvers: { Query: { pzp: () => record } } });
  await apollo.start();
  const app = express();
  app.disable('x-powered-by');
  app.use('/graphql', express.json({ limit: '256kb' }), expressMiddleware(apollo));
  return app.listen(0, '127.0.0.1');
}

function bareServer(response: string): Server {
  const bytes = Buffer.from(response, 'utf8');
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length };
  return createServer((req, res) => {
    req.resume(); // read the request body, as any server must
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(bytes);
    });
  }).listen(0, '127.0.0.1');
}

async function main() {
  const [kind, file] = process.argv.slice(2);
  if ((kind !== 'apollo' && kind !== 'bare') || !file) {
    process.stderr.write('Usage: reference-servers.ts <apollo|bare> <response.json>\n');
    process.exit(2);
  }
  const response = readFileSync(file, 'utf8');
  const server = kind === 'apollo' ? await apolloApp(response) : bareServer(response);
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
