import { join } from 'node:path';
import type { FoldedStates } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import {
  endpointSecret,
  storeClaims,
  type DeliveryClaims,
  openOutboxDb,
  Outbox,
  outboxStatements,
  parseAllowList,
  WebhookDeliverer,
  type AllowList,
  type OutboxDb,
  type OutboxStatements,
} from '@pzp/notifications';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { LiveNotices } from './live.js';

/** The node's notice machinery: the outbox, its deliverer, the live subscriptions' fan-out. */
export interface Notifications {
  readonly db: OutboxDb;
  readonly sql: OutboxStatements;
  readonly outbox: Outbox;
  readonly deliverer: WebhookDeliverer;
  readonly live: LiveNotices;
  readonly allowList: AllowList;
  readonly secretOf: (endpointId: string) => string;
  /** On a shared store (EventStoreDB): the claims that make a notice go out once per cluster. */
  readonly claims: DeliveryClaims | undefined;
  readonly clock: Clock;
  readonly reviewDuePollMs: number;
  /** What /readyz reports: the outbox's position, webhook queue sizes, live subscribers. */
  status(): {
    position: string | null;
    webhooks: Record<string, number>;
    subscribers: number;
    /** Why the outbox stopped following the store, when it did (notices then wait for a restart). */
    failed: string | null;
  };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NotificationsOptions {
  readonly store: EventStore;
  readonly config: Config;
  /** The deployment secret endpoint secrets are derived from (the pseudonym secret). */
  readonly secret: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onDelivered?: (delayMs: number) => void;
  /** The write path's folded states (Services.recentStates). */
  readonly folded?: FoldedStates | undefined;
}

export function openNotifications(options: NotificationsOptions): Notifications {
  const { config, logger } = options;
  const db = openOutboxDb(join(config.dataDir, 'outbox.db'));
  const allowList = parseAllowList(config.webhookAllow);
  const secretOf = (endpointId: string) => endpointSecret(options.secret, endpointId);
  const outbox = new Outbox(options.store, db, {
    clock: options.clock,
    logger,
    ...(options.folded ? { folded: options.folded } : {}),
  });
  // Every node works out the same notices; on a shared store they agree who sends each (claims.ts).
  const claims = config.EVENTSTORE_CONNECTION_STRING
    ? storeClaims(options.store, config.PZP_NODE_ID, config.PZP_WEBHOOK_LEASE_MS)
    : undefined;
  // Real time, not the node's clock: webhook-timestamp is checked against the receiver's own clock,
  // and backoff is about the network, not about the registry's (development) notion of today.
  const deliverer = new WebhookDeliverer(db, {
    allowList,
    secretOf,
    endpointOf: (id) => outbox.endpoint(id),
    ...(claims ? { claims } : {}),
    backoffBaseMs: config.PZP_WEBHOOK_BACKOFF_MS,
    backoffMaxMs: config.PZP_WEBHOOK_BACKOFF_MAX_MS,
    maxAttempts: config.PZP_WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.PZP_WEBHOOK_TIMEOUT_MS,
    logger,
    ...(options.onDelivered ? { onDelivered: (_n, ms) => options.onDelivered!(ms) } : {}),
  });
  const live = new LiveNotices(outbox);
  outbox.onChanges(() => deliverer.wake());
  const sql = outboxStatements(db);
  return {
    db,
    sql,
    outbox,
    deliverer,
    live,
    allowList,
    secretOf,
    claims,
    clock: options.clock,
    reviewDuePollMs: config.PZP_REVIEW_DUE_POLL_MS,
    status: () => ({
      position: outbox.position?.toString() ?? null,
      webhooks: sql.counts(),
      subscribers: live.count,
      failed: outbox.failed?.message ?? null,
    }),
    async start() {
      await outbox.start();
      deliverer.start();
    },
    async stop() {
      live.close();
      await deliverer.stop();
      await outbox.stop();
      db.close();
    },
  };
}
