import type { RecordedEvent, Subscription } from './port.js';

export interface LiveSubscriptionSource {
  /** Exclusive start; undefined = from the beginning. */
  readonly fromPosition: bigint | undefined;
  readonly pageSize: number;
  /** Up to `max` events with a position strictly greater than `after`, in position order. */
  readPage(after: bigint | undefined, max: number): Promise<RecordedEvent[]>;
  /** A token taken before each page read and handed back to waitForAppend. */
  generation(): number;
  /** Resolves when events may exist that were appended after `generation` (or when `abort` fires). */
  waitForAppend(generation: number, abort: AbortSignal): Promise<void>;
  onClose(): void;
}

/**
 * A catch-up subscription over any store that can read all events after a position:
 * page through what is stored, then wait for appends and page again. Because every
 * page starts strictly after the last delivered position, events are delivered in
 * order with no gaps and no repeats, whether they were stored or live.
 */
export function liveSubscription(source: LiveSubscriptionSource): Subscription {
  const abort = new AbortController();
  let after = source.fromPosition;

  async function* events(): AsyncGenerator<RecordedEvent> {
    while (!abort.signal.aborted) {
      const generation = source.generation();
      const page = await source.readPage(after, source.pageSize);
      for (const event of page) {
        if (abort.signal.aborted) return;
        after = event.position;
        yield event;
      }
      if (page.length < source.pageSize) await source.waitForAppend(generation, abort.signal);
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    health: () => ({ state: abort.signal.aborted ? 'closed' : 'live', reconnects: 0 }),
    close() {
      if (!abort.signal.aborted) {
        abort.abort();
        source.onClose();
      }
      return Promise.resolve();
    },
  };
}
