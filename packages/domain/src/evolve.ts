import type { PzpEvent } from './events.js';
import { treatmentKey } from './model.js';
import { amsterdamDate } from './time.js';
import {
  activeRoles,
  emptyPlan,
  type Ending,
  type PendingRevision,
  type Plan,
  type Provenance,
  type TreatmentDirectiveItem,
} from './plan.js';

/**
 * The state of one patient's stream: the plan plus what the rules need to know about the past.
 * `log` keeps every event in stream order: a correction (entered-in-error) removes an earlier
 * change from the current state, and the only honest way to do that is to fold the log again
 * without it, so later changes still apply exactly as they did.
 */
export interface PlanState {
  /** Stream revision of the last event folded in; -1 when the stream is empty. */
  readonly version: number;
  readonly plan: Plan;
  readonly log: readonly PzpEvent[];
  /** changeIds marked entered-in-error. */
  readonly inError: ReadonlySet<string>;
  /** Conversations marked entered-in-error: everything recorded in them is out of the plan too. */
  readonly inErrorConversations: ReadonlySet<string>;
}

export const initialState: PlanState = {
  version: -1,
  plan: emptyPlan,
  log: [],
  inError: new Set(),
  inErrorConversations: new Set(),
};

const conversationOf = (event: PzpEvent): string | undefined =>
  (event.data as { conversationId?: string }).conversationId;

/** Whether an event counts for the current plan, given the corrections recorded so far. */
const counts = (
  event: PzpEvent,
  inError: ReadonlySet<string>,
  inErrorConversations: ReadonlySet<string>,
): boolean => {
  if (inError.has(event.metadata.eventId)) return false;
  const conversationId = conversationOf(event);
  return conversationId === undefined || !inErrorConversations.has(conversationId);
};

export function evolve(state: PlanState, event: PzpEvent): PlanState {
  const log = [...state.log, event];
  const version = state.version + 1;
  if (event.type === 'ChangeMarkedEnteredInError') {
    const inError = new Set(state.inError).add(event.data.changeId);
    let { inErrorConversations } = state;
    const target = state.log.find((e) => e.metadata.eventId === event.data.changeId);
    if (target?.type === 'ConversationRecorded') {
      inErrorConversations = new Set(inErrorConversations).add(target.data.conversationId);
    }
    return {
      version,
      log,
      inError,
      inErrorConversations,
      plan: foldPlan(log, inError, inErrorConversations),
    };
  }
  const plan = counts(event, state.inError, state.inErrorConversations)
    ? applyToPlan(state.plan, event, log)
    : state.plan;
  return { ...state, version, log, plan };
}

/** Folds a whole stream. The as-of view is this over the events recorded up to an instant. */
export const fold = (events: Iterable<PzpEvent>, from: PlanState = initialState): PlanState => {
  let state = from;
  for (const e of events) state = evolve(state, e);
  return state;
};

function foldPlan(
  log: readonly PzpEvent[],
  inError: ReadonlySet<string>,
  inErrorConversations: ReadonlySet<string>,
): Plan {
  let plan = emptyPlan;
  for (const e of log) {
    if (!counts(e, inError, inErrorConversations)) continue;
    plan = applyToPlan(plan, e, log);
  }
  return plan;
}

function provenance(plan: Plan, event: PzpEvent): Provenance {
  const regie = activeRoles(plan, 'REGIEBEHANDELAAR')[0];
  const data = event.data as { conversationId?: string };
  return {
    changeId: event.metadata.eventId,
    recordedAt: event.metadata.recordedAt,
    recordedBy: event.metadata.recordedBy,
    conversationId: data.conversationId,
    byRegiebehandelaar: regie ? regie.practitioner.id === event.metadata.recordedBy.id : null,
  };
}

const ending = (event: PzpEvent, on: string, reason?: string): Ending => ({
  on,
  reason,
  changeId: event.metadata.eventId,
  recordedAt: event.metadata.recordedAt,
  recordedBy: event.metadata.recordedBy,
});

