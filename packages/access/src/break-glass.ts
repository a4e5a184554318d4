/**
 * The break-the-glass review through the door (NEN 7513): auditors list the flagged access records
 * and conclude on each, and the patient's regiebehandelaar learns of each break-the-glass read of
 * their patient. Policy first, as every door method; the read models are read only here.
 *
 * What is access-logged, and why: a flagged access record says who read which patient's record,
 * so showing it is showing audit data about that patient. Each list logs one record per patient it
 * shows (as the reviews-due list does), and a conclusion logs one for its patient. The open count
 * names no patient and is not logged. Refusals of the lists and of a conclusion are decided before
 * any patient is looked up, so there is no patient's log to put them in (as for reviews due).
 */
import { randomUUID } from 'node:crypto';
import { VersionConflictError } from '@pzp/application';
import {
  BREAK_GLASS_REVIEW_EVENT_TYPE,
  BreakGlassAccessReviewed,
  breakGlassReviewStreamName,
  CURRENT_SCHEMA_VERSION,
  decideBreakGlassReview,
  DomainError,
  evolveBreakGlassReview,
  initialBreakGlassReviewState,
  ReviewBreakGlassAccess,
  type AccessAction,
  type AccessPurpose,
  type AccessRecord,
  type BreakGlassReview,
} from '@pzp/domain';
import { readVerifiedStream, WrongExpectedVersionError } from '@pzp/event-store';
import type { FlaggedAccessRow, Page } from '@pzp/projections';
import type { Caller, RecordDoor } from './door.js';
import { AccessDeniedError, InvalidRequestError } from './errors.js';
import { createPlanLoader } from './plan-loader.js';
import { decideAccess, decideBreakGlassNotice, factsFromView } from './policy.js';

/** A flagged access record, and the auditor's conclusion once there is one. */
export interface FlaggedAccess {
  readonly position: bigint;
  readonly record: AccessRecord;
  /** Always undefined on the regiebehandelaar's list: conclusions are the auditors' work. */
  readonly review: BreakGlassReview | undefined;
}

export interface FlaggedAccessPage extends Page<FlaggedAccess> {
  /** Where the next page starts (may lie past the last item: entries left out). */
  readonly resumeAfter: bigint | undefined;
}

export interface BreakGlassReviewRecords {
  /** Flagged access records, oldest first: all, open (`reviewed` false) or concluded (true). Auditors only. */
  breakGlassAccesses(options: {
    readonly reviewed?: boolean | undefined;
    readonly after?: bigint | undefined;
    readonly limit: number;
  }): Promise<FlaggedAccessPage>;
  /** How many flagged access records await a conclusion. Auditors only. */
  openBreakGlassReviewCount(): Promise<number>;
  /**
   * Records an auditor's conclusion on one flagged access. `expectedVersion` is the review
   * stream's revision the caller saw: omitted or -1, no conclusion yet; a conclusion is final, so
   * any other expectation conflicts (VersionConflictError) or is refused.
   */
  reviewBreakGlassAccess(input: {
    readonly accessId: string;
    readonly conclusion: string;
    readonly note: string;
    readonly expectedVersion?: number | undefined;
  }): Promise<FlaggedAccess>;
  /** Granted break-the-glass reads of the patients the caller's organisation is regiebehandelaar for. */
  breakGlassNotices(options: {
    readonly after?: bigint | undefined;
    readonly limit: number;
  }): Promise<FlaggedAccessPage>;
}

const AccessId = ReviewBreakGlassAccess.shape.accessId;
/** Pages read per request at most when the regiebehandelaar's list leaves entries out. */
const MAX_LIST_READS = 5;

