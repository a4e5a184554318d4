import { MAX_LISTED_PER_REQUEST } from '@pzp/access';
import { decodeCursor, encodeCursor, pageSize } from '../cursor.js';
import { viaDoor } from '../door-errors.js';
import { badInput } from '../errors.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';
import { breakGlassQueries } from './break-glass.js';
import { shown } from './shown.js';

/**
 * The queries: the contract's arguments, defaults and cursors in, the door's records out. Access
 * is decided and logged by the door (ctx.records), never here.
 */
export const Query: QueryResolvers = {
  ...breakGlassQueries,

  me: (_, __, ctx) => ctx.principal.actor,

  async pzp(_, { bsn, purpose, breakGlassReason }, ctx) {
    const record = await viaDoor(
      ctx.records.current(bsn, { purpose: purpose ?? 'TREATMENT', breakGlassReason }),
    );
    return record && shown(record);
  },

  async pzpAsOf(_, { bsn, at, purpose }, ctx) {
    const record = await viaDoor(ctx.records.asOf(bsn, new Date(at), { purpose: purpose ?? 'AUDIT' }));
    return record && shown(record);
  },

  async pzpAgreedOn(_, { bsn, on, purpose }, ctx) {
    const record = await viaDoor(ctx.records.agreedOn(bsn, on, { purpose: purpose ?? 'AUDIT' }));
    return record && shown(record);
  },

  async pzpHistory(_, { bsn, first, after, purpose }, ctx) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, 'after');
    const afterRevision = cursor === undefined ? undefined : Number(cursor);
    if (afterRevision !== undefined && !Number.isInteger(afterRevision))
      throw badInput('Not a cursor from this API', ['after']);
    const page = await viaDoor(
      ctx.records.history(bsn, { after: afterRevision, limit, purpose: purpose ?? 'AUDIT' }),
    );
    const edges = page.items.map((change) => ({
      cursor: encodeCursor(String(change.revision)),
      node: change,
    }));
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
  },

  async accessLog(_, { bsn, first, after }, ctx) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, 'after');
    if (cursor !== undefined && !/^\d+$/.test(cursor))
      throw badInput('Not a cursor from this API', ['after']);
    const page = await viaDoor(
      ctx.records.accessLog(bsn, { after: cursor === undefined ? undefined : BigInt(cursor), limit }),
    );
    const edges = page.items.map((row) => ({
      cursor: encodeCursor(row.position.toString()),
      node: row.record,
    }));
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor: edges.at(-1)?.cursor ?? null } };
  },

  async reviewsDue(_, { until, first, after }, ctx) {
    const limit = pageSize(first, MAX_LISTED_PER_REQUEST);
    const cursor = decodeCursor(after, 'after');
    const [reviewDueOn, pseudonym] = cursor?.split('|') ?? [];
    if (cursor !== undefined && (!reviewDueOn || !pseudonym))
      throw badInput('Not a cursor from this API', ['after']);
    const page = await viaDoor(
      ctx.records.reviewsDue(until, {
        after: cursor === undefined ? undefined : { reviewDueOn: reviewDueOn!, pseudonym: pseudonym! },
        limit,
      }),
    );
    const position = (p: { reviewDueOn: string; pseudonym: string }) =>
      encodeCursor(`${p.reviewDueOn}|${p.pseudonym}`);
    const edges = page.items.map((item) => ({
      cursor: position({ reviewDueOn: item.reviewDueOn, pseudonym: item.record.pseudonym }),
      node: shown(item.record),
    }));
    // The next page starts after the last plan the door looked at, which may lie past the last
    // edge (plans the caller may not see are left out), or there would be no way past them.
    const endCursor = page.resumeAfter ? position(page.resumeAfter) : null;
    return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor } };
  },
};
