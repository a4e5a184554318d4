import { z } from 'zod';
import {
  ADVANCE_DIRECTIVE_TYPE_CODES,
  CARE_ROLE_CODES,
  CONSENT_DECISIONS,
  CONSENT_ORGANIZATION_TYPES,
  CONVERSATION_TOPICS,
  DECISIONS,
  EUTHANASIA_POSITIONS,
  ICD_DEACTIVATION_ANSWERS,
  ICD_PRESENCE_ANSWERS,
  YES_NO_UNKNOWN,
  MEDICAL_POLICY_GOAL_CODES,
  ORGAN_DONATION_ANSWERS,
  TRANSITIONS,
} from './codes.js';
import { DESTRUCTION_GROUNDS, DestructionReference } from './destruction.js';
import { Stored } from './model.js';
import { Instant, LocalDate } from './time.js';

/**
 * Event bodies are read with the rules they were written under (model.ts, Stored): tightening an
 * input rule must never make a stored event unreadable. What comes in is checked by the commands.
 */
const {
  Actor,
  ContactPerson,
  GpPractice,
  Id,
  Name,
  Organization,
  Parties,
  Patient,
  PlaceOfDeath,
  Practitioner,
  Reference,
  Text,
  Treatment,
} = Stored;

/** Every data schema of the current version; older versions are upcast (./upcast.ts) before parsing. */
export const CURRENT_SCHEMA_VERSION = 1;

const fromConversation = { conversationId: Id.optional() };

export const TreatmentDirectiveData = z
  .object({
    treatment: Treatment,
    decision: z.enum(DECISIONS),
    /** The conditions under which the treatment is (not) given; mandatory for ANDERS. */
    specification: Text.optional(),
    decidedOn: LocalDate,
    parties: Parties,
    comment: Text.optional(),
    /** PROVISIONAL when recorded by a non-physician, until a physician confirms it. */
    status: z.enum(['CONFIRMED', 'PROVISIONAL']),
    ...fromConversation,
  })
  .superRefine((d, ctx) => {
    if (d.decision === 'ANDERS' && !d.specification) {
      ctx.addIssue({
        code: 'custom',
        path: ['specification'],
        message: 'ANDERS needs a specification of the conditions',
      });
    }
  });

