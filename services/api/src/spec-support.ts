/** Helpers shared by this package's integration tests (not exported by the package). */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AccessLogWriter } from '@pzp/access';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type Actor, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import {
  Projector,
  createQueries,
  openReadModelDb,
  type ProjectorLogger,
  type Queries,
  type ReadModelDb,
} from '@pzp/projections';
import { createApp, type AppOptions } from './app.js';
import {
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevelopmentKeys,
  mintToken,
  type DevelopmentKeys,
} from './auth/index.js';
import type { Clock } from './clock.js';
import { createLogger, type Logger } from './logger.js';
import { pseudonymizer, type Services } from './services.js';

export interface InProcessOptions {
  /** Names the scratch directory, the access log's node and the pseudonym secret. */
  readonly name: string;
  /** The node's clock; a fixed instant unless given. */
  readonly clock?: Clock;
  /** The node's logger; silent unless given (see recordingLogger). */
  readonly logger?: Logger;
  readonly projectorLogger?: ProjectorLogger;
  /** Wraps the read-model queries the node uses (e.g. to count calls). */
  readonly queries?: (real: Queries) => Queries;
  /** Writes the store's first events, before the projector starts. */
  readonly seed?: (services: Services) => Promise<unknown>;
}

export interface InProcessServices {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly db: ReadModelDb;
  readonly projector: Projector;
  readonly services: Services;
  close(): Promise<void>;
}

export const FIXED_NOW = '2026-06-01T10:00:00+02:00';

/**
 * A node's services on a scratch directory: a real event store, read models and a running
 * projector, after `seed`. close() stops it all and removes the directory.
 */
export async function openServices(options: InProcessOptions): Promise<InProcessServices> {
  const dir = mkdtempSync(join(tmpdir(), `pzp-${options.name}-`));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  const projector = new Projector(
    store,
    db,
    options.projectorLogger ? { logger: options.projectorLogger } : {},
  );
  const clock = options.clock ?? (() => new Date(FIXED_NOW));
  const real = createQueries(db);
  const services: Services = {
    store,
    queries: options.queries ? options.queries(real) : real,
    projector,
    accessLog: new AccessLogWriter(store, `${options.name}-test`, clock),
    clock,
    logger: options.logger ?? createLogger('silent'),
    pseudonymOf: pseudonymizer(`${options.name}-test-secret-0123456789abcdef0123`),
  };
  const close = async () => {
    await projector.stop();
    await services.accessLog.drain();
    await store.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await options.seed?.(services);
    await projector.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { dir, store, db, projector, services, close };
}

export interface InProcessApiOptions extends InProcessOptions {
  /** 10 s unless given. */
  readonly requestTimeoutMs?: number;
  /** Mount the development sign-in (/dev) as a development node does. */
  readonly devLogin?: boolean;
  /** The web app's launch origins and OIDC (AppOptions.webSignIn). */
  readonly webSignIn?: AppOptions['webSignIn'];
}

export interface InProcessApi extends InProcessServices {
  readonly keys: DevelopmentKeys;
  /** http://127.0.0.1:<port>, for /graphql, /readyz and the rest. */
  readonly base: string;
  /** The GraphQL endpoint. */
  readonly url: string;
  /** A bearer token for `actor` (one per actor and client system), signed by the node's dev key. */
  token(actor: Actor, clientSystem?: string): Promise<string>;
  /** A GraphQL request by `actor`, and the body of its answer. */
  post(actor: Actor, query: string, variables: Record<string, unknown>): Promise<GraphqlAnswer>;
}

export interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The app createApp builds, on openServices and the development keys, listening on a free port. */
export async function startInProcessApi(options: InProcessApiOptions): Promise<InProcessApi> {
  const opened = await openServices(options);
  let server: Server | undefined;
  const close = async () => {
    if (server) {
      const closed = new Promise((resolve) => server!.close(resolve));
      server.closeAllConnections();
      await closed;
    }
    await opened.close();
  };
  try {
    const keys = await ensureDevelopmentKeys(opened.dir);
    const { listener } = await createApp({
      services: opened.services,
      verifier: createTokenVerifier({
        jwks: keys.jwks,
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        allowDevelopmentKeys: true,
      }),
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      isReady: () => true,
      introspection: false,
      ...(options.devLogin ? { devLogin: { privateJwk: keys.privateJwk } } : {}),
      ...(options.webSignIn ? { webSignIn: options.webSignIn } : {}),
    });
    const listening = createServer(listener).listen(0);
    server = listening;
    await new Promise((resolve) => listening.once('listening', resolve));
    const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    const tokens = new Map<string, Promise<string>>();
    const token = (actor: Actor, clientSystem?: string) => {
      const key = `${actor.id}|${clientSystem ?? ''}`;
      let minted = tokens.get(key);
      if (!minted)
        tokens.set(key, (minted = mintToken({ privateJwk: keys.privateJwk, actor, clientSystem })));
      return minted;
    };
    const url = `${base}/graphql`;
    const post = async (actor: Actor, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(actor)}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphqlAnswer;
    };
    return { ...opened, keys, base, url, token, post, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface LoggedLine {
  readonly level: number;
  readonly msg: string;
}

/** A logger at warn level that keeps each line it writes in `lines`. */
export function recordingLogger(lines: LoggedLine[]): Logger {
  return pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as LoggedLine) });
}

/** The GP records a first conversation with `bsn` (one directive, NIET), plus `data`. */
export async function startPlan(services: Services, bsn: string, data: Record<string, unknown> = {}) {
  return handleCommand(services.store, {
    streamName: streamNameFor(services.pseudonymOf(bsn)),
    command: {
      type: 'RecordConversation',
      data: {
        conversationId: `c-${bsn}`,
        patient: { bsn, name: 'Testpatiënt', birthDate: '1940-01-01' },
        date: '2026-01-10',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        ...data,
      },
      metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
    } as PzpCommand,
    expectedVersion: -1,
    sourceSystem: 'test',
  });
}
