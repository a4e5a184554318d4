/**
 * The one door to patients' records. Every front end (GraphQL, FHIR, the web app through GraphQL)
 * asks {@link openRecords} for the records of one caller and gets plain data back; it never
 * touches the event store, the read models or the projector itself. Each method applies the
 * access policy and writes the NEN 7513 access record: a refusal before refusing, a grant before
 * the answer is handed back (once the record is durable), so no front end can show a record
 * without its access record, or decide access on its own.
 */
import {
  AccessRecorded,
  amsterdamDate,
  DomainError,
  LocalDate,
  freeText,
  streamNameFor,
  visibleLength,
  type AccessAction,
  type AccessPurpose,
  type Actor,
  type CommandType,
  type PlanView,
  type PzpCommand,
} from '@pzp/domain';
import {
  handleCommand,
  planAgreedOn,
  planAsOf,
  planHistory,
  type HistoryEntry,
  type RecentPlanStates,
} from '@pzp/application';
import { BrokenChainError, type EventStore } from '@pzp/event-store';
import {
  StreamQuarantinedError,
  type AccessLogRow,
  type CurrentPlanRow,
  type DestroyedRecordRow,
  type Page,
  type Projector,
  type Queries,
} from '@pzp/projections';
import type { AccessLogWriter } from './access-log.js';
import { openBreakGlassReview, type BreakGlassReviewRecords } from './break-glass.js';
import {
  AccessDeniedError,
  InvalidRequestError,
  RecordDestroyedError,
  RecordUnavailableError,
} from './errors.js';
import { createPlanLoader, type PlanLoader } from './plan-loader.js';
import { decideAccess, decideListedPlan, factsFromView, type AccessDecision } from './policy.js';
import type { Clock } from './time.js';

/** The node's parts the door works with, shared by all requests. */
export interface RecordDoor {
  readonly store: EventStore;
  readonly queries: Pick<
    Queries,
    | 'currentPlan'
    | 'currentPlans'
    | 'accessLog'
    | 'reviewsDue'
    | 'quarantine'
    | 'flaggedAccesses'
    | 'flaggedAccess'
    | 'openBreakGlassReviewCount'
    | 'breakGlassNotices'
    | 'destroyedRecord'
  >;
  readonly projector: Pick<Projector, 'waitFor' | 'waitForStream' | 'reportBrokenChain' | 'quarantineOf'>;
  readonly accessLog: Pick<AccessLogWriter, 'record' | 'lastPosition'>;
  readonly clock: Clock;
  /** BSN to pseudonym (keyed hash): the only use of the BSN inside the door. */
  readonly pseudonymOf: (bsn: string) => string;
  /** Where a change leaves the plan state it was decided on, for the projector and outbox (RecentPlanStates). */
  readonly recentStates?: RecentPlanStates | undefined;
}

/** Who asks, from the verified token, and the request the access records name. */
export interface Caller {
  readonly actor: Actor;
  readonly clientSystem: string;
  readonly requestId: string;
}

/** A patient named by the pseudonym the registry gave out (a FHIR Patient's logical id). */
export interface PatientByPseudonym {
  readonly pseudonym: string;
}

/** One plan as shown to the caller. */
export interface PlanRecord {
  readonly pseudonym: string;
  /** The stream revision the view reflects (for optimistic concurrency). */
  readonly version: number;
  /**
   * The plan's view as the events make it, without the warnings that depend on the date
   * (REVIEW_OVERDUE): the front end judges those once, at `asOf` in Amsterdam time
   * (`withTimeWarnings(view, amsterdamDateAt(asOf))`), the same way for every kind of record.
   */
  readonly view: PlanView;
  /** The instant the record reflects: now for the current plan, the instant asked for as-of. */
  readonly asOf: Date;
  /** Shown by breaking the glass: the access is flagged for review. */
  readonly accessFlagged: boolean;
}

/** One change of a plan's history, and whether a later correction marked it entered in error. */
export type ChangeRecord = HistoryEntry & { readonly enteredInError: boolean };

