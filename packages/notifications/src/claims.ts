import { WrongExpectedVersionError, type EventStore } from '@pzp/event-store';
import { z } from 'zod';

/**
 * Once per endpoint across the cluster: every API node works out the same notices (same ids) from
 * the same `$all`, so before an attempt a node claims the notice in the event store, in a stream
 * of its own, with optimistic concurrency. The first node to append the claim attempts it; the
 * others wait until its lease ends and read what became of it (delivered, dead-lettered, or the
 * lease ran out: a node that crashed mid-delivery is taken over, with the same webhook-id).
 *
 * Only for a shared store (EventStoreDB): the embedded store is one process by design, and a
 * claim per delivery would only add two events per notice to it.
 */
export const DELIVERY_STREAM_PREFIX = 'webhook-delivery-';
const CLAIMED = 'WebhookDeliveryClaimed';
const DELIVERED = 'WebhookDelivered';
const DEAD = 'WebhookDeadLettered';
const REPLAYED = 'WebhookReplayed';

const Claim = z.object({ node: z.string(), until: z.number(), attempt: z.number().int().min(1) });

export type ClaimOutcome =
  | { readonly kind: 'mine'; readonly attempt: number; readonly revision: bigint }
  | { readonly kind: 'delivered'; readonly node: string }
  | { readonly kind: 'dead'; readonly node: string }
  /** Another node holds the lease until `until` (epoch ms): look again then. */
  | { readonly kind: 'busy'; readonly until: number };

export interface DeliveryClaims {
  claim(noticeId: string, now: number): Promise<ClaimOutcome>;
  settle(noticeId: string, revision: bigint, outcome: 'delivered' | 'dead', now: number): Promise<void>;
  replayed(noticeId: string, now: number): Promise<void>;
}

export function storeClaims(store: EventStore, nodeId: string, leaseMs: number): DeliveryClaims {
  const stream = (noticeId: string) => `${DELIVERY_STREAM_PREFIX}${noticeId}`;
  const event = (type: string, data: unknown) => ({
    id: crypto.randomUUID(),
    type,
    data,
    metadata: { node: nodeId },
  });

  return {
    async claim(noticeId, now) {
      const events = await store.readStream(stream(noticeId));
      const last = events.at(-1);
      const node = (e: { data: unknown }) => String((e.data as { node?: unknown }).node ?? '');
      if (last?.type === DELIVERED) return { kind: 'delivered', node: node(last) };
      if (last?.type === DEAD) return { kind: 'dead', node: node(last) };
      if (last?.type === CLAIMED) {
        const claim = Claim.parse(last.data);
        if (claim.until > now && claim.node !== nodeId) return { kind: 'busy', until: claim.until };
      }
      // Attempts since the organisation last replayed it (a replay starts the count again).
      const sinceReplay = events.slice(events.findLastIndex((e) => e.type === REPLAYED) + 1);
      const attempt = sinceReplay.filter((e) => e.type === CLAIMED).length + 1;
      try {
        const result = await store.appendToStream(
          stream(noticeId),
          [event(CLAIMED, { node: nodeId, until: now + leaseMs, attempt })],
          { expectedRevision: last === undefined ? 'no_stream' : last.revision },
        );
        return { kind: 'mine', attempt, revision: result.nextExpectedRevision };
      } catch (e) {
        // Another node claimed it a moment before: its lease decides.
        if (e instanceof WrongExpectedVersionError) return { kind: 'busy', until: now + leaseMs };
        throw e;
      }
    },

    async settle(noticeId, revision, outcome, now) {
      try {
        await store.appendToStream(
          stream(noticeId),
          [event(outcome === 'delivered' ? DELIVERED : DEAD, { node: nodeId, at: now })],
          // Delivered is a fact whoever holds the lease now; giving up is only the holder's call.
          { expectedRevision: outcome === 'delivered' ? 'any' : revision },
        );
      } catch (e) {
        if (!(e instanceof WrongExpectedVersionError)) throw e;
      }
    },

    async replayed(noticeId, now) {
      await store.appendToStream(stream(noticeId), [event(REPLAYED, { node: nodeId, at: now })], {
        expectedRevision: 'any',
      });
    },
  };
}
