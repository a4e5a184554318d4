import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { pseudonymFor, type Bsn } from '@pzp/domain';
import type { TestServer } from './server.js';

/** Waits until `probe` gives a value (liveness only: a generous limit, never a timing assertion). */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 15_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pseudonym the development server gives `bsn` (its secret is in the data directory). */
export const pseudonymOf = (server: TestServer, bsn: string): string =>
  pseudonymFor(bsn as Bsn, readFileSync(join(server.dataDir, 'dev-pseudonym-secret'), 'utf8').trim());

export interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status the receiver answered. */
  readonly status: number;
}

/** A webhook receiver: a local HTTP server that records every request and answers as told. */
export class WebhookReceiver {
  readonly requests: Delivery[] = [];
  /** What it answers: 204 (accepted) or e.g. 503 (failing). */
  status = 204;
  /** Told of every request's body as it arrives (the benchmark's clock). */
  onRequest: ((body: string) => void) | undefined;
  private server: Server | undefined;
  private constructor(public port: number) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(0);
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/pzp-hook`;
  }

  /** The requests answered with a 2xx: what the receiver accepted. */
  get accepted(): Delivery[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Listens again (on the same port after `down`). */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.status;
        const body = Buffer.concat(chunks).toString('utf8');
        this.onRequest?.(body);
        this.requests.push({ headers: req.headers, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops listening: deliveries are refused at the TCP level until `listen()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
}

/** A graphql-ws client for `server` with `token` in connection_init. */
export function socketClient(server: TestServer, token: string | undefined): Client {
  return createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** Opens a raw socket, sends connection_init with `payload`, resolves with the close code. */
export function closeCodeOf(server: TestServer, payload: Record<string, unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
    ws.once('close', (code) => resolve(code));
    ws.once('error', reject);
  });
}

/** Collects what a subscription yields, so a test can wait for the n-th value. */
export class Collector<T> {
  readonly values: T[] = [];
  readonly errors: unknown[] = [];
  private readonly stop: () => void;

  constructor(client: Client, query: string) {
    this.stop = client.subscribe<T>(
      { query },
      {
        next: (v) => {
          if (v.errors) this.errors.push(v.errors);
          else if (v.data) this.values.push(v.data as T);
        },
        error: (e) => this.errors.push(e),
        complete: () => undefined,
      },
    );
  }

  nth(n: number, what = `subscription value ${n}`): Promise<T> {
    return until(() => this.values[n - 1], what);
  }

  close() {
    this.stop();
  }
}