export interface ChangeResult {
  /** The plan version (stream revision) after the change. */
  readonly version: number;
  /**
   * The plan as it is after the change, from this node's read models (read-your-writes); null when
   * the change leaves no current plan (the record was voided: entered on the wrong patient).
   */
  readonly record: PlanRecord | null;
  /** Set when the change destroyed the record (DestroyRecord): what is left of it. */
  readonly destroyed?: DestroyedRecordRow | undefined;
  /** The changes this command made, in order. */
  readonly changes: readonly ChangeRecord[];
}

export interface ReviewDue {
  /** The review date the list is ordered by (with the pseudonym, the position in the list). */
  readonly reviewDueOn: string;
  readonly record: PlanRecord;
}

/** A position in the reviews-due list: the review date, then the pseudonym. */
export interface ReviewsDuePosition {
  readonly reviewDueOn: string;
  readonly pseudonym: string;
}

export interface ReviewsDuePage extends Page<ReviewDue> {
  /**
   * Where the next page starts: the last plan this page looked at, which is not the last plan it
   * shows when the plans after that one were left out (the caller may not see them). Undefined
   * when the list held nothing after `after`.
   */
  readonly resumeAfter: ReviewsDuePosition | undefined;
}

export type { AccessLogRow, Page };

/**
 * The records of one caller: the only way a front end gets patient data. Every method applies the
 * access policy and writes the access record; errors are the door's own (errors.ts), or the
 * domain's DomainError and the write path's VersionConflictError, which pass through.
 */
export interface PatientRecords extends BreakGlassReviewRecords {
  /**
   * The current plan, or null when the registry holds none (not an error). The patient is named
   * by BSN, or by the pseudonym a front end handed out as the patient's logical id (FHIR), so that
   * a client holding that id never needs to send the BSN again.
   */
  current(
    patient: string | PatientByPseudonym,
    options: { readonly purpose: AccessPurpose; readonly breakGlassReason?: string | null | undefined },
  ): Promise<PlanRecord | null>;
  /**
   * The plan exactly as the registry held it at `at` (not in the future); null when there was none.
   * By BSN or pseudonym, as `current`.
   */
  asOf(
    patient: string | PatientByPseudonym,
    at: Date,
    options: { readonly purpose: AccessPurpose },
  ): Promise<PlanRecord | null>;
  /**
   * The plan as agreed on a date (valid time: every change agreed on or before `on`, by its own
   * decision date, as the registry knows it now), not after today; null when nothing was agreed by
   * then. Its policy and access record are those of `asOf` (action READ_AS_OF).
   */
  agreedOn(
    patient: string | PatientByPseudonym,
    on: string,
    options: { readonly purpose: AccessPurpose },
  ): Promise<PlanRecord | null>;
  /** Every change, oldest first, after the revision `after` (omitted: from the start). */
  history(
    bsn: string,
    options: { readonly after?: number | undefined; readonly limit: number; readonly purpose: AccessPurpose },
  ): Promise<Page<ChangeRecord>>;
  /**
   * Who looked at the record, oldest first, after the global position `after`. Reading it is logged
   * too. By BSN or pseudonym, as `current`.
   */
  accessLog(
    patient: string | PatientByPseudonym,
    options: { readonly after?: bigint | undefined; readonly limit: number },
  ): Promise<Page<AccessLogRow>>;
  /**
   * Plans of the caller's organisation whose review date lies before `until`, each shown only when
   * the caller may read that plan (the policy as for `current`); one access record per plan shown.
   * At most {@link MAX_LISTED_PER_REQUEST} plans per request, in one call or several.
   */
  reviewsDue(
    until: string,
    options: { readonly after?: ReviewsDuePosition | undefined; readonly limit: number },
  ): Promise<ReviewsDuePage>;
  /**
   * Decides and appends one command with the caller's expected version (omitted: the caller
   * expects no plan yet, so a second "first conversation" is a conflict, not a merge), waits until
   * this node's read models include it, and returns the plan as it now is with the changes made.
   */
  change<T extends CommandType>(
    patient: string | PatientByPseudonym,
    command: {
      readonly expectedVersion?: number | undefined;
      readonly type: T;
      /**
       * The command's data; the domain's zod schema for `type` checks every field. A function is
       * given the plan as this node holds it (null: none) and the patient's pseudonym, for a command made from a document that
       * restates the plan (the national form names the same representative again).
       */
      readonly data: unknown | ((current: PlanView | null, pseudonym: string) => unknown);
    },
  ): Promise<ChangeResult>;
}

