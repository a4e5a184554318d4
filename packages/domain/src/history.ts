import { TREATMENTS, type Decision } from './codes.js';
import type { PzpEvent } from './events.js';
import type { PlanState } from './evolve.js';
import type { Actor, Treatment } from './model.js';
import type { Plan } from './plan.js';

/** One item of the plan as it was before and after a change (null where it did not exist). */
export interface ItemChange {
  readonly section: keyof Plan;
  readonly key?: string | undefined;
  readonly before: unknown;
  readonly after: unknown;
}

/** A row of a patient's change history: who changed what, when, and why. */
export interface ChangeEntry {
  readonly changeId: string;
  readonly type: PzpEvent['type'];
  readonly recordedAt: string;
  readonly recordedBy: Actor;
  readonly conversationId?: string | undefined;
  readonly summary: string;
  readonly reason?: string | undefined;
  readonly changes: readonly ItemChange[];
}

const KEYED: ReadonlySet<keyof Plan> = new Set([
  'treatmentDirectives',
  'lifeWishes',
  'advanceDirectives',
  'contactPersons',
  'roles',
  'sharingConsent',
]);

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * What a change did to the plan, found by comparing the plan before and after it was folded in.
 * Generic on purpose: a correction that removes an earlier change shows exactly what it took away.
 * evolve() shares untouched parts, so the identity check skips them cheaply.
 */
export function diffPlans(before: Plan, after: Plan): ItemChange[] {
  const changes: ItemChange[] = [];
  for (const section of Object.keys(after) as (keyof Plan)[]) {
    if (section === 'corrections') continue;
    const b = before[section];
    const a = after[section];
    if (b === a) continue;
    if (KEYED.has(section)) {
      const bs = (b ?? {}) as Record<string, unknown>;
      const as = (a ?? {}) as Record<string, unknown>;
      for (const key of new Set([...Object.keys(bs), ...Object.keys(as)])) {
        if (!same(bs[key], as[key]))
          changes.push({ section, key, before: bs[key] ?? null, after: as[key] ?? null });
      }
    } else if (section === 'conversations') {
      const bl = before.conversations;
      const al = after.conversations;
      const removed = bl.filter((c) => !al.some((x) => x.conversationId === c.conversationId));
      const added = al.filter((c) => !bl.some((x) => x.conversationId === c.conversationId));
      for (const c of removed) changes.push({ section, key: c.conversationId, before: c, after: null });
      for (const c of added) changes.push({ section, key: c.conversationId, before: null, after: c });
    } else if (!same(b, a)) {
      changes.push({ section, before: b, after: a });
    }
  }
  return changes;
}

function treatmentLabel(t: Treatment): string {
  return t.code === 'OTH' ? `${t.text}` : `${TREATMENTS[t.code]} (${t.code})`;
}

/** A decision as one phrase: ANDERS never without its conditions. */
export function decisionPhrase(d: { decision: Decision; specification?: string | undefined }): string {
  if (d.decision === 'ANDERS') return `ANDERS (only under conditions: ${d.specification})`;
  return d.specification ? `${d.decision} (${d.specification})` : d.decision;
}

const directiveLine = (d: {
  treatment: Treatment;
  decision: Decision;
  specification?: string | undefined;
  status: string;
}): string =>
  `${treatmentLabel(d.treatment)} ${decisionPhrase(d)}${d.status === 'PROVISIONAL' ? ' (provisional)' : ''}`;

