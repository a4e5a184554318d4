import { amsterdamDateAt, type PatientRecords } from '@pzp/access';
import type { Clock } from '../clock.js';

export interface ReviewDueNotice {
  readonly patient: string;
  readonly version: number;
  readonly reviewDueOn: string;
}

/** How many pages of the reviews-due list one look reads at most (100 plans each). */
const MAX_PAGES = 10;

/**
 * The `reviewDue` stream of one subscriber: the organisation's plans due today or earlier, each
 * told once per subscription (again if its review date changes), looked up through the door's
 * reviewsDue on subscribing and then every `pollMs`. Every look is a request of its own (a fresh
 * `records`, so the one-request limits apply per look), and every plan told is access-logged by
 * the door, as the reviews-due list is.
 */
export function reviewDueNotices(
  recordsFor: () => PatientRecords,
  clock: Clock,
  pollMs: number,
): AsyncIterableIterator<{ reviewDue: ReviewDueNotice }> {
  const told = new Set<string>();
  const queue: ReviewDueNotice[] = [];
  let waiting: ((r: IteratorResult<{ reviewDue: ReviewDueNotice }>) => void) | undefined;
  let failWaiting: ((e: unknown) => void) | undefined;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;

  const push = (n: ReviewDueNotice) => {
    if (waiting) {
      const w = waiting;
      waiting = failWaiting = undefined;
      w({ done: false, value: { reviewDue: n } });
    } else queue.push(n);
  };

  const look = async () => {
    const today = amsterdamDateAt(clock());
    let after: Parameters<PatientRecords['reviewsDue']>[1]['after'];
    for (let page = 0; page < MAX_PAGES && !done; page++) {
      const result = await recordsFor().reviewsDue(today, { after, limit: 100 });
      for (const item of result.items) {
        const key = `${item.record.pseudonym}\n${item.reviewDueOn}`;
        if (told.has(key)) continue;
        told.add(key);
        push({ patient: item.record.pseudonym, version: item.record.version, reviewDueOn: item.reviewDueOn });
      }
      if (!result.hasMore || result.resumeAfter === undefined) break;
      after = result.resumeAfter;
    }
  };

  const loop = () => {
    look()
      .catch((e: unknown) => {
        // A refusal (an auditor asking) ends the stream with the door's error.
        done = true;
        // Told to whoever waits now, or to the next read: the stream ends with the door's error.
        if (failWaiting) failWaiting(e);
        else failure = e;
        waiting = failWaiting = undefined;
      })
      .finally(() => {
        if (!done) timer = setTimeout(loop, pollMs);
      });
  };
  loop();

  const iterator: AsyncIterableIterator<{ reviewDue: ReviewDueNotice }> = {
    next: () => {
      const n = queue.shift();
      if (n) return Promise.resolve({ done: false, value: { reviewDue: n } });
      if (failure !== undefined) {
        const e = failure;
        failure = undefined;
        return Promise.reject(e);
      }
      if (done) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    return: () => {
      done = true;
      clearTimeout(timer);
      waiting?.({ done: true, value: undefined });
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