/** The longest break-the-glass reason an access record holds. */
const MAX_REASON = AccessRecorded.shape.data.shape.breakGlassReason.unwrap().maxLength ?? 4000;

/**
 * The break-the-glass reason as the caller typed it: free text by the domain's rules (NFC, no
 * control characters, at most what a record holds). Its minimum is the policy's: a reason too
 * short, or with nothing visible, is a refused break-glass attempt, logged and flagged.
 */
const BreakGlassReason = freeText({ max: MAX_REASON, min: 0, multiline: true });

/**
 * The most plans one request may list (the reviews due), in one call or several: one page. With
 * the one patient a request may open (see openRecords) this bounds what one request can show and
 * how many access records it writes, however many aliases it holds.
 */
export const MAX_LISTED_PER_REQUEST = 100;

/** How often a list reads on to fill its page when the policy leaves plans out (bounds the work). */
const MAX_LIST_READS = 5;

/** The reason for a refusal of a request that asks for more patients than it may open. */
const TOO_MANY_PATIENTS = 'TOO_MANY_PATIENTS';
const ONE_PATIENT_PER_REQUEST =
  "One request opens one patient's record; ask for another patient in a request of its own";

/** What door.pseudonymOf makes (a hex HMAC-SHA256), and the access record requires. */
const PSEUDONYM = /^[0-9a-f]{64}$/;

/** The access record's basis for an attempt on a quarantined record (nothing was shown). */
const RECORD_UNAVAILABLE = 'RECORD_UNAVAILABLE';
/** The access record's basis for an attempt on a lawfully destroyed record (nothing was shown). */
const RECORD_DESTROYED = 'RECORD_DESTROYED';

interface OpenRequest {
  readonly action: AccessAction;
  readonly purpose: AccessPurpose;
  readonly breakGlassReason?: string | null | undefined;
  /** Whether a quarantined record is refused (the plan's reads and writes) or not (its access log). */
  readonly refuseQuarantined: boolean;
}

interface Opened {
  readonly pseudonym: string;
  /** The current plan, when there is one. */
  readonly plan: CurrentPlanRow | undefined;
  readonly decision: Extract<AccessDecision, { outcome: 'GRANTED' }>;
  /** Appends the access record of the grant; resolves once it is durable. */
  readonly log: (planVersion: number | undefined) => Promise<void>;
  /** Appends the access record of a refusal after the grant (a domain rule's); resolves once durable. */
  readonly deny: (basis: string) => Promise<void>;
}

/** The stated reason, checked as free text; undefined when none was given or nothing in it is visible. */
function statedReason(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const parsed = BreakGlassReason.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `breakGlassReason: ${parsed.error.issues[0]?.message ?? 'not valid text'}`,
      ['breakGlassReason'],
    );
  }
  return visibleLength(parsed.data) > 0 ? parsed.data : undefined;
}

const asRecord = (
  row: { readonly pseudonym: string; readonly version: number; readonly view: PlanView },
  asOf: Date,
  accessFlagged: boolean,
): PlanRecord => ({
  pseudonym: row.pseudonym,
  version: row.version,
  view: row.view,
  asOf,
  accessFlagged,
});

/** Marks the changes out of the plan: those marked in error, and all a conversation in error took with it. */
const withCorrections = (rows: readonly HistoryEntry[], view: PlanView | undefined): ChangeRecord[] => {
  const corrected = new Set(view?.corrections.flatMap((c) => [c.changeId, ...c.cascadedChangeIds]) ?? []);
  return rows.map((row) => ({ ...row, enteredInError: corrected.has(row.changeId) }));
};

