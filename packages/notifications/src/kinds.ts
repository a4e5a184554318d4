import type { EventType } from '@pzp/domain';

/**
 * The kinds of change a notice names. A notice carries no clinical content: what changed is said
 * by kind only, and the receiver reads the plan itself with its own token (access-logged).
 */
export const CHANGE_KINDS = [
  'LIMIT_SET',
  'LIMIT_REVISED',
  'LIMIT_WITHDRAWN',
  'LIMIT_CONFIRMED',
  'ROLE_HANDED_OVER',
  'REVIEW_REQUESTED',
  'REVIEW_CONFIRMED',
  'CONSENT_CHANGED',
  'ENTERED_IN_ERROR',
  'RECORD_VOIDED',
  'PLAN_UPDATED',
  /** The record was read by breaking the glass: told to the patient's regiebehandelaar only. */
  'BREAK_THE_GLASS',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Every event type has a kind (a new event type fails typecheck here until it is given one). */
const KIND_OF: Readonly<Record<EventType, ChangeKind>> = {
  PatientIdentified: 'PLAN_UPDATED',
  ConversationRecorded: 'PLAN_UPDATED',
  TreatmentDirectiveSet: 'LIMIT_SET',
  TreatmentDirectiveRevised: 'LIMIT_REVISED',
  TreatmentDirectiveRevisionProposed: 'LIMIT_REVISED',
  TreatmentDirectiveRevisionRejected: 'LIMIT_REVISED',
  TreatmentDirectiveRevisionWithdrawn: 'LIMIT_REVISED',
  TreatmentDirectiveWithdrawn: 'LIMIT_WITHDRAWN',
  TreatmentDirectiveConfirmed: 'LIMIT_CONFIRMED',
  LifeWishRecorded: 'PLAN_UPDATED',
  LifeWishWithdrawn: 'PLAN_UPDATED',
  MedicalPolicyGoalSet: 'PLAN_UPDATED',
  AdvanceDirectiveRegistered: 'PLAN_UPDATED',
  AdvanceDirectiveRevoked: 'PLAN_UPDATED',
  PreferredPlaceOfDeathSet: 'PLAN_UPDATED',
  EuthanasiaPositionSet: 'PLAN_UPDATED',
  OrganDonationSet: 'PLAN_UPDATED',
  IcdDeactivationAnswered: 'PLAN_UPDATED',
  IcdPresenceRecorded: 'PLAN_UPDATED',
  CapacityAssessed: 'PLAN_UPDATED',
  OtherInformationRecorded: 'PLAN_UPDATED',
  ContactPersonDesignated: 'PLAN_UPDATED',
  ContactPersonRemoved: 'PLAN_UPDATED',
  RoleAssigned: 'ROLE_HANDED_OVER',
  RoleEnded: 'ROLE_HANDED_OVER',
  PlanReviewRequested: 'REVIEW_REQUESTED',
  PlanReviewConfirmed: 'REVIEW_CONFIRMED',
  SharingConsentRecorded: 'CONSENT_CHANGED',
  SharingConsentWithdrawn: 'CONSENT_CHANGED',
  ChangeMarkedEnteredInError: 'ENTERED_IN_ERROR',
  RegisteredGpPracticeSet: 'PLAN_UPDATED',
  RecordVoided: 'RECORD_VOIDED',
  // Destroyed: as for a voided record, the plan is no longer there (helper "shred"; the notify owner may give it a kind of its own).
  RecordDestroyed: 'RECORD_VOIDED',
  // Never stored (parseEvent's reading of a destroyed body), so never a notice's.
  ContentShredded: 'PLAN_UPDATED',
};

/** The distinct kinds of a run of events, in CHANGE_KINDS order (stable for the same events). */
export function changeKindsOf(types: readonly EventType[]): ChangeKind[] {
  const seen = new Set(types.map((t) => KIND_OF[t]));
  return CHANGE_KINDS.filter((k) => seen.has(k));
}
