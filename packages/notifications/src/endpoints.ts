import { createHash, createHmac } from 'node:crypto';
import { Actor, Organization } from '@pzp/domain';
import { z } from 'zod';

/**
 * Webhook endpoints are registered as events in the event store, not in a node's own file: every
 * API node sees the same endpoints, the registration is part of the tamper-evident record, and the
 * outbox meets them in `$all` in order with the plan changes (an endpoint gets exactly the notices
 * of changes after its registration).
 *
 * One stream for all organisations: registrations are rare, and one stream gives one order.
 */
export const ENDPOINTS_STREAM = 'webhook-endpoints';
export const ENDPOINT_REGISTERED = 'WebhookEndpointRegistered';
export const ENDPOINT_REMOVED = 'WebhookEndpointRemoved';

export const EndpointRegistered = z.object({
  endpointId: z.string().regex(/^ep_[0-9a-f]{32}$/),
  organization: Organization,
  url: z.url({ protocol: /^https?$/ }).max(2000),
  registeredBy: Actor,
  registeredAt: z.iso.datetime({ offset: true }),
});
export type EndpointRegistered = z.infer<typeof EndpointRegistered>;

export const EndpointRemoved = z.object({
  endpointId: z.string().regex(/^ep_[0-9a-f]{32}$/),
  removedBy: Actor,
  removedAt: z.iso.datetime({ offset: true }),
});
export type EndpointRemoved = z.infer<typeof EndpointRemoved>;

/** An endpoint as the outbox keeps it. */
export interface Endpoint extends EndpointRegistered {
  readonly removedAt: string | null;
}

/**
 * Each endpoint's signing secret is derived from the node's deployment secret: every node of the
 * cluster signs alike without the secret being stored anywhere (not in the event store, which
 * holds the registration). Standard Webhooks format: `whsec_` and base64 of 24 random-looking bytes.
 */
export function endpointSecret(deploymentSecret: string, endpointId: string): string {
  const key = createHmac('sha256', deploymentSecret).update(`pzp-webhook-secret:${endpointId}`).digest();
  return `whsec_${key.subarray(0, 24).toString('base64')}`;
}

/**
 * The notice id (`webhook-id`) is derived from what it announces, so a notice worked out again
 * after a crash, or by another node, has the same id: a receiver can drop repeats by id.
 */
export function noticeId(endpointOrOrganization: string, streamName: string, revision: bigint): string {
  const h = createHash('sha256')
    .update(`${endpointOrOrganization}\n${streamName}\n${revision}`)
    .digest('hex');
  return `msg_${h.slice(0, 32)}`;
}
