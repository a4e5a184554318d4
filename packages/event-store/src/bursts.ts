import type { RecordedEvent, Subscription } from './port.js';

/**
 * A subscription's events in bursts: each batch is the next event and whatever else has already
 * arrived (up to `maxBatch`), so a consumer that commits per batch (the projector, the outbox)
 * applies a burst of appends in one transaction, yet never waits for more than has come.
 */
export async function* bursts(subscription: Subscription, maxBatch: number): AsyncGenerator<RecordedEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const IDLE = Symbol('idle');
  let pending = iterator.next();
  for (;;) {
    const first = await pending;
    if (first.done) return;
    const batch: RecordedEvent[] = [first.value];
    pending = iterator.next();
    while (batch.length < maxBatch) {
      // Only what is already there: setImmediate runs after every settled read has been taken.
      const next = await Promise.race([
        pending,
        new Promise<typeof IDLE>((r) => setImmediate(() => r(IDLE))),
      ]);
      if (next === IDLE) break;
      if (next.done) {
        yield batch;
        return;
      }
      batch.push(next.value);
      pending = iterator.next();
    }
    yield batch;
  }
}
