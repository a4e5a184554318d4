/** Herbeoordelen: the plans of the caller's organisation whose review is due, one page at a time. */
import { z } from 'zod';
import { ApiError, call } from './api.js';

/** Only what the list shows: the API prices every field of every plan on the page. */
export const REVIEWS_DUE_QUERY = `query Herbeoordelen($until: LocalDate!, $first: Int, $after: String) {
  reviewsDue(until: $until, first: $first, after: $after) {
    edges { node { reviewDueOn patient { bsn name birthDate } warnings { code } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const PageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

const DuePlan = z.object({
  reviewDueOn: z.string().nullable(),
  patient: z.object({ bsn: z.string(), name: z.string(), birthDate: z.string() }),
  warnings: z.array(z.object({ code: z.string() })),
});
export type DuePlan = z.infer<typeof DuePlan>;

const ReviewsPage = z.object({
  reviewsDue: z.object({
    edges: z.array(z.object({ node: DuePlan })),
    pageInfo: PageInfo,
  }),
});

export interface Page<T> {
  readonly items: T[];
  /** Where the next page starts, or null when this was the last. */
  readonly next: string | null;
}

export const PAGE_SIZE = 20;

export async function fetchReviewsDue(
  token: string,
  until: string,
  after: string | null,
): Promise<Page<DuePlan>> {
  const parsed = ReviewsPage.safeParse(
    await call(token, REVIEWS_DUE_QUERY, { until, first: PAGE_SIZE, after }),
  );
  if (!parsed.success) throw new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');
  const { edges, pageInfo } = parsed.data.reviewsDue;
  return {
    items: edges.map((e) => e.node),
    // endCursor may lie past the last edge (plans the caller may not see); it is the way on.
    next: pageInfo.hasNextPage ? pageInfo.endCursor : null,
  };
}
