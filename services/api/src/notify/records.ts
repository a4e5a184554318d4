import { randomBytes } from 'node:crypto';
import { InvalidRequestError, type PatientRecords } from '@pzp/access';
import type { Actor } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import {
  ENDPOINT_REGISTERED,
  ENDPOINT_REMOVED,
  ENDPOINTS_STREAM,
  EndpointRegistered,
  EndpointRemoved,
  requireNotices,
  type Endpoint,
  type NoticeRow,
} from '@pzp/notifications';
import type { Notifications } from './node.js';

export interface NoticePage {
  readonly items: readonly NoticeRow[];
  readonly hasMore: boolean;
}

/** What one caller may do with notices: the organisation's endpoints, its dead letters, the audit. */
export interface NoticeRecords {
  endpoints(): Endpoint[];
  register(url: string): Promise<{ endpoint: Endpoint; secret: string }>;
  remove(endpointId: string): Promise<Endpoint>;
  deadLetters(afterSeq: number, limit: number): NoticePage;
  replay(noticeId: string | undefined): Promise<number>;
  /** Auditors: every notice about one patient; the read is access-logged on that patient's record. */
  ofPatient(bsn: string, afterSeq: number, limit: number): Promise<NoticePage>;
}

export class EndpointNotFoundError extends Error {
  override readonly name = 'EndpointNotFoundError';
}

const page = (rows: NoticeRow[], limit: number): NoticePage => ({
  items: rows.slice(0, limit),
  hasMore: rows.length > limit,
});

export function noticeRecords(
  n: Notifications,
  store: EventStore,
  pseudonymOf: (bsn: string) => string,
  actor: Actor,
  records: PatientRecords,
): NoticeRecords {
  const own = (e: Endpoint) => e.organization.id === actor.organization.id;

  async function append(type: string, data: unknown) {
    const result = await store.appendToStream(
      ENDPOINTS_STREAM,
      [{ id: crypto.randomUUID(), type, data, metadata: { recordedBy: actor.id } }],
      { expectedRevision: 'any' },
    );
    // Answer once this node's outbox holds it, so the organisation's next read shows it.
    await n.outbox.waitFor(result.position);
  }

  return {
    endpoints() {
      requireNotices(actor);
      return n.outbox.activeEndpoints().filter(own);
    },

    async register(url) {
      requireNotices(actor);
      const refusal = n.allowList.refusal(url);
      if (refusal !== undefined) throw new InvalidRequestError(refusal, ['url']);
      const registration = EndpointRegistered.parse({
        endpointId: `ep_${randomBytes(16).toString('hex')}`,
        organization: actor.organization,
        url,
        registeredBy: actor,
        registeredAt: n.clock().toISOString(),
      });
      await append(ENDPOINT_REGISTERED, registration);
      return {
        endpoint: { ...registration, removedAt: null },
        secret: n.secretOf(registration.endpointId),
      };
    },

    async remove(endpointId) {
      requireNotices(actor);
      const endpoint = n.outbox.endpoint(endpointId);
      if (endpoint === undefined || !own(endpoint) || endpoint.removedAt !== null)
        throw new EndpointNotFoundError('No such endpoint of this organisation');
      const removal = EndpointRemoved.parse({
        endpointId,
        removedBy: actor,
        removedAt: n.clock().toISOString(),
      });
      await append(ENDPOINT_REMOVED, removal);
      return { ...endpoint, removedAt: removal.removedAt };
    },

    deadLetters(afterSeq, limit) {
      requireNotices(actor);
      return page(n.sql.deadLetters(actor.organization.id, afterSeq, limit + 1), limit);
    },

    async replay(noticeId) {
      requireNotices(actor);
      const ids = n.sql.replay(actor.organization.id, noticeId, Date.now());
      // Other nodes learn of the replay from the notice's delivery stream (claims.ts).
      if (n.claims) for (const id of ids) await n.claims.replayed(id, Date.now());
      n.deliverer.wake();
      return ids.length;
    },

    async ofPatient(bsn, afterSeq, limit) {
      // The door decides (auditors only, as the access log) and records the read on the patient.
      await records.accessLog(bsn, { limit: 1 });
      return page(n.sql.byPatient(pseudonymOf(bsn), afterSeq, limit + 1), limit);
    },
  };
}