/**
 * What one request has opened so far. The door's steps below are functions of it rather than
 * closures made anew for every request: a request builds this object and the records' methods.
 */
interface RequestState {
  readonly door: RecordDoor;
  readonly caller: Caller;
  /** Made on first use: a request that reads no plan never builds one. */
  loader: PlanLoader | undefined;
  /** The one patient this request opened (or tried to), by pseudonym. */
  openedPatient: string | undefined;
  /** How many more plans this request may list. */
  listable: number;
  /** The break-glass reviews' part of the records, made when first asked for. */
  reviews: BreakGlassReviewRecords | undefined;
}

const plansOf = (state: RequestState): PlanLoader => (state.loader ??= createPlanLoader(state.door.queries));

/** Takes `limit` plans from what this request may still list (before the first await of a list). */
function reserveListed(state: RequestState, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED_PER_REQUEST) {
    throw new InvalidRequestError(`limit must be between 1 and ${MAX_LISTED_PER_REQUEST}`, ['limit']);
  }
  if (limit > state.listable) {
    throw new AccessDeniedError(
      TOO_MANY_PATIENTS,
      `One request lists at most ${MAX_LISTED_PER_REQUEST} plans; ask for the next page in a request of its own`,
    );
  }
  state.listable -= limit;
}

const reviewsOf = (state: RequestState): BreakGlassReviewRecords =>
  (state.reviews ??= openBreakGlassReview(state.door, state.caller, (limit) => reserveListed(state, limit)));

/**
 * The plan row, or none; a missing row is checked against the event store, because a row is
 * missing both when there is no plan and when this node's read models have not applied the
 * patient's first events yet (another node wrote them a moment ago). Answering "no plan" then
 * would be wrong, and deciding access on it would grant NEW_PATIENT to anyone: so read the
 * stream's last event (one cheap read) and, when there is one, wait until the read models
 * include it.
 */
async function planOf(
  state: RequestState,
  pseudonym: string,
): Promise<{ plan: CurrentPlanRow | undefined; quarantined: boolean }> {
  const { store, projector } = state.door;
  const plans = plansOf(state);
  const plan = await plans.load(pseudonym);
  const streamName = streamNameFor(pseudonym);
  if (projector.quarantineOf(streamName) !== undefined) return { plan, quarantined: true };
  if (plan) return { plan, quarantined: false };
  const [head] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
  if (head === undefined) return { plan: undefined, quarantined: false };
  let quarantined = false;
  try {
    await projector.waitForStream(streamName, Number(head.revision));
  } catch (e) {
    if (!(e instanceof StreamQuarantinedError)) throw e;
    quarantined = true;
  }
  plans.clear(pseudonym);
  return { plan: await plans.load(pseudonym), quarantined };
}

/** Appends the access record of one attempt on `pseudonym`'s record; resolves once it is durable. */
async function logAccess(
  state: RequestState,
  pseudonym: string,
  request: OpenRequest,
  breakGlassReason: string | undefined,
  outcome: 'GRANTED' | 'DENIED',
  basis: string,
  flagged: boolean,
  planVersion?: number,
): Promise<void> {
  const { caller } = state;
  await state.door.accessLog.record({
    pseudonym,
    action: request.action,
    user: caller.actor,
    clientSystem: caller.clientSystem,
    purpose: request.purpose,
    outcome,
    basis,
    breakGlassReason,
    flagged,
    planVersion,
    requestId: caller.requestId,
  });
}

/**
 * Applies the access policy to the patient's current plan; writes the access record of a
 * refusal before refusing, and hands a granted caller the means to log what it showed.
 */
