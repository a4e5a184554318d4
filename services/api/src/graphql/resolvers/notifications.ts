import type { Endpoint, NoticeRow } from '@pzp/notifications';
import { EndpointNotFoundError, type NoticePage, type NoticeRecords } from '../../notify/records.js';
import type { RequestContext } from '../context.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursor.js';
import { viaDoor } from '../door-errors.js';
import { apiError, badInput } from '../errors.js';
import type {
  MutationResolvers,
  Notice,
  NoticeConnection,
  QueryResolvers,
  WebhookEndpoint,
} from '../generated/resolvers-types.js';

/**
 * Notices over GraphQL (issue 14): the organisation's webhook endpoints and dead letters, and the
 * auditors' record of every notice. Who may do what is decided in notify/records.ts (the access
 * policy's rows), never here.
 */
function noticesOf(ctx: RequestContext): NoticeRecords {
  if (!ctx.notices) throw apiError('NOT_FOUND', 'Notices are not served by this node');
  return ctx.notices;
}

const endpoint = (e: Endpoint): WebhookEndpoint => ({
  id: e.endpointId,
  url: e.url,
  organizationId: e.organization.id,
  registeredAt: e.registeredAt,
  removedAt: e.removedAt,
});

const notice = (n: NoticeRow): Notice => ({
  id: n.noticeId,
  channel: n.channel,
  recipient: n.recipient,
  organizationId: n.organizationId,
  patient: n.pseudonym,
  version: n.version,
  changes: [...n.kinds],
  changedAt: n.changedAt,
  state: n.state,
  attempts: n.attempts,
  lastAttemptAt: n.lastAttemptAt,
  lastStatus: n.lastStatus,
  lastError: n.lastError,
  deliveredAt: n.deliveredAt,
});

/** Cursors are the outbox's sequence numbers. */
function afterSeq(after: string | null | undefined): number {
  const cursor = decodeCursor(after, 'after');
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw badInput('Not a cursor from this API', ['after']);
  return Number(cursor);
}

function connection(page: NoticePage): NoticeConnection {
  const edges = page.items.map((n) => ({ cursor: encodeCursor(String(n.seq)), node: notice(n) }));
  return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
}

async function guarded<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof EndpointNotFoundError) throw apiError('NOT_FOUND', e.message);
    throw e;
  }
}

export const notificationQuery: QueryResolvers = {
  webhookEndpoints: (_p, _a, ctx) => viaDoor(guarded(() => noticesOf(ctx).endpoints().map(endpoint))),
  webhookDeadLetters: (_p, { first, after }, ctx) =>
    viaDoor(guarded(() => connection(noticesOf(ctx).deadLetters(afterSeq(after), pageSize(first))))),
  notices: (_p, { bsn, first, after }, ctx) =>
    viaDoor(
      guarded(async () => connection(await noticesOf(ctx).ofPatient(bsn, afterSeq(after), pageSize(first)))),
    ),
};

export const notificationMutation: MutationResolvers = {
  registerWebhookEndpoint: (_p, { url }, ctx) =>
    viaDoor(
      guarded(async () => {
        const { endpoint: e, secret } = await noticesOf(ctx).register(url);
        return { endpoint: endpoint(e), secret };
      }),
    ),
  removeWebhookEndpoint: (_p, { endpointId }, ctx) =>
    viaDoor(guarded(async () => endpoint(await noticesOf(ctx).remove(endpointId)))),
  replayWebhookDeadLetters: (_p, { noticeId }, ctx) =>
    viaDoor(guarded(() => noticesOf(ctx).replay(noticeId ?? undefined))),
};
