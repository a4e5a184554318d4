import type { PzpEvent } from './events.js';
import { fold, type PlanState } from './evolve.js';
import { amsterdamDate, type LocalDate } from './time.js';

/**
 * The plan as agreed on a date (valid time), beside the plan as the registry held it at an
 * instant (transaction time, pzpAsOf). A plan agreed in 2020 and entered in 2026 was in force in
 * 2021, though the registry learnt of it later: this answers "what had been agreed by then", as
 * the registry knows it now (corrections recorded since are applied).
 */

/** The events that belong to a conversation without a date of their own take the conversation's. */
function conversationDates(events: readonly PzpEvent[]): Map<string, LocalDate> {
  const dates = new Map<string, LocalDate>();
  for (const e of events)
    if (e.type === 'ConversationRecorded') dates.set(e.data.conversationId, e.data.date);
  return dates;
}

/**
 * The date a change took effect in the world: when it was decided, ended, assessed or recorded in
 * a conversation. Undefined for what holds whatever the date (who the patient is, corrections of
 * errors, destruction): those always apply. A change without a date of its own (a wish recorded
 * outside a conversation, a removed contact) took effect when it was recorded.
 */
export function agreedOnDate(
  e: PzpEvent,
  conversations: ReadonlyMap<string, LocalDate>,
): LocalDate | undefined {
  const recorded = () => amsterdamDate(e.metadata.recordedAt);
  const ofConversation = (id: string | undefined) => (id ? conversations.get(id) : undefined) ?? recorded();
  switch (e.type) {
    case 'PatientIdentified':
    case 'ChangeMarkedEnteredInError':
    case 'RecordDestroyed':
    case 'ContentShredded':
      return undefined;
    case 'ConversationRecorded':
      return e.data.date;
    case 'TreatmentDirectiveSet':
    case 'TreatmentDirectiveRevised':
    case 'TreatmentDirectiveRevisionProposed':
    case 'MedicalPolicyGoalSet':
    case 'PreferredPlaceOfDeathSet':
    case 'EuthanasiaPositionSet':
    case 'OrganDonationSet':
    case 'IcdPresenceRecorded':
    case 'IcdDeactivationAnswered':
      return e.data.decidedOn;
    case 'TreatmentDirectiveWithdrawn':
      return e.data.endedOn;
    case 'TreatmentDirectiveConfirmed':
      return e.data.confirmedOn;
    case 'AdvanceDirectiveRegistered':
      return e.data.date;
    case 'AdvanceDirectiveRevoked':
      return e.data.revokedOn;
    case 'CapacityAssessed':
      return e.data.assessedOn;
    case 'RoleAssigned':
    case 'RegisteredGpPracticeSet':
      return e.data.from;
    case 'RoleEnded':
      return e.data.endedOn;
    case 'PlanReviewConfirmed':
      return e.data.reviewedOn;
    case 'SharingConsentRecorded':
      return e.data.recordedOn;
    case 'SharingConsentWithdrawn':
      return e.data.withdrawnOn;
    case 'RecordVoided':
      return e.data.voidedOn;
    case 'LifeWishRecorded':
    case 'OtherInformationRecorded':
    case 'ContactPersonDesignated':
      return ofConversation(e.data.conversationId);
    case 'TreatmentDirectiveRevisionRejected':
    case 'TreatmentDirectiveRevisionWithdrawn':
    case 'LifeWishWithdrawn':
    case 'ContactPersonRemoved':
    case 'PlanReviewRequested':
      return recorded();
  }
}

/**
 * The changes agreed on or before `date`, in the order they were recorded, and how many of them
 * carry a date (the rest hold whatever the date: with none of the first, nothing was agreed yet).
 * The decider refuses an agreement older than the one in force for the same treatment, so for
 * directives the order recorded is the order agreed.
 */
export function agreedOnEvents(
  events: readonly PzpEvent[],
  date: LocalDate,
): { readonly events: PzpEvent[]; readonly dated: number } {
  const conversations = conversationDates(events);
  let dated = 0;
  const agreed = events.filter((e) => {
    const on = agreedOnDate(e, conversations);
    if (on !== undefined && on <= date) dated++;
    return on === undefined || on <= date;
  });
  return { events: agreed, dated };
}

/** The plan from the changes agreed on or before `date`, by the same evolve() as every view. */
export const foldAgreedOn = (events: readonly PzpEvent[], date: LocalDate): PlanState =>
  fold(agreedOnEvents(events, date).events);
