import { Webhook } from 'standardwebhooks';
import type { AllowList } from './allow-list.js';
import type { DeliveryClaims } from './claims.js';
import type { Endpoint } from './endpoints.js';
import { outboxStatements, type NoticeRow, type OutboxDb, type OutboxStatements } from './outbox-db.js';

export interface DeliveryOptions {
  readonly allowList: AllowList;
  /** The endpoint's Standard Webhooks secret (`whsec_...`). */
  readonly secretOf: (endpointId: string) => string;
  readonly endpointOf: (endpointId: string) => Endpoint | undefined;
  readonly clock?: () => Date;
  /** First retry after this many ms, doubling per failed attempt up to `backoffMaxMs`. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** After this many failed attempts a notice is a dead letter (the organisation may replay it). */
  readonly maxAttempts: number;
  /** Per attempt: a receiver that does not answer within this counts as failed. */
  readonly timeoutMs: number;
  readonly logger?: { warn(fields: Record<string, unknown>, message: string): void };
  /** Several nodes on one store: claims in the store make each notice go out once (claims.ts). */
  readonly claims?: DeliveryClaims;
  /** Told of every attempt (metrics, bench): ms from the change's commit to the receiver's 2xx. */
  readonly onDelivered?: (notice: NoticeRow, delayMs: number) => void;
}

/** The body of a delivery: who to ask about what, never what the plan says. */
export function noticePayload(n: NoticeRow) {
  return {
    type: 'pzp.plan.changed',
    timestamp: n.changedAt,
    data: {
      noticeId: n.noticeId,
      patient: n.pseudonym,
      fhirPatient: `Patient/${n.pseudonym}`,
      version: n.version,
      changes: n.kinds,
      changedAt: n.changedAt,
      organization: n.organizationId,
    },
  };
}

/** The wait before the next attempt after `failures` failed ones. */
export const backoffMs = (failures: number, base: number, max: number): number =>
  Math.min(max, base * 2 ** Math.max(0, failures - 1));

/**
 * Delivers webhook notices at least once: per endpoint one at a time, oldest first (a receiver
 * sees a patient's versions in order, and after an outage everything it missed, in order, without
 * gaps), endpoints in parallel. A failed attempt (no 2xx in time, a redirect, an address no longer
 * allowed) is retried with exponential backoff; after `maxAttempts` the notice is a dead letter
 * and the endpoint's queue moves on. Every attempt is recorded on the notice.
 *
 * Signed per the Standard Webhooks specification with its reference library: `webhook-id` is the
 * notice's id (the same on every attempt), `webhook-timestamp` the attempt's time.
 */
export class WebhookDeliverer {
  private readonly sql: OutboxStatements;
  private readonly clock: () => Date;
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    db: OutboxDb,
    private readonly options: DeliveryOptions,
  ) {
    this.sql = outboxStatements(db);
    this.clock = options.clock ?? (() => new Date());
  }

  start() {
    this.running = true;
    this.wake();
  }

  async stop() {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due notices now (new notices were committed, a dead letter was replayed). */
  wake() {
    if (!this.running) return;
    clearTimeout(this.timer);
    const now = this.clock().getTime();
    let next = Infinity;
    for (const head of this.sql.queueHeads()) {
      if (this.busy.has(head.recipient)) continue;
      if (head.nextAttemptAt <= now) this.drain(head.recipient);
      else next = Math.min(next, head.nextAttemptAt);
    }
    // Busy queues wake the scheduler themselves when they finish.
    if (next !== Infinity) this.timer = setTimeout(() => this.wake(), Math.max(0, next - now));
  }

  private drain(endpointId: string) {
    this.busy.add(endpointId);
    const work = (async () => {
      try {
        for (;;) {
          if (!this.running) return;
          const head = this.sql.queueHead(endpointId);
          if (head === undefined || head.nextAttemptAt > this.clock().getTime()) return;
          try {
            await this.attempt(head);
          } catch (e) {
            // The store or the outbox file failed (not the receiver): try again later, never crash.
            this.options.logger?.warn(
              { noticeId: head.noticeId, err: e instanceof Error ? e.message : String(e) },
              'webhook delivery could not be attempted',
            );
            this.sql.postpone(head.seq, this.clock().getTime() + this.options.backoffMaxMs);
            return;
          }
        }
      } finally {
        this.busy.delete(endpointId);
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake();
    });
  }

  private async attempt(notice: NoticeRow) {
    const { options } = this;
    let attempt = notice.attempts + 1;
    let claimRevision: bigint | undefined;
    if (options.claims) {
      const claim = await options.claims.claim(notice.noticeId, this.clock().getTime());
      if (claim.kind === 'busy') {
        this.sql.postpone(notice.seq, claim.until + 1);
        return;
      }
      if (claim.kind !== 'mine') {
        const state = claim.kind === 'delivered' ? 'DELIVERED' : 'DEAD';
        this.sql.settledElsewhere(notice.seq, state, this.clock().toISOString(), `by node ${claim.node}`);
        return;
      }
      attempt = claim.attempt;
      claimRevision = claim.revision;
    }
    const endpoint = options.endpointOf(notice.recipient);
    let status: number | null = null;
    let error: string | null = null;
    if (endpoint === undefined) error = 'endpoint unknown';
    else {
      const url = new URL(endpoint.url);
      if (!options.allowList.allows(url)) error = 'address no longer on the allow-list';
      else {
        try {
          status = await this.post(url, notice);
          if (status < 200 || status >= 300) error = `HTTP ${status}`;
        } catch (e) {
          error = e instanceof Error ? (e.name === 'TimeoutError' ? 'timed out' : e.message) : 'failed';
        }
      }
    }
    const at = this.clock();
    if (error === null) {
      if (claimRevision !== undefined)
        await options.claims!.settle(notice.noticeId, claimRevision, 'delivered', at.getTime());
      this.sql.attempted(notice.seq, {
        state: 'DELIVERED',
        nextAttemptAt: at.getTime(),
        at: at.toISOString(),
        status,
        error: null,
      });
      options.onDelivered?.(notice, at.getTime() - Date.parse(notice.changedAt));
      return;
    }
    const failures = attempt;
    const dead = failures >= options.maxAttempts;
    if (dead && claimRevision !== undefined)
      await options.claims!.settle(notice.noticeId, claimRevision, 'dead', at.getTime());
    this.sql.attempted(notice.seq, {
      state: dead ? 'DEAD' : 'PENDING',
      nextAttemptAt: at.getTime() + backoffMs(failures, options.backoffBaseMs, options.backoffMaxMs),
      at: at.toISOString(),
      status,
      error: error.slice(0, 200),
    });
    if (dead)
      options.logger?.warn(
        { noticeId: notice.noticeId, endpointId: notice.recipient, attempts: failures },
        'webhook notice dead-lettered',
      );
  }

  private async post(url: URL, notice: NoticeRow): Promise<number> {
    const body = JSON.stringify(noticePayload(notice));
    const now = this.clock();
    const signature = new Webhook(this.options.secretOf(notice.recipient)).sign(notice.noticeId, now, body);
    const response = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pzp-registry-webhooks/1',
        'webhook-id': notice.noticeId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    // The body is not read; draining it frees the connection.
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
}
