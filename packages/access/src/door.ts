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
  streamNameFor,
  type AccessAction,
  type AccessPurpose,
  type Actor,
  type CommandType,
  type PlanView,
  type PzpCommand,
} from '@pzp/domain';
import { handleCommand, planAsOf } from '@pzp/application';
import type { EventStore } from '@pzp/event-store';
import {
  StreamQuarantinedError,
  type AccessLogRow,
  type CurrentPlanRow,
  type HistoryRow,
  type Page,
  type Projector,
  type Queries,
} from '@pzp/projections';
import type { AccessLogWriter } from './access-log.js';
import { AccessDeniedError, InvalidRequestError, RecordUnavailableError } from './errors.js';
import { createPlanLoader, type PlanLoader } from './plan-loader.js';
import { decideAccess, factsFromView, type AccessDecision } from './policy.js';
import type { Clock } from './time.js';

/** The node's parts the door works with, shared by all requests. */
export interface RecordDoor {
  readonly store: EventStore;
  readonly queries: Pick<
    Queries,
    'currentPlan' | 'currentPlans' | 'history' | 'accessLog' | 'reviewsDue' | 'quarantine'
  >;
  readonly projector: Pick<Projector, 'waitFor' | 'waitForStream'>;
  readonly accessLog: Pick<AccessLogWriter, 'record' | 'lastPosition'>;
  readonly clock: Clock;
  /** BSN to pseudonym (keyed hash): the only use of the BSN inside the door. */
  readonly pseudonymOf: (bsn: string) => string;
}