/** Replaces one entry of a record section, keeping every other entry (and so its identity). */
function put<T>(record: Readonly<Record<string, T>>, key: string, value: T): Readonly<Record<string, T>> {
  return { ...record, [key]: value };
}

function update<T>(
  record: Readonly<Record<string, T>>,
  key: string,
  change: (item: T) => T,
): Readonly<Record<string, T>> {
  const item = record[key];
  return item === undefined ? record : put(record, key, change(item));
}

/** Clears "changed by someone other than the regiebehandelaar" once the regiebehandelaar has reviewed. */
function acknowledgeByRegiebehandelaar<T extends { provenance: Provenance }>(
  record: Readonly<Record<string, T>>,
): Readonly<Record<string, T>> {
  let out = record;
  for (const [key, item] of Object.entries(record)) {
    if (item.provenance.byRegiebehandelaar === false) {
      out = put(out, key, { ...item, provenance: { ...item.provenance, byRegiebehandelaar: true } });
    }
  }
  return out;
}

/** The directive version a physician confirmed replaces the confirmed one it was proposed against. */
function promote(d: TreatmentDirectiveItem, pending: PendingRevision): TreatmentDirectiveItem {
  return { key: d.key, ...pending, status: 'CONFIRMED' };
}

/**
 * The effect of one (non-correction) event on the plan. Pure; returns a new plan sharing untouched
 * parts. `log` is the stream up to and including `event` (for corrections, which name earlier ones).
 */
