import type { EventStore } from '../port.js';
import { ChainTracker, type ChainBreak, type ChainHead } from './chain.js';

export interface StoreVerification {
  /** Events read. */
  readonly events: number;
  /** Streams seen. */
  readonly streams: number;
  /** The first break of each broken stream, in the order of the global log. */
  readonly breaks: readonly ChainBreak[];
}

/**
 * Checks the hash chain of every stream in the store, reading the global log once from the start
 * (each stream's events come in revision order there). Memory: one head per stream.
 */
export async function verifyStore(
  store: EventStore,
  options: {
    readonly pageSize?: number;
    readonly onPage?: (events: number) => void;
    /** Heads recorded by read models built from this store: a stream must still pass through them. */
    readonly recorded?: ReadonlyMap<string, ChainHead>;
  } = {},
): Promise<StoreVerification> {
  const tracker = new ChainTracker(options.recorded);
  const pageSize = options.pageSize ?? 5_000;
  let after: bigint | undefined;
  let events = 0;
  for (;;) {
    const page = await store.readAll(
      after === undefined ? { maxCount: pageSize } : { fromPosition: after, maxCount: pageSize },
    );
    if (page.length === 0) break;
    for (const event of page) tracker.check(event);
    events += page.length;
    after = page[page.length - 1]!.position;
    options.onPage?.(events);
  }
  return { events, streams: tracker.streams, breaks: tracker.broken };
}