/** A one-line description of a change for the history list. */
export function summarize(event: PzpEvent): string {
  switch (event.type) {
    case 'PatientIdentified':
      return 'Patient identified';
    case 'ConversationRecorded':
      return `PZP conversation of ${event.data.date} recorded`;
    case 'TreatmentDirectiveSet':
    case 'TreatmentDirectiveRevised':
      return `${event.type === 'TreatmentDirectiveSet' ? 'Treatment directive set' : 'Treatment directive revised'}: ${directiveLine(event.data)}`;
    case 'TreatmentDirectiveRevisionProposed':
      return `Revision proposed, pending a physician's confirmation: ${directiveLine(event.data)}`;
    case 'TreatmentDirectiveRevisionRejected':
      return `Pending revision rejected: ${treatmentLabel(event.data.treatment)}`;
    case 'TreatmentDirectiveRevisionWithdrawn':
      return `Pending revision withdrawn by its author: ${treatmentLabel(event.data.treatment)}`;
    case 'TreatmentDirectiveWithdrawn':
      return `Treatment directive ended: ${treatmentLabel(event.data.treatment)}`;
    case 'TreatmentDirectiveConfirmed':
      return `Treatment directive confirmed: ${treatmentLabel(event.data.treatment)}`;
    case 'LifeWishRecorded':
      return 'Life wish recorded';
    case 'LifeWishWithdrawn':
      return 'Life wish withdrawn';
    case 'MedicalPolicyGoalSet':
      return `Medical policy goal set: ${event.data.goal}`;
    case 'AdvanceDirectiveRegistered':
      return `Advance directive registered: ${event.data.type}`;
    case 'AdvanceDirectiveRevoked':
      return 'Advance directive revoked';
    case 'PreferredPlaceOfDeathSet':
      return `Preferred place of death set: ${event.data.place.code}`;
    case 'EuthanasiaPositionSet':
      return `Position on euthanasia set: ${event.data.position}`;
    case 'OrganDonationSet':
      return `Organ donation set: ${event.data.answer}`;
    case 'IcdPresenceRecorded':
      return `ICD present: ${event.data.present}`;
    case 'IcdDeactivationAnswered':
      return `ICD deactivation: ${event.data.answer}`;
    case 'CapacityAssessed':
      return `Capacity assessed: ${event.data.hasCapacity ? 'has capacity' : 'lacks capacity'}`;
    case 'OtherInformationRecorded':
      return 'Other important information recorded';
    case 'ContactPersonDesignated':
      return `Contact person designated (role ${event.data.role})`;
    case 'ContactPersonRemoved':
      return 'Contact person removed';
    case 'RoleAssigned':
      return `${event.data.role} assigned to ${event.data.practitioner.name}`;
    case 'RoleEnded':
      return 'Role ended';
    case 'PlanReviewRequested':
      return `Plan review requested (${event.data.reason})`;
    case 'PlanReviewConfirmed':
      return 'Plan reviewed, unchanged';
    case 'SharingConsentRecorded':
      return `Sharing consent ${event.data.decision} for ${event.data.organizationType}`;
    case 'SharingConsentWithdrawn':
      return `Sharing consent withdrawn for ${event.data.organizationType}`;
    case 'ChangeMarkedEnteredInError':
      return `Earlier change marked entered-in-error (${event.data.changeType})`;
    case 'RegisteredGpPracticeSet':
      return `Registered GP practice set: ${event.data.practice.name}`;
    case 'RecordVoided':
      return 'Record voided: entered on the wrong patient';
    case 'RecordDestroyed':
      return `Record destroyed (${event.data.grounds})`;
    case 'ContentShredded':
      return 'Content destroyed with the record';
  }
}

const reasonOf = (event: PzpEvent): string | undefined =>
  'reason' in event.data && typeof event.data.reason === 'string' ? event.data.reason : undefined;

/** The history row for `event`, given the stream's state before and after folding it in. */
export function describeChange(before: PlanState, event: PzpEvent, after: PlanState): ChangeEntry {
  return {
    changeId: event.metadata.eventId,
    type: event.type,
    recordedAt: event.metadata.recordedAt,
    recordedBy: event.metadata.recordedBy,
    conversationId: (event.data as { conversationId?: string }).conversationId,
    summary: summarize(event),
    reason: event.type === 'PlanReviewRequested' ? event.data.reason : reasonOf(event),
    // A destruction's row must not restate what it destroyed.
    changes: event.type === 'RecordDestroyed' ? [] : diffPlans(before.plan, after.plan),
  };
}