async function open(
  state: RequestState,
  patient: string | PatientByPseudonym,
  request: OpenRequest,
): Promise<Opened> {
  const { door, caller } = state;
  const pseudonym = typeof patient === 'string' ? door.pseudonymOf(patient) : patient.pseudonym;
  // Only a pseudonym's shape can name a stream: anything else is no patient's record.
  if (typeof patient !== 'string' && !PSEUDONYM.test(pseudonym))
    throw new InvalidRequestError('Not a patient id', ['patient']);
  // Bad text (control characters, longer than an access record holds) is bad input, refused up
  // front like any malformed argument: no record was asked for yet, so nothing is logged.
  const breakGlassReason = statedReason(request.breakGlassReason);
  const refused = (basis: string, flagged: boolean, planVersion?: number) =>
    logAccess(state, pseudonym, request, breakGlassReason, 'DENIED', basis, flagged, planVersion);
  // Claimed before the first await: of the concurrent reads of one request (aliases), the first
  // to start opens its patient and the others are refused, whatever order their reads finish in.
  state.openedPatient ??= pseudonym;
  if (state.openedPatient !== pseudonym) {
    await refused(TOO_MANY_PATIENTS, true);
    throw new AccessDeniedError(TOO_MANY_PATIENTS, ONE_PATIENT_PER_REQUEST);
  }
  const { plan, quarantined } = await planOf(state, pseudonym);
  const decision = decideAccess(
    { actor: caller.actor, action: request.action, purpose: request.purpose, breakGlassReason },
    plan ? factsFromView(plan.view) : undefined,
  );
  if (decision.outcome === 'DENIED') {
    // A refused break-glass attempt is flagged too.
    await refused(decision.reason, request.purpose === 'BREAK_THE_GLASS');
    throw new AccessDeniedError(decision.reason, decision.message);
  }
  // A caller who may see the record learns that it cannot be shown now (one who may not learns
  // only the refusal above); the attempt is logged as refused, since nothing was shown.
  if (quarantined && request.refuseQuarantined) {
    await refused(RECORD_UNAVAILABLE, decision.flagged);
    throw new RecordUnavailableError();
  }
  // Destroyed: told to whoever may learn that there is no plan (the policy above decided it on
  // no facts, as for none); its access log is still there for the auditor.
  const destroyed = plan === undefined ? door.queries.destroyedRecord(pseudonym) : undefined;
  if (destroyed !== undefined && request.refuseQuarantined) {
    await refused(RECORD_DESTROYED, decision.flagged, destroyed.version);
    throw new RecordDestroyedError(destroyed);
  }
  return {
    pseudonym,
    plan,
    decision,
    log(planVersion) {
      return logAccess(
        state,
        pseudonym,
        request,
        breakGlassReason,
        'GRANTED',
        decision.basis,
        decision.flagged,
        planVersion,
      );
    },
    deny: (basis) => refused(basis, decision.flagged),
  };
}

/**
 * A stream folded straight from the store that fails its hash chain: quarantined on this node
 * (with the projector's alarm), the attempt logged as refused, nothing of it shown. Anything else
 * is rethrown as it is.
 */
async function refuseBroken(state: RequestState, access: Opened, e: unknown): Promise<never> {
  if (!(e instanceof BrokenChainError)) throw e;
  state.door.projector.reportBrokenChain(e);
  await access.deny(RECORD_UNAVAILABLE);
  throw new RecordUnavailableError();
}

/**
 * The records of `caller`, for one request: plan reads are batched and cached for its length.
 *
 * One request opens the record of one patient (the same patient again is fine: several views of
 * one record), and lists at most {@link MAX_LISTED_PER_REQUEST} plans. A request asking for a
 * second patient is refused for that patient (AccessDeniedError TOO_MANY_PATIENTS) before anything of it
 * is read, and the refusal is in that patient's access log: NEN 7513 wants every attempt to see a
 * patient's record, refused ones too, and a request that names many patients is what an auditor
 * should see (so it is flagged). No client needs more: the HAP, the SEH and the GP each look at the
 * patient in front of them; a batch would be a list with its own paging and rules.
 */
