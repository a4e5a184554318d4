import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { join } from 'node:path';
import { AccessLogWriter } from '@pzp/access';
import { RecentPlanStates } from '@pzp/application';
import {
  EmptyEventStoreError,
  Projector,
  createQueries,
  openReadModelDb,
  probeReadModelWrite,
} from '@pzp/projections';
import { createApp, requestContext } from './app.js';
import { createTokenVerifier, DEV_AUDIENCE, DEV_ISSUER, ensureDevelopmentKeys } from './auth/index.js';
import { createClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DEMO_PATIENTS, seedDemoData } from './demo/demo-data.js';
import {
  EventStoreUnreachableError,
  openEventStore,
  watchWrites,
  type OpenedEventStore,
} from './event-store.js';
import { openKeyStore, withEncryption } from './key-store.js';
import { createLogger, type Logger } from './logger.js';
import { metricsApp, nodeMetrics } from './metrics/index.js';
import { openNotifications } from './notify/node.js';
import { attachSubscriptions } from './notify/ws.js';
import { registrySchema } from './graphql/schema.js';
import { readinessOf } from './readiness.js';
import { pseudonymizer, type Services } from './services.js';
import { openingAt, StartupError } from './startup-error.js';
import {
  probeWrites,
  storageErrorCode,
  Writability,
  type WriteProbe,
  type WriteTarget,
} from './writability.js';

/**
 * How often the node writes a no-op to its SQLite files to find out whether it can: cheap (one
 * page, one fsync), and it bounds how long a node with a read-only or full disk stays ready without
 * traffic, or stays unready once the disk is back.
 */
const WRITE_PROBE_INTERVAL_MS = 2_000;