/** Who asks, from the verified token, and the request the access records name. */
export interface Caller {
  readonly actor: Actor;
  readonly clientSystem: string;
  readonly requestId: string;
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
export type ChangeRecord = HistoryRow & { readonly enteredInError: boolean };

export interface ChangeResult {
  /** The plan version (stream revision) after the change. */
  readonly version: number;
  /**
   * The plan as it is after the change, from this node's read models (read-your-writes); null when
   * the change leaves no current plan (the record was voided: entered on the wrong patient).
   */
  readonly record: PlanRecord | null;
  /** The changes this command made, in order. */
  readonly changes: readonly ChangeRecord[];
}

export interface ReviewDue {
  /** The review date the list is ordered by (with the pseudonym, the position in the list). */
  readonly reviewDueOn: string;
  readonly record: PlanRecord;
}

export type { AccessLogRow, Page };

/**
 * The records of one caller: the only way a front end gets patient data. Every method applies the
 * access policy and writes the access record; errors are the door's own (errors.ts), or the
 * domain's DomainError and the write path's VersionConflictError, which pass through.
 */
export interface PatientRecords {
  /** The current plan, or null when the registry holds none (not an error). */
  current(
    bsn: string,
    options: { readonly purpose: AccessPurpose; readonly breakGlassReason?: string | null | undefined },
  ): Promise<PlanRecord | null>;
  /** The plan exactly as the registry held it at `at` (not in the future); null when there was none. */
  asOf(bsn: string, at: Date, options: { readonly purpose: AccessPurpose }): Promise<PlanRecord | null>;
  /** Every change, oldest first, after the revision `after` (omitted: from the start). */
  history(
    bsn: string,
    options: { readonly after?: number | undefined; readonly limit: number; readonly purpose: AccessPurpose },
  ): Promise<Page<ChangeRecord>>;
  /** Who looked at the record, oldest first, after the global position `after`. Reading it is logged too. */
  accessLog(
    bsn: string,
    options: { readonly after?: bigint | undefined; readonly limit: number },
  ): Promise<Page<AccessLogRow>>;
  /** Plans of the caller's organisation whose review date lies before `until`; one access record per plan shown. */
  reviewsDue(
    until: string,
    options: {
      readonly after?: { readonly reviewDueOn: string; readonly pseudonym: string } | undefined;
      readonly limit: number;
    },
  ): Promise<Page<ReviewDue>>;
  /**
   * Decides and appends one command with the caller's expected version (omitted: the caller
   * expects no plan yet, so a second "first conversation" is a conflict, not a merge), waits until
   * this node's read models include it, and returns the plan as it now is with the changes made.
   */
  change<T extends CommandType>(
    bsn: string,
    command: {
      readonly expectedVersion?: number | undefined;
      readonly type: T;
      /** The command's data; the domain's zod schema for `type` checks every field. */
      readonly data: unknown;
    },
  ): Promise<ChangeResult>;
}

/** The longest break-the-glass reason an access record holds. */
const MAX_REASON = AccessRecorded.shape.data.shape.breakGlassReason.unwrap().maxLength ?? 4000;

/** The access record's basis for an attempt on a quarantined record (nothing was shown). */
const RECORD_UNAVAILABLE = 'RECORD_UNAVAILABLE';

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
const withCorrections = (rows: readonly HistoryRow[], view: PlanView | undefined): ChangeRecord[] => {
  const corrected = new Set(view?.corrections.flatMap((c) => [c.changeId, ...c.cascadedChangeIds]) ?? []);
  return rows.map((row) => ({ ...row, enteredInError: corrected.has(row.changeId) }));
};

/** The records of `caller`, for one request: plan reads are batched and cached for its length. */
export function openRecords(door: RecordDoor, caller: Caller): PatientRecords {
  const { store, queries, projector, accessLog, clock } = door;
  let loader: PlanLoader | undefined;
  // Made on first use: a request that reads no plan never builds one.
  const plans = () => (loader ??= createPlanLoader(queries));

  /**
   * The plan row, or none; a missing row is checked against the event store, because a row is
   * missing both when there is no plan and when this node's read models have not applied the
   * patient's first events yet (another node wrote them a moment ago). Answering "no plan" then
   * would be wrong, and deciding access on it would grant NEW_PATIENT to anyone: so read the
   * stream's last event (one cheap read) and, when there is one, wait until the read models
   * include it.
   */
  async function planOf(
    pseudonym: string,
  ): Promise<{ plan: CurrentPlanRow | undefined; quarantined: boolean }> {
    const plan = await plans().load(pseudonym);
    if (queries.quarantine(pseudonym) !== undefined) return { plan, quarantined: true };
    if (plan) return { plan, quarantined: false };
    const streamName = streamNameFor(pseudonym);
    const [head] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    if (head === undefined) return { plan: undefined, quarantined: false };
    let quarantined = false;
    try {
      await projector.waitForStream(streamName, Number(head.revision));
    } catch (e) {
      if (!(e instanceof StreamQuarantinedError)) throw e;
      quarantined = true;
    }
    plans().clear(pseudonym);
    return { plan: await plans().load(pseudonym), quarantined };
  }

  /**
   * Applies the access policy to the patient's current plan; writes the access record of a
   * refusal before refusing, and hands a granted caller the means to log what it showed.
   */
  async function open(bsn: string, request: OpenRequest): Promise<Opened> {
    const pseudonym = door.pseudonymOf(bsn);
    const breakGlassReason = request.breakGlassReason?.trim() || undefined;
    // The reason goes into the access record, which holds at most MAX_REASON characters: refuse a
    // longer one as bad input up front rather than fail while writing the record.
    if (breakGlassReason !== undefined && breakGlassReason.length > MAX_REASON) {
      throw new InvalidRequestError(`breakGlassReason is longer than ${MAX_REASON} characters`, [
        'breakGlassReason',
      ]);
    }
    const { plan, quarantined } = await planOf(pseudonym);
    const decision = decideAccess(
      { actor: caller.actor, action: request.action, purpose: request.purpose, breakGlassReason },
      plan ? factsFromView(plan.view) : undefined,
    );
    const log = async (
      outcome: 'GRANTED' | 'DENIED',
      basis: string,
      flagged: boolean,
      planVersion?: number,
    ) => {
      await accessLog.record({
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
    };
    if (decision.outcome === 'DENIED') {
      await log('DENIED', decision.reason, request.purpose === 'BREAK_THE_GLASS'); // a refused break-glass attempt is flagged too
      throw new AccessDeniedError(decision.reason, decision.message);
    }
    // A caller who may see the record learns that it cannot be shown now (one who may not learns
    // only the refusal above); the attempt is logged as refused, since nothing was shown.
    if (quarantined && request.refuseQuarantined) {
      await log('DENIED', RECORD_UNAVAILABLE, decision.flagged);
      throw new RecordUnavailableError();
    }
    return {
      pseudonym,
      plan,
      decision,
      log: (planVersion) => log('GRANTED', decision.basis, decision.flagged, planVersion),
    };
  }

  return {
    async current(bsn, { purpose, breakGlassReason }) {
      const access = await open(bsn, {
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
      const access = await open(bsn, { action: 'READ_AS_OF', purpose, refuseQuarantined: true });
      const held = await planAsOf(store, streamNameFor(access.pseudonym), at);
      await access.log(held?.version);
      if (!held) return null;
      return asRecord(
        { pseudonym: access.pseudonym, version: held.version, view: held.view },
        at,
        access.decision.flagged,
      );
    },

    async history(bsn, { after, limit, purpose }) {
      const access = await open(bsn, { action: 'READ_HISTORY', purpose, refuseQuarantined: true });
      const page = queries.history(access.pseudonym, after ?? -1, limit);
      await access.log(access.plan?.version);
      return { items: withCorrections(page.items, access.plan?.view), hasMore: page.hasMore };
    },

    async accessLog(bsn, { after, limit }) {
      // The log is kept apart from the plan's stream: a quarantined plan does not hide it.
      const access = await open(bsn, {
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
      const { actor } = caller;
      const decision = decideAccess({ actor, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' }, undefined);
      if (decision.outcome === 'DENIED') throw new AccessDeniedError(decision.reason, decision.message);
      const page = queries.reviewsDue(actor.organization.id, until, limit, after);
      const rows = await plans().loadMany(page.items.map((i) => i.pseudonym));
      const now = clock();
      const items = page.items.flatMap((item, i): ReviewDue[] => {
        const plan = rows[i];
        if (!plan || plan instanceof Error) return [];
        return [{ reviewDueOn: item.reviewDueOn, record: asRecord(plan, now, false) }];
      });
      // Every plan shown is a read of that patient's record (group-committed into one append).
      await Promise.all(
        items.map(({ record }) =>
          accessLog.record({
            pseudonym: record.pseudonym,
            action: 'READ_REVIEWS_DUE',
            user: actor,
            clientSystem: caller.clientSystem,
            purpose: 'TREATMENT',
            outcome: 'GRANTED',
            basis: decision.basis,
            flagged: false,
            planVersion: record.version,
            requestId: caller.requestId,
          }),
        ),
      );
      return { items, hasMore: page.hasMore };
    },

    async change(bsn, { expectedVersion, type, data }) {
      const access = await open(bsn, { action: 'WRITE', purpose: 'TREATMENT', refuseQuarantined: true });
      const command = {
        type,
        data,
        metadata: { actor: caller.actor, now: clock().toISOString() },
      } as PzpCommand;
      const handled = await handleCommand(store, {
        streamName: streamNameFor(access.pseudonym),
        command,
        expectedVersion: expectedVersion ?? -1,
        sourceSystem: caller.clientSystem,
        correlationId: caller.requestId,
      });
      if (handled.position !== undefined) await projector.waitFor(handled.position);
      const plan = queries.currentPlan(access.pseudonym);
      const before = handled.version - handled.events.length;
      const changes = queries.history(access.pseudonym, before, handled.events.length).items;
      await access.log(handled.version);
      return {
        version: handled.version,
        record: plan ? asRecord(plan, clock(), false) : null,
        changes: withCorrections(changes, plan?.view),
      };
    },
  };
}