export function openRecords(door: RecordDoor, caller: Caller): PatientRecords {
  const { store, queries, projector, accessLog, clock } = door;
  const state: RequestState = {
    door,
    caller,
    loader: undefined,
    openedPatient: undefined,
    listable: MAX_LISTED_PER_REQUEST,
    reviews: undefined,
  };
  return {
    breakGlassAccesses(options) {
      return reviewsOf(state).breakGlassAccesses(options);
    },
    openBreakGlassReviewCount() {
      return reviewsOf(state).openBreakGlassReviewCount();
    },
    reviewBreakGlassAccess(input) {
      return reviewsOf(state).reviewBreakGlassAccess(input);
    },
    breakGlassNotices(options) {
      return reviewsOf(state).breakGlassNotices(options);
    },

    async current(patient, { purpose, breakGlassReason }) {
      const access = await open(state, patient, {
        action: 'READ_CURRENT',
        purpose,
        breakGlassReason,
        refuseQuarantined: true,
      });
      const { plan } = access;
      await access.log(plan?.version);
      return plan ? asRecord(plan, clock(), access.decision.flagged) : null;
    },

    async asOf(bsn, at, { purpose }) {
      if (Number.isNaN(at.getTime())) throw new InvalidRequestError('at is not an instant', ['at']);
      if (at.getTime() > clock().getTime()) {
        throw new InvalidRequestError(
          'at lies in the future: the registry cannot show what it has not held yet',
          ['at'],
        );
      }
      const access = await open(state, bsn, { action: 'READ_AS_OF', purpose, refuseQuarantined: true });
      const held = await planAsOf(store, streamNameFor(access.pseudonym), at).catch((e: unknown) =>
        refuseBroken(state, access, e),
      );
      await access.log(held?.version);
      if (!held) return null;
      return asRecord(
        { pseudonym: access.pseudonym, version: held.version, view: held.view },
        at,
        access.decision.flagged,
      );
    },

    async agreedOn(patient, on, { purpose }) {
      if (!LocalDate.safeParse(on).success)
        throw new InvalidRequestError('on is not a date (YYYY-MM-DD)', ['on']);
      if (on > amsterdamDate(clock())) {
        throw new InvalidRequestError('on lies after today: nothing has been agreed for then yet', ['on']);
      }
      const access = await open(state, patient, { action: 'READ_AS_OF', purpose, refuseQuarantined: true });
      const agreed = await planAgreedOn(store, streamNameFor(access.pseudonym), on).catch((e: unknown) =>
        refuseBroken(state, access, e),
      );
      await access.log(agreed?.version);
      if (!agreed) return null;
      return asRecord(
        { pseudonym: access.pseudonym, version: agreed.version, view: agreed.view },
        clock(),
        access.decision.flagged,
      );
    },

    async history(bsn, { after, limit, purpose }) {
      const access = await open(state, bsn, { action: 'READ_HISTORY', purpose, refuseQuarantined: true });
      const page = await planHistory(store, streamNameFor(access.pseudonym), after ?? -1, limit).catch(
        (e: unknown) => refuseBroken(state, access, e),
      );
      await access.log(access.plan?.version);
      return { items: withCorrections(page.items, access.plan?.view), hasMore: page.hasMore };
    },

    async accessLog(bsn, { after, limit }) {
      // The log is kept apart from the plan's stream: a quarantined plan does not hide it.
      const access = await open(state, bsn, {
        action: 'READ_ACCESS_LOG',
        purpose: 'AUDIT',
        refuseQuarantined: false,
      });
      // Reading the log is logged too, and the reader sees that record: wait until it is projected.
      await access.log(access.plan?.version);
      if (accessLog.lastPosition !== undefined) await projector.waitFor(accessLog.lastPosition);
      return queries.accessLog(access.pseudonym, after, limit);
    },

    async reviewsDue(until, { after, limit }) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED_PER_REQUEST) {
        throw new InvalidRequestError(`limit must be between 1 and ${MAX_LISTED_PER_REQUEST}`, ['limit']);
      }
      const { actor } = caller;
      const decision = decideAccess({ actor, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' }, undefined);
      if (decision.outcome === 'DENIED') throw new AccessDeniedError(decision.reason, decision.message);
      // Reserved before the first await, as a patient is claimed (see open).
      reserveListed(state, limit);
      const now = clock();
      const shown: { item: ReviewDue; decision: Extract<AccessDecision, { outcome: 'GRANTED' }> }[] = [];
      let position: ReviewsDuePosition | undefined = after;
      let hasMore = true;
      // Each plan is shown only as the caller may read it; the plans left out are not logged:
      // the caller named none of them and sees nothing of them (not even that they are there), and
      // a denied record in the log of every patient the organisation holds a role for, at each
      // look at the list, would bury the attempts an auditor must find.
      for (let reads = 0; shown.length < limit && hasMore && reads < MAX_LIST_READS; reads++) {
        const page = queries.reviewsDue(actor.organization.id, until, limit - shown.length, position);
        const rows = await plansOf(state).loadMany(page.items.map((i) => i.pseudonym));
        page.items.forEach((item, i) => {
          const plan = rows[i];
          if (!plan || plan instanceof Error) return;
          const listed = decideListedPlan(actor, factsFromView(plan.view));
          if (listed.outcome === 'DENIED') return;
          shown.push({
            item: { reviewDueOn: item.reviewDueOn, record: asRecord(plan, now, listed.flagged) },
            decision: listed,
          });
        });
        hasMore = page.hasMore;
        const last = page.items.at(-1);
        if (last) position = { reviewDueOn: last.reviewDueOn, pseudonym: last.pseudonym };
      }
      // Every plan shown is a read of that patient's record (group-committed into one append).
      await Promise.all(
        shown.map(({ item: { record }, decision: listed }) =>
          accessLog.record({
            pseudonym: record.pseudonym,
            action: 'READ_REVIEWS_DUE',
            user: actor,
            clientSystem: caller.clientSystem,
            purpose: 'TREATMENT',
            outcome: 'GRANTED',
            basis: listed.basis,
            flagged: listed.flagged,
            planVersion: record.version,
            requestId: caller.requestId,
          }),
        ),
      );
      return { items: shown.map((s) => s.item), hasMore, resumeAfter: position };
    },

    async change(patient, { expectedVersion, type, data }) {
      const access = await open(state, patient, {
        action: 'WRITE',
        purpose: 'TREATMENT',
        refuseQuarantined: true,
      });
      const command = {
        type,
        data:
          typeof data === 'function'
            ? // The plan the door opened for this change: not a second read of the read models.
              data(access.plan?.view ?? null, access.pseudonym)
            : data,
        metadata: { actor: caller.actor, now: clock().toISOString() },
      } as PzpCommand;
      const streamName = streamNameFor(access.pseudonym);
      const handled = await handleCommand(store, {
        streamName,
        command,
        expectedVersion: expectedVersion ?? -1,
        sourceSystem: caller.clientSystem,
        correlationId: caller.requestId,
        // The request id the client sent names the command: resent, it proposes the same events.
        commandKey: caller.requestId,
        recentStates: door.recentStates,
      }).catch(async (e: unknown) => {
        if (e instanceof BrokenChainError) await refuseBroken(state, access, e);
        // A domain rule refused this caller the change (a nurse confirming a limit, ...): as much
        // a refusal of an action on the record as the policy's, so it is logged with its reason.
        // Bad input and version conflicts are not refusals: nothing is logged for them.
        if (e instanceof DomainError && e.code === 'FORBIDDEN')
          await access.deny(e.reason ?? 'NOT_PERMITTED');
        throw e;
      });
      // The write is logged as soon as it is in the store, whatever happens to the answer: its
      // record is made durable while the read models catch up, not after them.
      const logged = access.log(handled.version);
      // Read-your-writes on the patient's stream revision, not on the append's global position:
      // a server need not report the `$all` position of the event it wrote (an idempotent repeat,
      // a cluster), and the revision is what this plan's read models record anyway.
      const caughtUp =
        handled.events.length > 0 ? projector.waitForStream(streamName, handled.version) : undefined;
      await Promise.all([logged, caughtUp]);
      const plan = queries.currentPlan(access.pseudonym);
      return {
        version: handled.version,
        record: plan ? asRecord(plan, clock(), false) : null,
        changes: withCorrections(handled.changes, plan?.view),
        destroyed: plan ? undefined : queries.destroyedRecord(access.pseudonym),
      };
    },
  };
}