export const EventSchemas = {
  /** The patient's identifying details; first event of every plan. */
  PatientIdentified: Patient,
  ConversationRecorded: z.object({
    conversationId: Id,
    date: LocalDate,
    location: Name.optional(),
    participants: Parties,
    topics: z.array(z.enum(CONVERSATION_TOPICS)).max(CONVERSATION_TOPICS.length),
    /** false records that the patient was not (yet) ready to talk about these things. */
    patientReady: z.boolean(),
    summary: Text.optional(),
    nextReviewOn: LocalDate,
    earlierAgreements: z
      .object({
        recorded: z.enum(YES_NO_UNKNOWN),
        differ: z.enum(YES_NO_UNKNOWN).optional(),
        comment: Text.optional(),
      })
      .optional(),
    patientInformedToShare: z.boolean().optional(),
  }),
  /** A directive for a treatment that had no current one. */
  TreatmentDirectiveSet: TreatmentDirectiveData,
  /** A new version of a treatment's current directive. */
  TreatmentDirectiveRevised: TreatmentDirectiveData,
  /**
   * A non-physician's new version of a CONFIRMED directive (status PROVISIONAL). It never replaces
   * the confirmed one: it is shown beside it as pending until a physician confirms it (then it
   * replaces the old one), a physician rejects it, or its author withdraws it.
   */
  TreatmentDirectiveRevisionProposed: TreatmentDirectiveData,
  TreatmentDirectiveRevisionRejected: z.object({
    treatment: Treatment,
    /** changeId of the proposal rejected. */
    proposalChangeId: Id,
    reason: Text,
  }),
  /** The proposal's own author took it back. */
  TreatmentDirectiveRevisionWithdrawn: z.object({
    treatment: Treatment,
    proposalChangeId: Id,
    reason: Text,
  }),
  TreatmentDirectiveWithdrawn: z.object({ treatment: Treatment, endedOn: LocalDate, reason: Text }),
  TreatmentDirectiveConfirmed: z.object({
    treatment: Treatment,
    /** changeId (event id) of the version confirmed. */
    confirmedChangeId: Id,
    confirmedOn: LocalDate,
    comment: Text.optional(),
  }),
  LifeWishRecorded: z.object({ wishId: Id, text: Text, ...fromConversation }),
  LifeWishWithdrawn: z.object({ wishId: Id, reason: Text }),
  MedicalPolicyGoalSet: z.object({
    goal: z.enum(MEDICAL_POLICY_GOAL_CODES),
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  AdvanceDirectiveRegistered: z.object({
    advanceDirectiveId: Id,
    type: z.enum(ADVANCE_DIRECTIVE_TYPE_CODES),
    date: LocalDate,
    representative: Name.optional(),
    documentReference: Reference.optional(),
    comment: Text.optional(),
    /** For a treatment refusal (VERB, VERBVL): the treatments it refuses. */
    refusedTreatments: z.array(Treatment).max(20).optional(),
    ...fromConversation,
  }),
  AdvanceDirectiveRevoked: z.object({ advanceDirectiveId: Id, revokedOn: LocalDate, reason: Text }),
  PreferredPlaceOfDeathSet: z.object({
    place: PlaceOfDeath,
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  EuthanasiaPositionSet: z.object({
    position: z.enum(EUTHANASIA_POSITIONS),
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  OrganDonationSet: z.object({
    answer: z.enum(ORGAN_DONATION_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  IcdPresenceRecorded: z.object({
    present: z.enum(ICD_PRESENCE_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  IcdDeactivationAnswered: z.object({
    answer: z.enum(ICD_DEACTIVATION_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  CapacityAssessed: z.object({
    hasCapacity: z.boolean(),
    assessedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  OtherInformationRecorded: z.object({ text: Text, ...fromConversation }),
  ContactPersonDesignated: ContactPerson.extend(fromConversation),
  ContactPersonRemoved: z.object({ contactId: Id, reason: Text }),
  RoleAssigned: z.object({
    assignmentId: Id,
    role: z.enum(CARE_ROLE_CODES),
    practitioner: Practitioner,
    organization: Organization,
    from: LocalDate,
    transition: z.enum(TRANSITIONS).optional(),
    comment: Text.optional(),
  }),
  RoleEnded: z.object({
    assignmentId: Id,
    endedOn: LocalDate,
    reason: Text,
    transition: z.enum(TRANSITIONS).optional(),
    /** Set when the role was handed over to a new holder. */
    successorAssignmentId: Id.optional(),
  }),
  /** A signal that the plan must be reviewed, e.g. after a change of regiebehandelaar. */
  PlanReviewRequested: z.object({
    reason: z.enum(['REGIEBEHANDELAAR_CHANGED', 'TRANSITION']),
    dueOn: LocalDate,
  }),
  PlanReviewConfirmed: z.object({ reviewedOn: LocalDate, nextReviewOn: LocalDate, comment: Text.optional() }),
  SharingConsentRecorded: z.object({
    organizationType: z.enum(CONSENT_ORGANIZATION_TYPES),
    decision: z.enum(CONSENT_DECISIONS),
    recordedOn: LocalDate,
    comment: Text.optional(),
    ...fromConversation,
  }),
  SharingConsentWithdrawn: z.object({
    organizationType: z.enum(CONSENT_ORGANIZATION_TYPES),
    withdrawnOn: LocalDate,
    reason: Text.optional(),
  }),
  /**
   * The change stays in history but no longer counts for the current state. A conversation marked
   * in error takes everything recorded in it (same conversationId) with it.
   */
  ChangeMarkedEnteredInError: z.object({ changeId: Id, changeType: Name, reason: Text }),
  /**
   * The practice the patient is registered with (huisarts van inschrijving): it may always read
   * the plan, whoever holds the regiebehandelaar role.
   */
  RegisteredGpPracticeSet: z.object({
    practice: GpPractice,
    from: LocalDate,
    ...fromConversation,
  }),
  /**
   * The whole record was entered on the wrong patient (e.g. a mistyped BSN): the current view for
   * this patient becomes "no plan"; history and the access log keep everything. A later
   * conversation starts a new plan.
   */
  RecordVoided: z.object({ reason: Text, voidedOn: LocalDate }),
  /**
   * The record was lawfully destroyed (destruction.ts): stored in plaintext and without personal
   * data, who and when in its envelope; the patient's key is destroyed after it.
   */
  RecordDestroyed: z.object({
    grounds: z.enum(DESTRUCTION_GROUNDS),
    reference: DestructionReference.optional(),
  }),
  /**
   * Never stored: how parseEvent shows a stored event whose body was destroyed with its key. Its
   * type and envelope stay; nothing of what it said does.
   */
  ContentShredded: z.object({ originalType: Name }),
} as const;

export type EventType = keyof typeof EventSchemas;
export const EVENT_TYPES = Object.keys(EventSchemas) as EventType[];
export type EventDataOf<T extends EventType> = z.infer<(typeof EventSchemas)[T]>;

/** An event as decide() produces it: type and body, before the envelope is added. */
export type NewPzpEvent = { [T in EventType]: { type: T; data: EventDataOf<T> } }[EventType];

export const EventMetadata = z.object({
  eventId: z.uuid(),
  recordedAt: Instant,
  recordedBy: Actor,
  sourceSystem: Name,
  correlationId: Id,
  causationId: Id,
  schemaVersion: z.number().int().positive(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;

/** A recorded event of a patient's stream: body plus envelope. */
export type PzpEvent = NewPzpEvent & { metadata: EventMetadata };

export const isEventType = (type: string): type is EventType => Object.hasOwn(EventSchemas, type);
