import {
  START,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import type { RecordedEvent, Subscription, SubscriptionHealth } from '../port.js';
import { decodePosition } from './position.js';
import { isSystemEvent } from './system-events.js';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface AllSubscriptionOptions {
  readonly client: EventStoreDBClient;
  /** Exclusive; undefined = from the start of `$all`. */
  readonly fromPosition: bigint | undefined;
  readonly backoff: Backoff;
  readonly toRecorded: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined;
  readonly onStateChange?: (health: SubscriptionHealth) => void;
  readonly onClose: () => void;
}

/**
 * A catch-up subscription to `$all` that survives dropped connections. The client never
 * resubscribes by itself, so on error or end this resubscribes with exponential backoff from the
 * position of the last event it delivered: nothing is skipped (the position is exclusive) and
 * nothing is repeated (anything at or before that position is dropped should a server resend it).
 *
 * The server filters out system events (the client's `excludeSystemEvents`, a regex on the event
 * type); events in `$`-streams are dropped here too. The server's filter checkpoints only mark the
 * subscription as alive: they are not used as a resume point, because a checkpoint may lie beyond
 * an event not yet consumed from the client's buffer when the connection drops, and rescanning a
 * few system events costs nothing next to skipping a treatment limit.
 */
export function esdbAllSubscription(options: AllSubscriptionOptions): Subscription {
  const { client, backoff } = options;
  const abort = new AbortController();
  let after = options.fromPosition;
  let current: AllStreamSubscription | undefined;
  let health: SubscriptionHealth = { state: 'connecting', reconnects: 0 };

  const setHealth = (next: SubscriptionHealth) => {
    health = next;
    options.onStateChange?.(next);
  };

  async function* events(): AsyncGenerator<RecordedEvent> {
    let attempt = 0;
    while (!abort.signal.aborted) {
      const subscription = client.subscribeToAll({
        fromPosition: after === undefined ? START : decodePosition(after),
        filter: excludeSystemEvents({
          checkpointReached: () => {
            attempt = 0;
          },
        }),
      });
      current = subscription;
      subscription.once('confirmation', () => {
        attempt = 0;
        setHealth({ ...health, state: 'live' });
      });
      let ended: string;
      try {
        for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
          if (abort.signal.aborted) return;
          if (resolved.event === undefined || isSystemEvent(resolved.event)) continue;
          const event = options.toRecorded(resolved);
          if (event === undefined || (after !== undefined && event.position <= after)) continue;
          after = event.position;
          attempt = 0;
          yield event;
        }
        ended = 'The event store ended the subscription';
      } catch (error) {
        ended = error instanceof Error ? error.message : String(error);
      } finally {
        current = undefined;
        await subscription.unsubscribe().catch(() => undefined);
      }
      if (abort.signal.aborted) return;
      setHealth({ state: 'reconnecting', reconnects: health.reconnects + 1, lastError: ended });
      await sleep(delay(backoff, attempt++), abort.signal);
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    health: () => health,
    async close() {
      if (abort.signal.aborted) return;
      abort.abort();
      setHealth({ ...health, state: 'closed' });
      options.onClose();
      // Ends a for-await that is waiting for the next live event.
      await current?.unsubscribe().catch(() => undefined);
      current?.destroy();
    },
  };
}

/** Exponential backoff with ±20% jitter, so API nodes that lost the store do not return in lockstep. */
export function delay(backoff: Backoff, attempt: number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
