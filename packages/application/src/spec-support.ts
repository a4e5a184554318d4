/** Helpers shared by this package's integration tests (not exported by the package). */
import type { EventStore, StreamEvent } from '@pzp/event-store';

/** The real store, with what its stream reads hand out kept. */
export function watchedReads(store: EventStore) {
  const handedOut: StreamEvent[] = [];
  const view = Object.create(store, {
    readStream: {
      value: async (...args: Parameters<EventStore['readStream']>) => {
        const events = await store.readStream(...args);
        handedOut.push(...events);
        return events;
      },
    },
  }) as EventStore;
  return { view, handedOut };
}
