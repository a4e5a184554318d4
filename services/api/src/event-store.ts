import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EsdbEventStore, SqliteEventStore, type EventStore, type SubscriptionHealth } from '@pzp/event-store';
import { insecureEventStoreSettings, type Config } from './config.js';
import type { Logger } from './logger.js';
import { openingAt } from './startup-error.js';
import type { Writability, WriteTarget } from './writability.js';

export interface OpenedEventStore {
  readonly store: EventStore;
  /** 'embedded' or the EventStoreDB hosts (never the connection string: it may hold credentials). */
  readonly describe: string;
  /** The `$all` subscription's state as the store last reported it; undefined for the embedded store. */
  readonly subscriptionHealth: () => SubscriptionHealth | undefined;
  /**
   * Calls `listener` whenever the `$all` subscription is live again after its connection dropped:
   * the store may since have been restored from a backup or replaced, so the node checks it again.
   */
  readonly onReconnected: (listener: () => void) => void;
  /** The embedded store's file, and a write probe on it (see Writability); absent for EventStoreDB. */
  readonly file?: WriteTarget & { readonly probe: () => void };
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
    const path = join(config.dataDir, 'events.db');
    const store = openingAt('the event store', path, () => SqliteEventStore.open(path));
    return {
      store,
      describe: 'embedded',
      subscriptionHealth: () => undefined,
      onReconnected: () => {},
      file: { name: 'event store', path, probe: () => store.probeWrite() },
    };
  }
  const hosts = hostsOf(config.EVENTSTORE_CONNECTION_STRING);
  const insecure = insecureEventStoreSettings(config.EVENTSTORE_CONNECTION_STRING);
  if (config.PZP_MODE === 'production' && insecure.length > 0) {
    // Only reachable with PZP_EVENTSTORE_ALLOW_INSECURE (config.ts refuses it otherwise).
    logger.warn(
      { eventStore: hosts, insecure },
      'event store connection without transport security, allowed by PZP_EVENTSTORE_ALLOW_INSECURE',
    );
  }
  let health: SubscriptionHealth | undefined;
  const reconnected: (() => void)[] = [];
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
        for (const listener of reconnected) listener();
      }
    },
  });
  const deadline = Date.now() + config.PZP_EVENTSTORE_STARTUP_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await store.ping();
      return {
        store,
        describe: hosts,
        subscriptionHealth: () => health,
        onReconnected: (listener) => reconnected.push(listener),
      };
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

/**
 * What requests get when the store cannot be written: the node is not ready (see Writability), so
 * the client should go to another node or try again later. Nothing about the storage leaves.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly extensions = { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } };
  constructor(cause: unknown) {
    super('The registry cannot store data right now; try again later', { cause });
  }
}

/**
 * The store as requests use it: an append that meets a storage error marks `target` unwritable and
 * fails with StorageUnavailableError (503), one that succeeds marks it writable again. A proxy, so
 * every other method of the store (and of the port, as it grows) passes through untouched.
 */
export function watchWrites(store: EventStore, writability: Writability, target: WriteTarget): EventStore {
  const appendToStream: EventStore['appendToStream'] = async (...args) => {
    try {
      const result = await store.appendToStream(...args);
      writability.succeeded(target);
      return result;
    } catch (error) {
      throw writability.failed(target, error) ? new StorageUnavailableError(error) : error;
    }
  };
  return new Proxy(store, {
    get(inner, property) {
      if (property === 'appendToStream') return appendToStream;
      const value: unknown = Reflect.get(inner, property, inner);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(inner) : value;
    },
  });
}
