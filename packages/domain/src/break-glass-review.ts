import { z } from 'zod';
import { DomainError } from './decide.js';
import { freeText } from './free-text.js';
import { Stored, type Actor } from './model.js';
import { Instant } from './time.js';

/**
 * The review of a flagged (break-the-glass) access that NEN 7513 asks for: an auditor looks at
 * each flagged access record and concludes whether it was justified, with a note. The conclusion
 * is an event in a stream of its own per access (`btgreview-<accessId>`), so one conclusion per
 * access is enforced by the store's optimistic concurrency: two auditors concluding at once get one
 * conclusion and one CONFLICT. A conclusion is final: amending it would need its own audit trail
 * (who changed whose conclusion, why), which nobody has asked for; a wrong conclusion is a matter
 * for the privacy officer, outside the registry.
 */
export const BREAK_GLASS_CONCLUSIONS = ['JUSTIFIED', 'NOT_JUSTIFIED'] as const;
export type BreakGlassConclusion = (typeof BREAK_GLASS_CONCLUSIONS)[number];

export const BREAK_GLASS_REVIEW_EVENT_TYPE = 'BreakGlassAccessReviewed';
export const BREAK_GLASS_REVIEW_STREAM_PREFIX = 'btgreview-';

/** Named by the access id only: no patient, no person in the stream's name. */
export const breakGlassReviewStreamName = (accessId: string): string =>
  `${BREAK_GLASS_REVIEW_STREAM_PREFIX}${accessId}`;

/** The longest note a conclusion holds. */
export const MAX_REVIEW_NOTE = 4000;
/** A note must say something: as many visible characters as a break-the-glass reason. */
export const MIN_REVIEW_NOTE = 10;

/** What an auditor sends: checked with the domain's free-text rules. */
export const ReviewBreakGlassAccess = z.object({
  accessId: z.uuid(),
  conclusion: z.enum(BREAK_GLASS_CONCLUSIONS),
  note: freeText({ max: MAX_REVIEW_NOTE, min: MIN_REVIEW_NOTE, multiline: true }),
});
export type ReviewBreakGlassAccessInput = z.input<typeof ReviewBreakGlassAccess>;

// Stored: read with the rules it was written under.
export const BreakGlassAccessReviewed = z.object({
  type: z.literal(BREAK_GLASS_REVIEW_EVENT_TYPE),
  data: z.object({
    accessId: z.uuid(),
    conclusion: z.enum(BREAK_GLASS_CONCLUSIONS),
    note: Stored.Text,
    reviewedBy: Stored.Actor,
    reviewedAt: Instant,
  }),
});
export type BreakGlassReviewEvent = z.infer<typeof BreakGlassAccessReviewed>;
export type BreakGlassReview = BreakGlassReviewEvent['data'];

export const parseBreakGlassReview = (data: unknown): BreakGlassReview =>
  BreakGlassAccessReviewed.shape.data.parse(data);

/** One access's review stream folded: its revision (-1: none) and the conclusion, if any. */
export interface BreakGlassReviewState {
  readonly version: number;
  readonly review: BreakGlassReview | undefined;
}

export const initialBreakGlassReviewState: BreakGlassReviewState = { version: -1, review: undefined };

export function evolveBreakGlassReview(
  state: BreakGlassReviewState,
  event: BreakGlassReviewEvent,
): BreakGlassReviewState {
  return { version: state.version + 1, review: event.data };
}

/** The access record under review, as far as the rules need it. */
export interface ReviewedAccess {
  readonly accessId: string;
  readonly flagged: boolean;
}

export interface ReviewCommand {
  readonly data: unknown;
  readonly metadata: { readonly actor: Actor; readonly now: string };
}

/**
 * Decides a conclusion. Who may review (auditors only) is the access policy's to decide, before
 * this runs; here are the rules of the review itself.
 */
export function decideBreakGlassReview(
  command: ReviewCommand,
  state: BreakGlassReviewState,
  access: ReviewedAccess,
): BreakGlassReviewEvent[] {
  const parsed = ReviewBreakGlassAccess.safeParse(command.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError('INVALID', issue.message, issue.path as (string | number)[]);
  }
  const { accessId, conclusion, note } = parsed.data;
  if (accessId !== access.accessId)
    throw new DomainError('INVALID', 'Not the access under review', ['accessId']);
  if (!access.flagged) {
    throw new DomainError('INVALID', 'Only flagged accesses are reviewed', ['accessId']);
  }
  if (state.review !== undefined) {
    throw new DomainError('INVALID', 'This access has been concluded already; a conclusion is final', [
      'accessId',
    ]);
  }
  return [
    {
      type: BREAK_GLASS_REVIEW_EVENT_TYPE,
      data: {
        accessId,
        conclusion,
        note,
        reviewedBy: command.metadata.actor,
        reviewedAt: command.metadata.now,
      },
    },
  ];
}