function applyToPlan(plan: Plan, event: PzpEvent, log: readonly PzpEvent[]): Plan {
  switch (event.type) {
    case 'PatientIdentified':
      return { ...plan, patient: event.data };
    case 'ConversationRecorded': {
      const d = event.data;
      const lastDiscussedOn =
        plan.lastDiscussedOn && plan.lastDiscussedOn > d.date ? plan.lastDiscussedOn : d.date;
      const latest = lastDiscussedOn === d.date;
      return {
        ...plan,
        conversations: [...plan.conversations, { ...d, provenance: provenance(plan, event) }],
        lastDiscussedOn,
        // A late entry of an older conversation does not move the review clock back.
        reviewDueOn: latest ? d.nextReviewOn : plan.reviewDueOn,
        reviewRequested: latest ? null : plan.reviewRequested,
      };
    }
    case 'TreatmentDirectiveRevisionProposed':
    case 'TreatmentDirectiveSet':
    case 'TreatmentDirectiveRevised': {
      const key = treatmentKey(event.data.treatment);
      const current = plan.treatmentDirectives[key];
      // Rule: a non-physician's version never replaces a confirmed directive; it waits beside it.
      // Older streams recorded such a version as a plain revision: they are read the same way.
      if (
        current &&
        !current.ended &&
        current.status === 'CONFIRMED' &&
        event.data.status === 'PROVISIONAL'
      ) {
        const { conversationId: _c, status: _s, ...proposal } = event.data;
        return {
          ...plan,
          treatmentDirectives: put(plan.treatmentDirectives, key, {
            ...current,
            pendingRevision: { ...proposal, provenance: provenance(plan, event) },
          }),
        };
      }
      return {
        ...plan,
        treatmentDirectives: put(plan.treatmentDirectives, key, {
          key,
          ...event.data,
          provenance: provenance(plan, event),
        }),
      };
    }
    case 'TreatmentDirectiveWithdrawn':
      return {
        ...plan,
        treatmentDirectives: update(plan.treatmentDirectives, treatmentKey(event.data.treatment), (d) => ({
          ...d,
          ended: ending(event, event.data.endedOn, event.data.reason),
        })),
      };
    case 'TreatmentDirectiveConfirmed':
      return {
        ...plan,
        treatmentDirectives: update(plan.treatmentDirectives, treatmentKey(event.data.treatment), (d) => {
          const confirmation = {
            confirmedOn: event.data.confirmedOn,
            comment: event.data.comment,
            by: provenance(plan, event),
          };
          if (d.pendingRevision?.provenance.changeId === event.data.confirmedChangeId)
            return { ...promote(d, d.pendingRevision), confirmation };
          // A confirmation counts only for the version it confirmed.
          return d.provenance.changeId === event.data.confirmedChangeId
            ? {
                ...d,
                status: 'CONFIRMED',
                confirmation,
              }
            : d;
        }),
      };
    case 'TreatmentDirectiveRevisionRejected':
    case 'TreatmentDirectiveRevisionWithdrawn':
      return {
        ...plan,
        treatmentDirectives: update(plan.treatmentDirectives, treatmentKey(event.data.treatment), (d) => {
          if (d.pendingRevision?.provenance.changeId !== event.data.proposalChangeId) return d;
          const { pendingRevision: _p, ...rest } = d;
          return rest;
        }),
      };
    case 'RegisteredGpPracticeSet':
      return {
        ...plan,
        registeredGpPractice: {
          practice: event.data.practice,
          from: event.data.from,
          provenance: provenance(plan, event),
        },
      };
    case 'RecordDestroyed':
      // Lawfully destroyed: its personal data went with its key; what is left is that it happened.
      return {
        ...emptyPlan,
        destroyed: {
          grounds: event.data.grounds,
          reference: event.data.reference,
          destroyedAt: event.metadata.recordedAt,
          destroyedBy: event.metadata.recordedBy,
          changeId: event.metadata.eventId,
        },
      };
    case 'ContentShredded':
      // A body destroyed with its key says nothing; the destruction that follows it clears the plan.
      return plan;
    case 'RecordVoided':
      // Entered on the wrong patient: nothing of it is this patient's plan. A later conversation
      // starts a new one.
      return emptyPlan;
    case 'LifeWishRecorded':
      return {
        ...plan,
        lifeWishes: put(plan.lifeWishes, event.data.wishId, {
          wishId: event.data.wishId,
          text: event.data.text,
          provenance: provenance(plan, event),
        }),
      };
    case 'LifeWishWithdrawn':
      return {
        ...plan,
        lifeWishes: update(plan.lifeWishes, event.data.wishId, (w) => ({
          ...w,
          withdrawn: ending(event, amsterdamDate(event.metadata.recordedAt), event.data.reason),
        })),
      };
    case 'MedicalPolicyGoalSet': {
      const { goal, decidedOn, comment } = event.data;
      return {
        ...plan,
        medicalPolicyGoal: { value: goal, decidedOn, comment, provenance: provenance(plan, event) },
      };
    }
    case 'AdvanceDirectiveRegistered': {
      const { conversationId: _c, ...d } = event.data;
      return {
        ...plan,
        advanceDirectives: put(plan.advanceDirectives, d.advanceDirectiveId, {
          ...d,
          provenance: provenance(plan, event),
        }),
      };
    }
    case 'AdvanceDirectiveRevoked':
      return {
        ...plan,
        advanceDirectives: update(plan.advanceDirectives, event.data.advanceDirectiveId, (a) => ({
          ...a,
          revoked: ending(event, event.data.revokedOn, event.data.reason),
        })),
      };
    case 'PreferredPlaceOfDeathSet': {
      const { place, decidedOn, comment } = event.data;
      return {
        ...plan,
        preferredPlaceOfDeath: { value: place, decidedOn, comment, provenance: provenance(plan, event) },
      };
    }
    case 'EuthanasiaPositionSet': {
      const { position, decidedOn, comment } = event.data;
      return {
        ...plan,
        euthanasiaPosition: { value: position, decidedOn, comment, provenance: provenance(plan, event) },
      };
    }
    case 'OrganDonationSet': {
      const { answer, decidedOn, comment } = event.data;
      return {
        ...plan,
        organDonation: { value: answer, decidedOn, comment, provenance: provenance(plan, event) },
      };
    }
    case 'IcdPresenceRecorded': {
      const { present, decidedOn, comment } = event.data;
      return { ...plan, icd: { value: present, decidedOn, comment, provenance: provenance(plan, event) } };
    }
    case 'IcdDeactivationAnswered': {
      const { answer, decidedOn, comment } = event.data;
      return {
        ...plan,
        icdDeactivation: { value: answer, decidedOn, comment, provenance: provenance(plan, event) },
      };
    }
    case 'CapacityAssessed': {
      const { hasCapacity, assessedOn, comment } = event.data;
      return { ...plan, capacity: { hasCapacity, assessedOn, comment, provenance: provenance(plan, event) } };
    }
    case 'OtherInformationRecorded':
      return { ...plan, otherInformation: { text: event.data.text, provenance: provenance(plan, event) } };
    case 'ContactPersonDesignated': {
      const { conversationId: _c, ...contact } = event.data;
      return {
        ...plan,
        contactPersons: put(plan.contactPersons, contact.contactId, {
          ...contact,
          provenance: provenance(plan, event),
        }),
      };
    }
    case 'ContactPersonRemoved':
      return {
        ...plan,
        contactPersons: update(plan.contactPersons, event.data.contactId, (c) => ({
          ...c,
          removed: ending(event, amsterdamDate(event.metadata.recordedAt), event.data.reason),
        })),
      };
    case 'RoleAssigned':
      return {
        ...plan,
        roles: put(plan.roles, event.data.assignmentId, {
          ...event.data,
          provenance: provenance(plan, event),
        }),
      };
    case 'RoleEnded':
      return {
        ...plan,
        roles: update(plan.roles, event.data.assignmentId, (r) => ({
          ...r,
          ended: {
            ...ending(event, event.data.endedOn, event.data.reason),
            successorAssignmentId: event.data.successorAssignmentId,
          },
        })),
      };
    case 'PlanReviewRequested': {
      const { reason, dueOn } = event.data;
      return {
        ...plan,
        reviewRequested: { reason, dueOn, provenance: provenance(plan, event) },
        reviewDueOn: plan.reviewDueOn && plan.reviewDueOn < dueOn ? plan.reviewDueOn : dueOn,
      };
    }
    case 'PlanReviewConfirmed': {
      const byRegie = provenance(plan, event).byRegiebehandelaar === true;
      return {
        ...plan,
        lastReviewedOn: event.data.reviewedOn,
        reviewDueOn: event.data.nextReviewOn,
        reviewRequested: null,
        ...(byRegie
          ? {
              treatmentDirectives: acknowledgeByRegiebehandelaar(plan.treatmentDirectives),
              lifeWishes: acknowledgeByRegiebehandelaar(plan.lifeWishes),
              advanceDirectives: acknowledgeByRegiebehandelaar(plan.advanceDirectives),
            }
          : {}),
      };
    }
    case 'SharingConsentRecorded': {
      const { organizationType, decision, recordedOn, comment } = event.data;
      return {
        ...plan,
        sharingConsent: {
          ...plan.sharingConsent,
          [organizationType]: {
            organizationType,
            decision,
            on: recordedOn,
            comment,
            provenance: provenance(plan, event),
          },
        },
      };
    }
    case 'SharingConsentWithdrawn': {
      const { organizationType, withdrawnOn, reason } = event.data;
      return {
        ...plan,
        sharingConsent: {
          ...plan.sharingConsent,
          [organizationType]: {
            organizationType,
            decision: 'WITHDRAWN',
            on: withdrawnOn,
            comment: reason,
            provenance: provenance(plan, event),
          },
        },
      };
    }
    case 'ChangeMarkedEnteredInError':
      // Its effect is the refold in evolve(); here it is only remembered for the record.
      return {
        ...plan,
        corrections: [
          ...plan.corrections,
          {
            changeId: event.data.changeId,
            changeType: event.data.changeType,
            reason: event.data.reason,
            provenance: provenance(plan, event),
            cascadedChangeIds: cascadeOf(log, event.data.changeId),
          },
        ],
      };
  }
}

/** The changes recorded in a conversation, which go with it when it is marked in error. */
function cascadeOf(log: readonly PzpEvent[], changeId: string): string[] {
  const target = log.find((e) => e.metadata.eventId === changeId);
  if (target?.type !== 'ConversationRecorded') return [];
  const { conversationId } = target.data;
  return log
    .filter((e) => e !== target && conversationOf(e) === conversationId)
    .map((e) => e.metadata.eventId);
}
