import { MAX_LISTED_PER_REQUEST, type FlaggedAccess, type FlaggedAccessPage } from '@pzp/access';
import { decodeCursor, encodeCursor, pageSize } from '../cursor.js';
import { viaDoor } from '../door-errors.js';
import { badInput } from '../errors.js';
import type {
  BreakGlassConclusion,
  MutationResolvers,
  QueryResolvers,
  ResolversTypes,
} from '../generated/resolvers-types.js';

/**
 * The break-the-glass review: the contract's arguments in, the door's flagged accesses out. Who
 * may list and conclude, and what is access-logged, is the door's (ctx.records), never decided here.
 */
const node = (f: FlaggedAccess): ResolversTypes['BreakGlassAccess'] => ({
  id: f.record.accessId,
  patientId: f.record.pseudonym,
  access: f.record,
  review: f.review
    ? {
        conclusion: f.review.conclusion,
        note: f.review.note,
        reviewedBy: f.review.reviewedBy,
        reviewedAt: f.review.reviewedAt,
      }
    : null,
});

/** A global position, as the access log's cursors. */
function afterPosition(after: string | null | undefined): bigint | undefined {
  const cursor = decodeCursor(after, 'after');
  if (cursor !== undefined && !/^\d+$/.test(cursor)) throw badInput('Not a cursor from this API', ['after']);
  return cursor === undefined ? undefined : BigInt(cursor);
}

function connection(page: FlaggedAccessPage): ResolversTypes['BreakGlassAccessConnection'] {
  const edges = page.items.map((f) => ({ cursor: encodeCursor(f.position.toString()), node: node(f) }));
  // Past the last edge when entries were left out: the next page starts after what was looked at.
  const endCursor = page.resumeAfter === undefined ? null : encodeCursor(page.resumeAfter.toString());
  return { edges, pageInfo: { hasNextPage: page.hasMore, endCursor } };
}

export const breakGlassQueries: Pick<
  QueryResolvers,
  'breakGlassAccesses' | 'openBreakGlassReviewCount' | 'breakGlassAccessesOfMyPatients'
> = {
  async breakGlassAccesses(_, { reviewed, first, after }, ctx) {
    const limit = pageSize(first, MAX_LISTED_PER_REQUEST);
    const page = await viaDoor(
      ctx.records.breakGlassAccesses({ reviewed: reviewed ?? undefined, after: afterPosition(after), limit }),
    );
    return connection(page);
  },

  openBreakGlassReviewCount: (_, __, ctx) => viaDoor(ctx.records.openBreakGlassReviewCount()),

  async breakGlassAccessesOfMyPatients(_, { first, after }, ctx) {
    const limit = pageSize(first, MAX_LISTED_PER_REQUEST);
    const page = await viaDoor(ctx.records.breakGlassNotices({ after: afterPosition(after), limit }));
    return connection(page);
  },
};

export const breakGlassMutations: Pick<MutationResolvers, 'reviewBreakGlassAccess'> = {
  async reviewBreakGlassAccess(_, { input }, ctx) {
    const reviewed = await viaDoor(
      ctx.records.reviewBreakGlassAccess({
        accessId: input.accessId,
        conclusion: input.conclusion satisfies BreakGlassConclusion,
        note: input.note,
        expectedVersion: input.expectedVersion ?? undefined,
      }),
    );
    return node(reviewed);
  },
};