export function openBreakGlassReview(
  door: RecordDoor,
  caller: Caller,
  /** Takes `limit` from the request's budget of listed patients; throws when it is spent. */
  reserveListed: (limit: number) => void,
): BreakGlassReviewRecords {
  const { store, queries, projector, accessLog, clock } = door;
  const { actor } = caller;

  function authorize(action: AccessAction, purpose: AccessPurpose) {
    const decision = decideAccess({ actor, action, purpose }, undefined);
    if (decision.outcome === 'DENIED') throw new AccessDeniedError(decision.reason, decision.message);
    return decision;
  }

  /** This node's own access records (a break of the glass a moment ago) are in the read models. */
  async function caughtUpWithOwnRecords() {
    if (accessLog.lastPosition !== undefined) await projector.waitFor(accessLog.lastPosition);
  }

  const logShown = (
    pseudonyms: Iterable<string>,
    entry: Pick<AccessRecord, 'action' | 'purpose' | 'basis'> & { planVersion?: number | undefined },
  ) =>
    Promise.all(
      [...new Set(pseudonyms)].map((pseudonym) =>
        accessLog.record({
          pseudonym,
          ...entry,
          user: actor,
          clientSystem: caller.clientSystem,
          outcome: 'GRANTED',
          flagged: false,
          requestId: caller.requestId,
        }),
      ),
    );

  const asFlagged = (row: FlaggedAccessRow): FlaggedAccess => ({
    position: row.position,
    record: row.record,
    review: row.review,
  });

  return {
    async breakGlassAccesses({ reviewed, after, limit }) {
      const decision = authorize('READ_BREAK_GLASS_ACCESSES', 'AUDIT');
      reserveListed(limit);
      await caughtUpWithOwnRecords();
      const page = queries.flaggedAccesses(reviewed, after, limit);
      if (decision.outcome === 'GRANTED') {
        await logShown(
          page.items.map((i) => i.record.pseudonym),
          { action: 'READ_BREAK_GLASS_ACCESSES', purpose: 'AUDIT', basis: decision.basis },
        );
      }
      return {
        items: page.items.map(asFlagged),
        hasMore: page.hasMore,
        resumeAfter: page.items.at(-1)?.position ?? after,
      };
    },

    async openBreakGlassReviewCount() {
      authorize('READ_BREAK_GLASS_ACCESSES', 'AUDIT');
      await caughtUpWithOwnRecords();
      return queries.openBreakGlassReviewCount();
    },

    async reviewBreakGlassAccess({ accessId, conclusion, note, expectedVersion }) {
      const decision = authorize('REVIEW_BREAK_GLASS_ACCESS', 'AUDIT');
      if (!AccessId.safeParse(accessId).success)
        throw new InvalidRequestError('Not an access id', ['input', 'accessId']);
      const expected = expectedVersion ?? -1;
      if (!Number.isInteger(expected) || expected < -1)
        throw new InvalidRequestError('expectedVersion is -1 or a stream revision', [
          'input',
          'expectedVersion',
        ]);
      await caughtUpWithOwnRecords();
      const flagged = queries.flaggedAccess(accessId);
      if (flagged === undefined) throw new DomainError('NOT_FOUND', 'No flagged access with this id');

      const streamName = breakGlassReviewStreamName(accessId);
      const state = (await readVerifiedStream(store, streamName))
        .map((e) => BreakGlassAccessReviewed.parse({ type: e.type, data: e.data }))
        .reduce(evolveBreakGlassReview, initialBreakGlassReviewState);
      if (state.version !== expected) throw new VersionConflictError(expected, state.version);
      const now = clock().toISOString();
      const events = decideBreakGlassReview(
        { data: { accessId, conclusion, note }, metadata: { actor, now } },
        state,
        { accessId, flagged: flagged.record.flagged },
      );
      let position: bigint;
      try {
        ({ position } = await store.appendToStream(
          streamName,
          events.map((e) => ({
            id: randomUUID(),
            type: BREAK_GLASS_REVIEW_EVENT_TYPE,
            data: e.data,
            metadata: {
              schemaVersion: CURRENT_SCHEMA_VERSION,
              recordedAt: now,
              sourceSystem: caller.clientSystem,
              correlationId: caller.requestId,
            },
          })),
          { expectedRevision: state.version < 0 ? 'no_stream' : BigInt(state.version) },
        ));
      } catch (e) {
        // Another auditor concluded between our read and our write.
        if (e instanceof WrongExpectedVersionError)
          throw new VersionConflictError(expected, e.actual === 'no_stream' ? -1 : Number(e.actual));
        throw e;
      }
      await projector.waitFor(position);
      await logShown([flagged.record.pseudonym], {
        action: 'REVIEW_BREAK_GLASS_ACCESS',
        purpose: 'AUDIT',
        basis: decision.outcome === 'GRANTED' ? decision.basis : 'AUDITOR',
      });
      return asFlagged(queries.flaggedAccess(accessId)!);
    },

    async breakGlassNotices({ after, limit }) {
      authorize('READ_BREAK_GLASS_NOTICES', 'TREATMENT');
      reserveListed(limit);
      await caughtUpWithOwnRecords();
      const plans = createPlanLoader(queries);
      const shown: { item: FlaggedAccess; planVersion: number }[] = [];
      let position = after;
      let hasMore = true;
      // The read model offers the rows of the organisation's patients; the policy decides each on
      // the plan as it is now (the role may have passed on since the row was written).
      for (let reads = 0; shown.length < limit && hasMore && reads < MAX_LIST_READS; reads++) {
        const page = queries.breakGlassNotices(
          actor.organization.id,
          actor.id,
          position,
          limit - shown.length,
        );
        const rows = await plans.loadMany(page.items.map((i) => i.record.pseudonym));
        page.items.forEach((row, i) => {
          const plan = rows[i];
          if (!plan || plan instanceof Error) return;
          if (decideBreakGlassNotice(actor, factsFromView(plan.view)).outcome === 'DENIED') return;
          shown.push({ item: { ...asFlagged(row), review: undefined }, planVersion: plan.version });
        });
        hasMore = page.hasMore;
        position = page.items.at(-1)?.position ?? position;
      }
      const versions = new Map(shown.map((s) => [s.item.record.pseudonym, s.planVersion]));
      await Promise.all(
        [...versions].map(([pseudonym, planVersion]) =>
          logShown([pseudonym], {
            action: 'READ_BREAK_GLASS_NOTICES',
            purpose: 'TREATMENT',
            basis: 'REGIEBEHANDELAAR',
            planVersion,
          }),
        ),
      );
      return { items: shown.map((s) => s.item), hasMore, resumeAfter: position };
    },
  };
}
