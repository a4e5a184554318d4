import { describe, expect, it } from 'vitest';
import { bursts } from './bursts.js';
import type { RecordedEvent, Subscription } from './port.js';

/** A subscription fed by hand: events arrive when `push` is called, and it ends on `end`. */
function handFed() {
  const queue: (RecordedEvent | null)[] = [];
  let wake: (() => void) | undefined;
  let position = 0n;
  const subscription: Subscription = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const next = queue.shift()!;
        if (next === null) return;
        yield next;
      }
    },
    close: async () => undefined,
    health: () => ({ state: 'live', reconnects: 0 }),
  };
  const event = (): RecordedEvent =>
    ({
      streamName: 's',
      revision: position,
      position: ++position,
      type: 't',
      data: {},
      metadata: {},
    }) as never;
  return {
    subscription,
    push: (n: number) => {
      for (let i = 0; i < n; i++) queue.push(event());
      wake?.();
    },
    end: () => {
      queue.push(null);
      wake?.();
    },
  };
}

const positions = (batch: readonly RecordedEvent[]) => batch.map((e) => Number(e.position));

describe('bursts of a subscription', () => {
  it('takes what has already arrived into one batch, up to the maximum, and no more', async () => {
    const feed = handFed();
    feed.push(5);
    const it = bursts(feed.subscription, 3);
    expect(positions((await it.next()).value!)).toEqual([1, 2, 3]);
    expect(positions((await it.next()).value!)).toEqual([4, 5]);
    // Nothing waiting: the next batch is the next event that comes, not held for more.
    const third = it.next();
    feed.push(1);
    expect(positions((await third).value!)).toEqual([6]);
    feed.push(2);
    feed.end();
    expect(positions((await it.next()).value!)).toEqual([7, 8]);
    expect((await it.next()).done).toBe(true);
  });
});
