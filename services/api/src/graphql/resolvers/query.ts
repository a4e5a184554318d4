import { streamNameFor } from '@pzp/domain';
import { planAsOf } from '@pzp/projections';
import { openRecord } from '../../access/patient-access.js';
import { decideAccess } from '../../access/policy.js';
import { decodeCursor, encodeCursor, pageSize } from '../cursor.js';
import { apiError, badInput } from '../errors.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';
import { correctedChangeIds, toChange, toRecord } from './record.js';

export const Query: QueryResolvers = {
  me: (_, __, ctx) => ctx.principal.actor,

  async pzp(_, { bsn, purpose, breakGlassReason }, ctx) {
    const access = await openRecord(ctx, {
      bsn,
      action: 'READ_CURRENT',
      purpose: purpose ?? 'TREATMENT',
      breakGlassReason,
    });
    const { plan } = access;
    await access.log(plan?.version);
    if (!plan) return null;
    return toRecord(access.pseudonym, plan.version, plan.view, ctx.services.clock(), access.decision.flagged);
  },

  async pzpAsOf(_, { bsn, at, purpose }, ctx) {
    const instant = new Date(at);
    if (instant.getTime() > ctx.services.clock().getTime()) {
      throw badInput('at lies in the future: the registry cannot show what it has not held yet', ['at']);
    }
    const access = await openRecord(ctx, { bsn, action: 'READ_AS_OF', purpose: purpose ?? 'AUDIT' });
    const held = await planAsOf(ctx.services.store, streamNameFor(access.pseudonym), instant);
    await access.log(held?.version);
    if (!held) return null;
    return toRecord(access.pseudonym, held.version, held.view, instant, access.decision.flagged);
  },

  async pzpHistory(_, { bsn, first, after, purpose }, ctx) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, 'after');
    const afterRevision = cursor === undefined ? -1 : Number(cursor);
    if (!Number.isInteger(afterRevision)) throw badInput('Not a cursor from this API', ['after']);
    const access = await openRecord(ctx, { bsn, action: 'READ_HISTORY', purpose: purpose ?? 'AUDIT' });
    const page = ctx.services.queries.history(access.pseudonym, afterRevision, limit);
    await access.log(access.plan?.version);
    const corrected = correctedChangeIds(access.plan?.view);
    const edges = page.items.map((row) => ({
      cursor: encodeCursor(String(row.revision)),
      node: toChange(row, corrected),
    }));
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
  },

  async accessLog(_, { bsn, first, after }, ctx) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, 'after');
    if (cursor !== undefined && !/^\d+$/.test(cursor))
      throw badInput('Not a cursor from this API', ['after']);
    const access = await openRecord(ctx, { bsn, action: 'READ_ACCESS_LOG', purpose: 'AUDIT' });
    // Reading the log is logged too, and the reader sees that record: wait until it is projected.
    await access.log(access.plan?.version);
    const { accessLog, projector, queries } = ctx.services;
    if (accessLog.lastPosition !== undefined) await projector.waitFor(accessLog.lastPosition);
    const page = queries.accessLog(
      access.pseudonym,
      cursor === undefined ? undefined : BigInt(cursor),
      limit,
    );
    const edges = page.items.map((row) => ({
      cursor: encodeCursor(row.position.toString()),
      node: row.record,
    }));
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
  },

  async reviewsDue(_, { until, first, after }, ctx) {
    const limit = pageSize(first, 100);
    const cursor = decodeCursor(after, 'after');
    const [reviewDueOn, pseudonym] = cursor?.split('|') ?? [];
    if (cursor !== undefined && (!reviewDueOn || !pseudonym))
      throw badInput('Not a cursor from this API', ['after']);
    const { actor, clientSystem } = ctx.principal;
    const decision = decideAccess({ actor, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' }, undefined);
    if (decision.outcome === 'DENIED')
      throw apiError('FORBIDDEN', decision.message, { reason: decision.reason });

    const { queries, accessLog, clock } = ctx.services;
    const page = queries.reviewsDue(
      actor.organization.id,
      until,
      limit,
      cursor === undefined ? undefined : { reviewDueOn: reviewDueOn!, pseudonym: pseudonym! },
    );
    const plans = await ctx.loaders.plan.loadMany(page.items.map((i) => i.pseudonym));
    const now = clock();
    const edges = page.items.flatMap((item, i) => {
      const plan = plans[i];
      if (!plan || plan instanceof Error) return [];
      return [
        {
          cursor: encodeCursor(`${item.reviewDueOn}|${item.pseudonym}`),
          node: toRecord(item.pseudonym, plan.version, plan.view, now, false),
        },
      ];
    });
    // Every plan shown is a read of that patient's record (group-committed into one append).
    await Promise.all(
      edges.map((e) =>
        accessLog.record({
          pseudonym: e.node.pseudonym,
          action: 'READ_REVIEWS_DUE',
          user: actor,
          clientSystem,
          purpose: 'TREATMENT',
          outcome: 'GRANTED',
          basis: decision.basis,
          flagged: false,
          planVersion: e.node.version,
          requestId: ctx.requestId,
        }),
      ),
    );
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
  },
};