/** Development keeps its pseudonym secret in the data dir, so pseudonyms survive restarts. */
function pseudonymSecret(config: Config): string {
  if (config.PZP_PSEUDONYM_SECRET) return config.PZP_PSEUDONYM_SECRET;
  const file = join(config.dataDir, 'dev-pseudonym-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

/** A development node that verifies with the development key: it may sign in personas (the web app's /dev). */
const usesDevelopmentKeys = (config: Config) =>
  config.PZP_MODE === 'development' && !config.PZP_JWKS_FILE && !config.PZP_JWKS_URL;

async function verifierFor(config: Config) {
  const lifetime = {
    clockToleranceSeconds: config.PZP_JWT_CLOCK_SKEW_SECONDS,
    maxTokenLifetimeSeconds: config.PZP_JWT_MAX_LIFETIME_SECONDS,
  };
  if (usesDevelopmentKeys(config)) {
    const keys = await ensureDevelopmentKeys(config.dataDir);
    return createTokenVerifier({
      jwks: keys.jwks,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      allowDevelopmentKeys: true,
      ...lifetime,
    });
  }
  const jwks = config.PZP_JWKS_URL
    ? new URL(config.PZP_JWKS_URL)
    : JSON.parse(readFileSync(config.PZP_JWKS_FILE!, 'utf8'));
  return createTokenVerifier({
    jwks,
    issuer: config.PZP_JWT_ISSUER ?? DEV_ISSUER,
    audience: config.PZP_JWT_AUDIENCE ?? DEV_AUDIENCE,
    allowDevelopmentKeys: config.PZP_MODE === 'development',
    ...lifetime,
  });
}

async function main() {
  // `--demo` (as in `pnpm demo`) is PZP_DEMO_DATA=true.
  const config = loadConfig(
    process.argv.includes('--demo') ? { ...process.env, PZP_DEMO_DATA: 'true' } : process.env,
  );
  const logger = createLogger(config.LOG_LEVEL);
  openingAt('the data directory', config.dataDir, () => mkdirSync(config.dataDir, { recursive: true }));
  const clock = createClock(config.PZP_CLOCK_START);
  // Personal data is encrypted under per-patient keys kept outside the log (lawful destruction).
  const keys = openKeyStore(config, logger);
  const eventStore = withEncryption(await openEventStore(config, logger), keys);
  const readModels: WriteTarget = { name: 'read models', path: join(config.dataDir, 'read-models.db') };
  const db = openingAt('the read models', readModels.path, () => openReadModelDb(readModels.path));
  const writability = new Writability(logger);
  const store = eventStore.file
    ? watchWrites(eventStore.store, writability, eventStore.file)
    : eventStore.store;
  const probes: WriteProbe[] = [
    ...(eventStore.file ? [{ target: eventStore.file, probe: eventStore.file.probe }] : []),
    { target: readModels, probe: () => probeReadModelWrite(db) },
  ];
  refuseUnwritable(probes);
  // The states writes were decided on, for the projector and the outbox that follow them here.
  const recentStates = new RecentPlanStates();
  const projector = new Projector(eventStore.store, db, {
    logger,
    folded: recentStates,
    ...(config.PZP_CATCH_UP_BATCH_SIZE ? { batchSize: config.PZP_CATCH_UP_BATCH_SIZE } : {}),
  });
  const secret = pseudonymSecret(config);
  const services: Services = {
    store,
    queries: createQueries(db),
    projector,
    accessLog: new AccessLogWriter(store, config.PZP_NODE_ID, clock),
    clock,
    logger,
    pseudonymOf: pseudonymizer(secret),
    recentStates,
  };

  if (config.PZP_DEMO_DATA && (await store.headPosition()) === undefined) {
    const n = await seedDemoData(store, services.pseudonymOf, clock());
    logger.info({ patients: n }, 'demo data written');
  }

  let ready = false;
  // Not ready while the store's subscription is down (reads would be stale, and their access
  // records could not be made durable) or storage cannot be written: the load balancer should send
  // requests to another node rather than have them fail here.
  const readiness = () =>
    readinessOf({ started: () => ready, projector, eventStore, writability, readModels });
  const metrics = nodeMetrics({
    projector,
    headPosition: () => store.headPosition(),
    subscriptionHealth: eventStore.subscriptionHealth,
    quarantinedStreams: () => services.queries.quarantined().length,
    readiness,
    accessLog: services.accessLog,
    ...(config.PZP_METRICS_TOKEN ? { token: config.PZP_METRICS_TOKEN } : {}),
  });
  // Notices (issue 14): the outbox, its webhook deliveries, the live subscriptions.
  const notifications = openNotifications({
    store: eventStore.store,
    config,
    secret,
    clock,
    logger,
    folded: recentStates,
  });
  const verifier = await verifierFor(config);
  const { listener } = await createApp({
    services,
    notifications,
    verifier,
    requestTimeoutMs: config.PZP_REQUEST_TIMEOUT_MS,
    isReady: () => readiness().ready,
    notReadyReasons: () => readiness().reasons,
    eventStoreHealth: () => ({
      store: eventStore.describe,
      subscription: eventStore.subscriptionHealth() ?? null,
    }),
    introspection: config.PZP_MODE === 'development',
    ...(usesDevelopmentKeys(config)
      ? { devLogin: { privateJwk: (await ensureDevelopmentKeys(config.dataDir)).privateJwk } }
      : {}),
    webSignIn: {
      launchOrigins: config.PZP_LAUNCH_ORIGINS,
      ...(config.PZP_OIDC_ISSUER && config.PZP_OIDC_CLIENT_ID
        ? {
            oidc: {
              issuer: config.PZP_OIDC_ISSUER,
              clientId: config.PZP_OIDC_CLIENT_ID,
              scope: config.PZP_OIDC_SCOPE,
            },
          }
        : {}),
    },
    // On PORT only without a port of its own (config.ts: production then needs a token).
    metrics: { node: metrics, endpointHere: config.PZP_METRICS_PORT === undefined },
  });
  const server = await listen(listener, config.PORT, config.HOST);
  server.requestTimeout = config.PZP_REQUEST_TIMEOUT_MS;
  const subscriptions = attachSubscriptions(server, {
    schema: registrySchema(),
    verifier,
    notifications,
    recordsFor: (principal) => requestContext(services, principal, randomUUID()).records,
    isReady: () => readiness().ready,
    logger,
  });
  const metricsServer =
    config.PZP_METRICS_PORT === undefined
      ? undefined
      : await listen(metricsApp(metrics.endpoint), config.PZP_METRICS_PORT, config.HOST);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  const started = performance.now();
  logger.info(
    { eventStore: eventStore.describe, from: projector.position?.toString() ?? null },
    'catching up',
  );
  await startProjector(projector, eventStore, readModels);
  await notifications.start();
  eventStore.onReconnected(() => {
    projector
      .verifyStore()
      .catch((error: unknown) =>
        logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'event store check failed',
        ),
      );
  });
  const stopProbes = probeWrites(
    writability,
    probes,
    WRITE_PROBE_INTERVAL_MS,
    restartAfterStorageFailure(projector, writability, probes, logger),
  );
  ready = true;
  logger.info(
    {
      port,
      mode: config.PZP_MODE,
      eventStore: eventStore.describe,
      position: projector.position?.toString() ?? null,
      catchUpMs: Math.round(performance.now() - started),
    },
    'ready',
  );
  if (config.PZP_MODE === 'development') {
    const base = `http://${config.HOST}:${port}`;
    const url = `${base}/graphql`;
    process.stderr.write(
      [
        '',
        `PZP registry (development) — web app (Spoedoverzicht) at ${base}/ , GraphQL at ${url}, FHIR at ${base}/fhir`,
        `Data: ${config.dataDir}`,
        'Mint a token:  pnpm -s mint-token hap-doctor   (personas: gp, practice-nurse, hap-doctor, seh-doctor, vvt-nurse, so, ambulance-nurse, specialist, auditor)',
        config.PZP_DEMO_DATA
          ? `Demo patients (BSN): ${Object.values(DEMO_PATIENTS)
              .map((p) => p.bsn)
              .join(', ')}`
          : '',
        `Try:  curl -s ${url} -H "authorization: Bearer $(pnpm -s mint-token hap-doctor)" -H 'content-type: application/json' \\`,
        `        -d '{"query":"{ pzp(bsn: \\"111222333\\", purpose: EMERGENCY) { version treatmentDirectives { summary status } warnings { message } } }"}'`,
        '',
      ].join('\n'),
    );
  }

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    stopProbes();
    await subscriptions.close();
    server.close();
    metricsServer?.close();
    await projector.stop();
    await notifications.stop();
    await services.accessLog.drain();
    await store.close();
    db.close();
    process.exit(0);
  };
  // `on`, not `once`, with one shutdown: a second signal during it must not kill the node before
  // the stores are closed, and a library's own handler that re-raises the signal when it finds no
  // other listener (as signal-exit does) must find this one still there. With `once`, the node
  // died of the SIGTERM it was handling, its databases left open (store-restore.e2e.spec.ts).
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: string) => {
    stopping ??= shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function listen(listener: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer(listener);
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** At start-up a place that cannot be written stops the node, with the place and SQLite's reason. */
function refuseUnwritable(probes: readonly WriteProbe[]) {
  for (const { target, probe } of probes) {
    try {
      probe();
    } catch (error) {
      const code = storageErrorCode(error);
      if (code === undefined) throw error;
      throw new StartupError(
        `Cannot write the ${target.name} at ${target.path}: ${code}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/** Catches up; an empty store next to read models with rows stops start-up with what to do. */
async function startProjector(projector: Projector, eventStore: OpenedEventStore, readModels: WriteTarget) {
  try {
    await projector.start();
  } catch (error) {
    if (!(error instanceof EmptyEventStoreError)) throw error;
    const where = eventStore.file ? eventStore.file.path : `EventStoreDB at ${eventStore.describe}`;
    throw new StartupError(
      `Refusing to start: the event store (${where}) holds no events, but the read models at ` +
        `${readModels.path} hold data up to position ${error.found.checkpoint ?? '?'} from a store that did. ` +
        'If the event store was deleted or replaced by mistake, restore it from its backup and start again ' +
        '(README, "Restore from backup"). ' +
        `To start over with an empty registry on purpose, delete ${readModels.path} and start again.`,
      { cause: error },
    );
  }
}

/**
 * A projector stopped by a storage error (a full disk under its transaction) is started again
 * once every probe writes again: it resumes from its checkpoint, so nothing is skipped.
 */
function restartAfterStorageFailure(
  projector: Projector,
  writability: Writability,
  probes: readonly WriteProbe[],
  logger: Logger,
): () => void {
  let restarting = false;
  return () => {
    if (restarting || projector.status !== 'failed' || storageErrorCode(projector.error) === undefined)
      return;
    if (!probes.every((p) => writability.writable(p.target))) return;
    restarting = true;
    logger.info({ err: projector.error?.message }, 'storage writable again: restarting the projector');
    projector
      .stop()
      .then(() => projector.start())
      // start() failing leaves the projector failed, with its error: a later round tries again.
      .catch(() => undefined)
      .finally(() => (restarting = false));
  };
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof EventStoreUnreachableError ||
    error instanceof StartupError
  )
    process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
