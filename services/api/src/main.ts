import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { AccessLogWriter } from '@pzp/access';
import { Projector, createQueries, openReadModelDb } from '@pzp/projections';
import { createApp } from './app.js';
import { createTokenVerifier, DEV_AUDIENCE, DEV_ISSUER, ensureDevelopmentKeys } from './auth/index.js';
import { createClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DEMO_PATIENTS, seedDemoData } from './demo/demo-data.js';
import { EventStoreUnreachableError, openEventStore } from './event-store.js';
import { createLogger } from './logger.js';
import { pseudonymizer, type Services } from './services.js';

/** Development keeps its pseudonym secret in the data dir, so pseudonyms survive restarts. */
function pseudonymSecret(config: Config): string {
  if (config.PZP_PSEUDONYM_SECRET) return config.PZP_PSEUDONYM_SECRET;
  const file = join(config.dataDir, 'dev-pseudonym-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}

async function verifierFor(config: Config) {
  const lifetime = {
    clockToleranceSeconds: config.PZP_JWT_CLOCK_SKEW_SECONDS,
    maxTokenLifetimeSeconds: config.PZP_JWT_MAX_LIFETIME_SECONDS,
  };
  if (config.PZP_MODE === 'development' && !config.PZP_JWKS_FILE && !config.PZP_JWKS_URL) {
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
  mkdirSync(config.dataDir, { recursive: true });
  const clock = createClock(config.PZP_CLOCK_START);
  const eventStore = await openEventStore(config, logger);
  const { store } = eventStore;
  const db = openReadModelDb(join(config.dataDir, 'read-models.db'));
  const projector = new Projector(store, db, {
    logger,
    ...(config.PZP_CATCH_UP_BATCH_SIZE ? { batchSize: config.PZP_CATCH_UP_BATCH_SIZE } : {}),
  });
  const services: Services = {
    store,
    queries: createQueries(db),
    projector,
    accessLog: new AccessLogWriter(store, config.PZP_NODE_ID, clock),
    clock,
    logger,
    pseudonymOf: pseudonymizer(pseudonymSecret(config)),
  };

  if (config.PZP_DEMO_DATA && (await store.headPosition()) === undefined) {
    const n = await seedDemoData(store, services.pseudonymOf, clock());
    logger.info({ patients: n }, 'demo data written');
  }

  let ready = false;
  const { app } = await createApp({
    services,
    verifier: await verifierFor(config),
    requestTimeoutMs: config.PZP_REQUEST_TIMEOUT_MS,
    // Not ready while the store's subscription is down: reads would be stale, and their access
    // records could not be made durable, so the load balancer should send them to another node.
    isReady: () =>
      ready && projector.status === 'live' && eventStore.subscriptionHealth()?.state !== 'reconnecting',
    eventStoreHealth: () => ({
      store: eventStore.describe,
      subscription: eventStore.subscriptionHealth() ?? null,
    }),
    introspection: config.PZP_MODE === 'development',
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  server.requestTimeout = config.PZP_REQUEST_TIMEOUT_MS;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  const started = performance.now();
  logger.info(
    { eventStore: eventStore.describe, from: projector.position?.toString() ?? null },
    'catching up',
  );
  await projector.start();
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
    const url = `http://${config.HOST}:${port}/graphql`;
    process.stderr.write(
      [
        '',
        `PZP registry (development) — GraphQL at ${url}`,
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
    server.close();
    await projector.stop();
    await services.accessLog.drain();
    await store.close();
    db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EventStoreUnreachableError)
    process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
