import { streamNameFor, type Actor } from '@pzp/domain';
import { mayBeTold, noticeId, type Outbox, type PlanChange } from '@pzp/notifications';

export interface PlanChangedNotice {
  readonly id: string;
  readonly patient: string;
  readonly version: number;
  readonly changes: readonly string[];
  readonly changedAt: string;
}

/**
 * Notices a live subscriber has not taken yet. A subscriber that falls this far behind (a slow or
 * stalled socket) is cut off rather than let the node's memory grow without bound.
 */
export const MAX_QUEUED = 1_000;

interface Subscriber {
  readonly actor: Actor;
  offer(notice: PlanChangedNotice): void;
  end(): void;
}

/**
 * Fans the outbox's changes out to the node's live `planChanged` subscriptions. Each change is
 * decided per subscriber by the access policy (decideListedPlan: as the plan itself would be read
 * for TREATMENT, the rule of the reviews-due list), on the plan as the change left it: a patient
 * who withdraws consent is not told about to the organisation from that change on. Every notice
 * pushed is recorded in the outbox (channel SUBSCRIPTION), for the auditors.
 */
export class LiveNotices {
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly outbox: Outbox,
    private readonly maxQueued = MAX_QUEUED,
  ) {
    outbox.onChanges((changes) => this.publish(changes));
  }

  get count(): number {
    return this.subscribers.size;
  }

  private publish(changes: readonly PlanChange[]) {
    for (const s of this.subscribers) {
      for (const c of changes) {
        if (!mayBeTold(s.actor, c.facts)) continue;
        if (c.onlyOrganization !== undefined && s.actor.organization.id !== c.onlyOrganization) continue;
        const id = c.source
          ? noticeId(`subscriber:${s.actor.id}`, c.source.streamName, c.source.revision)
          : noticeId(`subscriber:${s.actor.id}`, streamNameFor(c.pseudonym), BigInt(c.version));
        this.outbox.recordPushed({
          noticeId: id,
          recipient: s.actor.id,
          organizationId: s.actor.organization.id,
          pseudonym: c.pseudonym,
          version: c.version,
          kinds: c.kinds,
          changedAt: c.changedAt,
          position: c.position,
        });
        s.offer({ id, patient: c.pseudonym, version: c.version, changes: c.kinds, changedAt: c.changedAt });
      }
    }
  }

  /**
   * The notices for `actor` from now on, as graphql-js expects a subscription's source: each value
   * is the root of one result (`{ planChanged }`). `onOverflow` is called when the subscriber fell
   * {@link MAX_QUEUED} notices behind; the stream then ends.
   */
  planChanged(
    actor: Actor,
    onOverflow: () => void,
  ): AsyncIterableIterator<{ planChanged: PlanChangedNotice }> {
    const queue: PlanChangedNotice[] = [];
    let waiting: ((r: IteratorResult<{ planChanged: PlanChangedNotice }>) => void) | undefined;
    let done = false;
    const finish = () => {
      done = true;
      this.subscribers.delete(subscriber);
      queue.length = 0;
      waiting?.({ done: true, value: undefined });
      waiting = undefined;
    };
    const subscriber: Subscriber = {
      actor,
      offer: (notice) => {
        if (done) return;
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w({ done: false, value: { planChanged: notice } });
          return;
        }
        queue.push(notice);
        if (queue.length > this.maxQueued) {
          finish();
          onOverflow();
        }
      },
      end: finish,
    };
    this.subscribers.add(subscriber);
    const iterator: AsyncIterableIterator<{ planChanged: PlanChangedNotice }> = {
      next: () => {
        const notice = queue.shift();
        if (notice) return Promise.resolve({ done: false, value: { planChanged: notice } });
        if (done) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends every subscription (shutdown). */
  close() {
    for (const s of [...this.subscribers]) s.end();
  }
}
