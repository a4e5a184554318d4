import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EsdbEventStore, SqliteEventStore, type EventStore, type SubscriptionHealth } from '@pzp/event-store';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export interface OpenedEventStore {
  readonly store: EventStore;
  /** 'embedded' or the EventStoreDB hosts (never the connection string: it may hold credentials). */
  readonly describe: string;
  /** The `$all` subscription's state as the store last reported it; undefined for the embedded store. */
  readonly subscriptionHealth: () => SubscriptionHealth | undefined;
}

export class EventStoreUnreachableError extends Error {}

/**
 * The event store this node writes to and projects from: EventStoreDB when a connection string is
 * configured, else the embedded SQLite store in the data dir. EventStoreDB must answer before the
 * node starts; until then start-up retries with backoff (a supervisor restarting a node that exits
 * at once would hammer a recovering cluster), and gives up with a clear error after the timeout.
 */
export async function openEventStore(config: Config, logger: Logger): Promise<OpenedEventStore> {
  if (!config.EVENTSTORE_CONNECTION_STRING) {
    return {
      store: SqliteEventStore.open(join(config.dataDir, 'events.db')),
      describe: 'embedded',
      subscriptionHealth: () => undefined,
    };
  }
  const hosts = hostsOf(config.EVENTSTORE_CONNECTION_STRING);
  let health: SubscriptionHealth | undefined;
  const store = EsdbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING, {
    onSubscriptionState: (next) => {
      health = next;
      if (next.state === 'reconnecting') {
        logger.warn(
          { eventStore: hosts, reconnects: next.reconnects, err: next.lastError },
          'event store subscription dropped; resubscribing',
        );
      } else if (next.state === 'live' && next.reconnects > 0) {
        logger.info({ eventStore: hosts, reconnects: next.reconnects }, 'event store subscription restored');
      }
    },
  });
  const deadline = Date.now() + config.PZP_EVENTSTORE_STARTUP_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await store.ping();
      return { store, describe: hosts, subscriptionHealth: () => health };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const wait = Math.min(10_000, 500 * 2 ** attempt);
      if (Date.now() + wait > deadline) {
        await store.close().catch(() => undefined);
        throw new EventStoreUnreachableError(
          `EventStoreDB at ${hosts} did not answer within ${config.PZP_EVENTSTORE_STARTUP_TIMEOUT_MS} ms: ${reason}`,
        );
      }
      logger.warn(
        { eventStore: hosts, attempt: attempt + 1, retryInMs: wait, err: reason },
        'event store unreachable; retrying',
      );
      await sleep(wait);
    }
  }
}

/** `esdb://user:pass@a:2113,b:2113?tls=true` → `a:2113,b:2113`. */
export function hostsOf(connectionString: string): string {
  const rest = connectionString.replace(/^esdb(\+discover)?:\/\//, '');
  const authority = rest.split(/[/?]/, 1)[0]!;
  return authority.slice(authority.lastIndexOf('@') + 1);
}
