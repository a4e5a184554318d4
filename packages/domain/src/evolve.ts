import type { PzpEvent } from './events.js';
import { treatmentKey } from './model.js';
import { amsterdamDate } from './time.js';
import { activeRoles, emptyPlan, type Ending, type Plan, type Provenance } from './plan.js';

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
}

export const initialState: PlanState = { version: -1, plan: emptyPlan, log: [], inError: new Set() };

export function evolve(state: PlanState, event: PzpEvent): PlanState {
  const log = [...state.log, event];
  if (event.type === 'ChangeMarkedEnteredInError') {
    const inError = new Set(state.inError).add(event.data.changeId);
    return { version: state.version + 1, log, inError, plan: foldPlan(log, inError) };
  }
  return { version: state.version + 1, log, inError: state.inError, plan: applyToPlan(state.plan, event) };
}

/** Folds a whole stream. The as-of view is this over the events recorded up to an instant. */
export const fold = (events: Iterable<PzpEvent>, from: PlanState = initialState): PlanState => {
  let state = from;
  for (const e of events) state = evolve(state, e);
  return state;
};

function foldPlan(log: readonly PzpEvent[], inError: ReadonlySet<string>): Plan {
  let plan = emptyPlan;
  for (const e of log) {
    if (inError.has(e.metadata.eventId)) continue;
    plan = applyToPlan(plan, e);
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

/** The effect of one (non-correction) event on the plan. Pure; returns a new plan sharing untouched parts. */
function applyToPlan(plan: Plan, event: PzpEvent): Plan {
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
    case 'TreatmentDirectiveSet':
    case 'TreatmentDirectiveRevised': {
      const key = treatmentKey(event.data.treatment);
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
        treatmentDirectives: update(plan.treatmentDirectives, treatmentKey(event.data.treatment), (d) =>
          // A confirmation counts only for the version it confirmed.
          d.provenance.changeId === event.data.confirmedChangeId
            ? {
                ...d,
                status: 'CONFIRMED',
                confirmation: {
                  confirmedOn: event.data.confirmedOn,
                  comment: event.data.comment,
                  by: provenance(plan, event),
                },
              }
            : d,
        ),
      };
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
          },
        ],
      };
  }
}
