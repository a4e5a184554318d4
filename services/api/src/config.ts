import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseAllowList } from '@pzp/notifications';

/**
 * Configuration from the environment, validated once at start-up. A bad value stops the process
 * with a message naming the variable, never with a half-configured server.
 */
const Env = z.object({
  PZP_MODE: z.enum(['development', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  PZP_DATA_DIR: z.string().default('data'),
  /** HMAC key for patient pseudonyms. Required in production; development keeps one in the data dir. */
  PZP_PSEUDONYM_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Wraps every patient's data key in the key store (README "Lawful destruction"): base64 of 32
   * random bytes. Required in production; development generates one into the key store's directory.
   */
  PZP_KEY_ENCRYPTION_KEY: z
    .base64('must be base64')
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be the base64 of 32 bytes')
    .optional(),
  /**
   * The key store's directory (keys.db); default: the data dir. Never backed up with the event
   * log. Nodes sharing one EventStoreDB must share it (or, in a real deployment, one KMS).
   */
  PZP_KEY_STORE_DIR: z.string().optional(),
  /** Where token-signing keys come from: a JWKS file, or a URL. Development uses its own dev key. */
  PZP_JWKS_FILE: z.string().optional(),
  PZP_JWKS_URL: z.url().optional(),
  PZP_JWT_ISSUER: z.string().optional(),
  PZP_JWT_AUDIENCE: z.string().optional(),
  /** How far the issuer's clock may differ from ours: leeway for `exp`, `nbf` and `iat`. */
  PZP_JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
  /** The longest lifetime (`exp - iat`) a token may declare; longer ones are refused. */
  PZP_JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  /** Stable id of this API node; names its access-log streams. */
  PZP_NODE_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes')
    .default(
      hostname()
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 40) || 'node',
    ),
  /** Seed a small demo region when the store is empty (development only). */
  PZP_DEMO_DATA: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * Development and tests only: the server's clock starts at this instant and runs on from there,
   * e.g. to play "03:00 at night in Amsterdam". Refused in production.
   */
  PZP_CLOCK_START: z.iso.datetime({ offset: true }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * EventStoreDB (production): `esdb://host:2113?tls=true` or `esdb+discover://cluster-dns:2113`.
   * Unset: the embedded SQLite event store in the data dir.
   */
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^esdb(\+discover)?:\/\/\S+$/, 'an esdb:// or esdb+discover:// connection string')
    .optional(),
  /**
   * Production refuses an EventStoreDB connection string with `tls=false` or `tlsVerifyCert=false`:
   * events hold patients' plans and the access log. Set this to `true` only where the network
   * itself is trusted (e.g. a sidecar on localhost); the node logs a warning at every start.
   */
  PZP_EVENTSTORE_ALLOW_INSECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** How long start-up keeps retrying (with backoff) an event store that does not answer. */
  PZP_EVENTSTORE_STARTUP_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * Events per read-model transaction while catching up. Larger is faster (one commit, and one
   * write of each patient's latest rows, per batch); smaller bounds memory and loses less work to
   * a crash. Unset: the projector's default.
   */
  PZP_CATCH_UP_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).optional(),
  /** Per-request time limit. */
  PZP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Serves /metrics (Prometheus) on this port, on HOST, and not on PORT. Unset: /metrics is on
   * PORT, which production allows only with PZP_METRICS_TOKEN.
   */
  PZP_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** When set, /metrics answers only `Authorization: Bearer <token>` (wherever it is served). */
  PZP_METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  // Notices (issue 14; README "Notices").
  /**
   * Where webhooks may be delivered: comma-separated CIDR blocks and host:port entries. Unset:
   * loopback in development (the demo and tests), nothing in production.
   */
  PZP_WEBHOOK_ALLOW: z.string().max(10_000).optional(),
  /** First retry of a failed delivery after this many ms, doubling per attempt. */
  PZP_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(1_000),
  /** The longest wait between two attempts. */
  PZP_WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(900_000),
  /** Attempts before a notice becomes a dead letter. */
  PZP_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(15),
  /** How long one delivery attempt may take. */
  PZP_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * On EventStoreDB (several nodes): how long a node's claim on a notice lasts before another node
   * may take it over (a node that died mid-delivery). Longer than PZP_WEBHOOK_TIMEOUT_MS.
   */
  PZP_WEBHOOK_LEASE_MS: z.coerce.number().int().min(200).max(600_000).default(30_000),
  // The web app's sign-in (README "Web app").
  /**
   * Host systems (HIS, HAP, EPD) whose pages may open the web app by a context launch (POST
   * /launch): comma-separated origins such as `https://his.example.nl`. This origin always may.
   */
  PZP_LAUNCH_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (o) => URL.canParse(o) && new URL(o).origin === o,
            'origins such as https://his.example.nl',
          ),
      ),
    ),
  /** OIDC sign-in in the web app (Authorization Code + PKCE): the issuer, its public client, the scope. */
  PZP_OIDC_ISSUER: z.url().optional(),
  PZP_OIDC_CLIENT_ID: z.string().min(1).max(200).optional(),
  PZP_OIDC_SCOPE: z.string().min(1).max(500).default('openid'),
  /** How often `reviewDue` subscriptions look for plans that came due. */
  PZP_REVIEW_DUE_POLL_MS: z.coerce.number().int().min(50).max(86_400_000).default(3_600_000),
});

