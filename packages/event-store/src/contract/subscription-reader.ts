import type { RecordedEvent, Subscription } from '../port.js';

/** Generous: an embedded store delivers in milliseconds, a remote one (or a polling reader) in well under this. */
export const DEFAULT_TIMEOUT_MS = 5_000;

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Resolves or rejects like `promise`, or rejects with a WaitTimeoutError saying `what` after `timeoutMs`. */
export function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`Timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface TakeOptions {
  /** Only events for which this returns true are counted and returned; others are skipped. */
  readonly filter?: (event: RecordedEvent) => boolean;
  /** For the whole call, not per event. */
  readonly timeoutMs?: number;
}

/**
 * Reads a subscription in steps without ending it: `take` returns the next events and leaves the
 * subscription open for the next `take`. (A `for await` loop that breaks would end the iteration.)
 * A `take` that times out leaves its pending read in place, so no event is lost for the next call.
 */
export interface SubscriptionReader {
  /** The next `count` events (that pass `filter`), in delivery order; rejects on timeout or when the iteration ends first. */
  take(count: number, options?: TakeOptions): Promise<RecordedEvent[]>;
  /** Reads until the iteration ends and returns the events (that pass `filter`) delivered before the end. */
  untilEnd(options?: TakeOptions): Promise<RecordedEvent[]>;
}

export function subscriptionReader(subscription: Subscription): SubscriptionReader {
  const iterator = subscription[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<RecordedEvent>> | undefined;

  async function next(timeoutMs: number, what: () => string): Promise<IteratorResult<RecordedEvent>> {
    if (pending === undefined) {
      pending = iterator.next();
      // Keep a rejection that arrives after a timeout from being reported as unhandled.
      pending.catch(() => undefined);
    }
    const current = pending;
    try {
      const result = await withTimeout(current, what(), timeoutMs);
      pending = undefined;
      return result;
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) pending = undefined;
      throw error;
    }
  }

  return {
    async take(count, options = {}) {
      const filter = options.filter ?? (() => true);
      const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const taken: RecordedEvent[] = [];
      while (taken.length < count) {
        const result = await next(
          Math.max(0, deadline - Date.now()),
          () => `received ${taken.length} of ${count} events`,
        );
        if (result.done) {
          throw new Error(`The subscription ended after ${taken.length} of ${count} events`);
        }
        if (filter(result.value)) taken.push(result.value);
      }
      return taken;
    },

    async untilEnd(options = {}) {
      const filter = options.filter ?? (() => true);
      const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const taken: RecordedEvent[] = [];
      for (;;) {
        const result = await next(
          Math.max(0, deadline - Date.now()),
          () => `the subscription did not end (${taken.length} more events received)`,
        );
        if (result.done) return taken;
        if (filter(result.value)) taken.push(result.value);
      }
    },
  };
}

/** One-shot: the next `count` events of `subscription` (that pass `filter`), with a timeout. */
export function collectEvents(
  subscription: Subscription,
  count: number,
  options: TakeOptions = {},
): Promise<RecordedEvent[]> {
  return subscriptionReader(subscription).take(count, options);
}