export type Config = z.output<typeof Env> & {
  readonly dataDir: string;
  readonly webhookAllow: string;
  readonly keyStoreDir: string;
};

/** Loopback only: the demo's and the tests' own receivers. */
export const DEVELOPMENT_WEBHOOK_ALLOW = '127.0.0.0/8,::1/128';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  if (config.PZP_MODE === 'production') {
    const missing = [
      !config.PZP_PSEUDONYM_SECRET && 'PZP_PSEUDONYM_SECRET',
      !config.PZP_JWKS_FILE && !config.PZP_JWKS_URL && 'PZP_JWKS_FILE or PZP_JWKS_URL',
      !config.PZP_JWT_ISSUER && 'PZP_JWT_ISSUER',
      !config.PZP_JWT_AUDIENCE && 'PZP_JWT_AUDIENCE',
      !config.PZP_KEY_ENCRYPTION_KEY && 'PZP_KEY_ENCRYPTION_KEY',
    ].filter(Boolean);
    if (missing.length > 0) throw new ConfigError(`Production mode needs ${missing.join(', ')}`);
    if (config.PZP_CLOCK_START) throw new ConfigError('PZP_CLOCK_START is for development and tests only');
    if (config.PZP_DEMO_DATA) throw new ConfigError('PZP_DEMO_DATA is for development only');
    // The metrics name no patient, but show load, failures and the access log's pace: not public.
    if (config.PZP_METRICS_PORT === undefined && !config.PZP_METRICS_TOKEN)
      throw new ConfigError(
        'Production mode needs PZP_METRICS_PORT (a port for /metrics only) or PZP_METRICS_TOKEN (a bearer token for /metrics)',
      );
    const insecure = insecureEventStoreSettings(config.EVENTSTORE_CONNECTION_STRING);
    if (insecure.length > 0 && !config.PZP_EVENTSTORE_ALLOW_INSECURE) {
      throw new ConfigError(
        `Production mode refuses an EventStoreDB connection with ${insecure.join(' and ')}: ` +
          'use TLS with certificate verification (or set PZP_EVENTSTORE_ALLOW_INSECURE=true where the network is trusted)',
      );
    }
  }
  if (Boolean(config.PZP_OIDC_ISSUER) !== Boolean(config.PZP_OIDC_CLIENT_ID))
    throw new ConfigError('PZP_OIDC_ISSUER and PZP_OIDC_CLIENT_ID go together');
  if (config.PZP_METRICS_PORT !== undefined && config.PZP_METRICS_PORT === config.PORT)
    throw new ConfigError('PZP_METRICS_PORT must differ from PORT');
  // A lease shorter than an attempt would let a second node send a notice still being sent.
  if (config.PZP_WEBHOOK_LEASE_MS <= config.PZP_WEBHOOK_TIMEOUT_MS)
    throw new ConfigError('PZP_WEBHOOK_LEASE_MS must be longer than PZP_WEBHOOK_TIMEOUT_MS');
  const webhookAllow =
    config.PZP_WEBHOOK_ALLOW ?? (config.PZP_MODE === 'development' ? DEVELOPMENT_WEBHOOK_ALLOW : '');
  try {
    parseAllowList(webhookAllow);
  } catch (e) {
    throw new ConfigError(`Invalid configuration:\n  PZP_WEBHOOK_ALLOW: ${(e as Error).message}`);
  }
  const dataDir = resolve(config.PZP_DATA_DIR);
  return { ...config, dataDir, webhookAllow, keyStoreDir: resolve(config.PZP_KEY_STORE_DIR ?? dataDir) };
}

/**
 * The settings of an EventStoreDB connection string that turn transport security off (the
 * client's own defaults are `tls=true` and `tlsVerifyCert=true`; keys are case-insensitive).
 */
export function insecureEventStoreSettings(connectionString: string | undefined): string[] {
  if (!connectionString) return [];
  const query = connectionString.split('?')[1] ?? '';
  const found: string[] = [];
  for (const pair of query.split('&')) {
    const [key = '', value = ''] = pair.split('=');
    const setting = key.toLowerCase();
    if ((setting === 'tls' || setting === 'tlsverifycert') && value.toLowerCase() === 'false') {
      found.push(setting === 'tls' ? 'tls=false' : 'tlsVerifyCert=false');
    }
  }
  return found;
}
