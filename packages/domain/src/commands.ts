import { z } from 'zod';
import {
  ADVANCE_DIRECTIVE_TYPE_CODES,
  REFUSAL_DIRECTIVE_TYPES,
  CARE_ROLE_CODES,
  CONSENT_DECISIONS,
  CONSENT_ORGANIZATION_TYPES,
  CONVERSATION_TOPICS,
  EUTHANASIA_POSITIONS,
  ICD_DEACTIVATION_ANSWERS,
  ICD_PRESENCE_ANSWERS,
  YES_NO_UNKNOWN,
  MEDICAL_POLICY_GOAL_CODES,
  ORGAN_DONATION_ANSWERS,
  TRANSITIONS,
} from './codes.js';
import {
  Actor,
  ContactPerson,
  DecisionInput,
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
} from './model.js';
import { DESTRUCTION_GROUNDS, DestructionReference } from './destruction.js';
import { Instant, LocalDate } from './time.js';

/**
 * Commands carry every identifier they create (wishId, contactId, ...) so that decide() stays
 * pure; the application layer fills in fresh UUIDs where a client gave none.
 */

const requireSpecificationForAnders = (
  d: { decision: string; specification?: string | undefined },
  ctx: z.RefinementCtx,
) => {
  if (d.decision === 'ANDERS' && !d.specification) {
    ctx.addIssue({
      code: 'custom',
      path: ['specification'],
      message: 'ANDERS needs a specification of the conditions',
    });
  }
};

const DirectiveFields = {
  treatment: Treatment,
  decision: DecisionInput,
  specification: Text.optional(),
  comment: Text.optional(),
};

/** A directive agreed in a conversation: its parties and date are the conversation's. */
export const ConversationDirective = z.object(DirectiveFields).superRefine(requireSpecificationForAnders);

/** A written directive; a treatment refusal (VERB, VERBVL) may name the treatments it refuses. */
export const AdvanceDirectiveFields = z
  .object({
    advanceDirectiveId: Id,
    type: z.enum(ADVANCE_DIRECTIVE_TYPE_CODES),
    date: LocalDate,
    representative: Name.optional(),
    documentReference: Reference.optional(),
    comment: Text.optional(),
    refusedTreatments: z.array(Treatment).max(20).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.refusedTreatments?.length && !REFUSAL_DIRECTIVE_TYPES.includes(a.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['refusedTreatments'],
        message: `Only a treatment refusal (${REFUSAL_DIRECTIVE_TYPES.join(', ')}) names refused treatments`,
      });
    }
  });

const Review = {
  /** Explicit next review date, or else `reviewAfterMonths` (default 12) after the conversation. */
  nextReviewOn: LocalDate.optional(),
  reviewAfterMonths: z.number().int().min(1).max(60).optional(),
};

export const CommandSchemas = {
  RecordConversation: z.object({
    conversationId: Id,
    /** Required when the registry holds no plan for this patient yet. */
    patient: Patient.optional(),
    date: LocalDate,
    location: Name.optional(),
    participants: Parties,
    topics: z.array(z.enum(CONVERSATION_TOPICS)).max(CONVERSATION_TOPICS.length).default([]),
    patientReady: z.boolean().default(true),
    summary: Text.optional(),
    /** The form's section 7: agreements recorded before, and whether they say otherwise than now. */
    earlierAgreements: z
      .object({
        recorded: z.enum(YES_NO_UNKNOWN),
        differ: z.enum(YES_NO_UNKNOWN).optional(),
        comment: Text.optional(),
      })
      .optional(),
    /** The form's 8a: the patient was told to discuss these agreements with those close to them. */
    patientInformedToShare: z.boolean().optional(),
    treatmentDirectives: z.array(ConversationDirective).max(50).default([]),
    lifeWishes: z
      .array(z.object({ wishId: Id, text: Text }))
      .max(50)
      .default([]),
    medicalPolicyGoal: z
      .object({ goal: z.enum(MEDICAL_POLICY_GOAL_CODES), comment: Text.optional() })
      .optional(),
    advanceDirectives: z.array(AdvanceDirectiveFields).max(20).default([]),
    /**
     * The practice the patient is registered with. In the first conversation it defaults to the
     * recording GP's own practice; later it changes only when given.
     */
    registeredGpPractice: GpPractice.optional(),
    preferredPlaceOfDeath: z.object({ place: PlaceOfDeath, comment: Text.optional() }).optional(),
    euthanasiaPosition: z
      .object({ position: z.enum(EUTHANASIA_POSITIONS), comment: Text.optional() })
      .optional(),
    organDonation: z.object({ answer: z.enum(ORGAN_DONATION_ANSWERS), comment: Text.optional() }).optional(),
    /** Whether the patient has an ICD, with what the form notes about it (type, since when). */
    icd: z.object({ present: z.enum(ICD_PRESENCE_ANSWERS), comment: Text.optional() }).optional(),
    icdDeactivation: z
      .object({ answer: z.enum(ICD_DEACTIVATION_ANSWERS), comment: Text.optional() })
      .optional(),
    capacity: z.object({ hasCapacity: z.boolean(), comment: Text.optional() }).optional(),
    contactPersons: z.array(ContactPerson).max(20).default([]),
    sharingConsents: z
      .array(
        z.object({
          organizationType: z.enum(CONSENT_ORGANIZATION_TYPES),
          decision: z.enum(CONSENT_DECISIONS),
          comment: Text.optional(),
        }),
      )
      .max(CONSENT_ORGANIZATION_TYPES.length)
      .default([]),
    otherInformation: Text.optional(),
    ...Review,
  }),
  SetTreatmentDirective: z
    .object({ ...DirectiveFields, decidedOn: LocalDate, parties: Parties })
    .superRefine(requireSpecificationForAnders),
  WithdrawTreatmentDirective: z.object({ treatment: Treatment, endedOn: LocalDate, reason: Text }),
  ConfirmTreatmentDirective: z.object({
    treatment: Treatment,
    confirmedOn: LocalDate,
    comment: Text.optional(),
  }),
  /** A physician turns down a non-physician's pending revision; the confirmed directive stays. */
  RejectTreatmentDirectiveRevision: z.object({ treatment: Treatment, reason: Text }),
  /** The author of a pending revision takes it back. */
  WithdrawTreatmentDirectiveRevision: z.object({ treatment: Treatment, reason: Text }),
  RecordLifeWish: z.object({ wishId: Id, text: Text }),
  WithdrawLifeWish: z.object({ wishId: Id, reason: Text }),
  SetMedicalPolicyGoal: z.object({
    goal: z.enum(MEDICAL_POLICY_GOAL_CODES),
    decidedOn: LocalDate,
    comment: Text.optional(),
  }),
  RegisterAdvanceDirective: AdvanceDirectiveFields,
  RevokeAdvanceDirective: z.object({ advanceDirectiveId: Id, revokedOn: LocalDate, reason: Text }),
  SetPreferredPlaceOfDeath: z.object({ place: PlaceOfDeath, decidedOn: LocalDate, comment: Text.optional() }),
  SetEuthanasiaPosition: z.object({
    position: z.enum(EUTHANASIA_POSITIONS),
    decidedOn: LocalDate,
    comment: Text.optional(),
  }),
  SetOrganDonation: z.object({
    answer: z.enum(ORGAN_DONATION_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
  }),
  RecordIcdPresence: z.object({
    present: z.enum(ICD_PRESENCE_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
  }),
  AnswerIcdDeactivation: z.object({
    answer: z.enum(ICD_DEACTIVATION_ANSWERS),
    decidedOn: LocalDate,
    comment: Text.optional(),
  }),
  AssessCapacity: z.object({ hasCapacity: z.boolean(), assessedOn: LocalDate, comment: Text.optional() }),
  RecordOtherInformation: z.object({ text: Text }),
  DesignateContactPerson: ContactPerson,
  RemoveContactPerson: z.object({ contactId: Id, reason: Text }),
  AssignRole: z.object({
    assignmentId: Id,
    role: z.enum(CARE_ROLE_CODES),
    practitioner: Practitioner,
    organization: Organization,
    from: LocalDate,
    transition: z.enum(TRANSITIONS).optional(),
    comment: Text.optional(),
  }),
  EndRole: z.object({
    assignmentId: Id,
    endedOn: LocalDate,
    reason: Text,
    transition: z.enum(TRANSITIONS).optional(),
  }),
  RecordSharingConsent: z.object({
    organizationType: z.enum(CONSENT_ORGANIZATION_TYPES),
    decision: z.enum(CONSENT_DECISIONS),
    recordedOn: LocalDate,
    comment: Text.optional(),
  }),
  WithdrawSharingConsent: z.object({
    organizationType: z.enum(CONSENT_ORGANIZATION_TYPES),
    withdrawnOn: LocalDate,
    reason: Text.optional(),
  }),
  MarkEnteredInError: z.object({ changeId: Id, reason: Text }),
  SetRegisteredGpPractice: z.object({ practice: GpPractice, from: LocalDate }),
  /** The whole record was entered on the wrong patient. */
  VoidRecord: z.object({ reason: Text, voidedOn: LocalDate }),
  ConfirmPlanReviewed: z.object({ reviewedOn: LocalDate, comment: Text.optional(), ...Review }),
  /** Lawful destruction of the whole record (destruction.ts); nothing can be recorded in it after. */
  DestroyRecord: z.object({
    grounds: z.enum(DESTRUCTION_GROUNDS),
    reference: DestructionReference.optional(),
  }),
} as const;

export type CommandType = keyof typeof CommandSchemas;
export const COMMAND_TYPES = Object.keys(CommandSchemas) as CommandType[];
/** What a caller writes (defaults may be left out). */
export type CommandInput<T extends CommandType> = z.input<(typeof CommandSchemas)[T]>;
/** After validation (defaults filled, zib 2017 codes mapped). */
export type CommandData<T extends CommandType> = z.output<(typeof CommandSchemas)[T]>;

/** Who issues the command and when: from the verified token and the server clock, never the client. */
export const CommandMetadata = z.object({ actor: Actor, now: Instant });
export type CommandMetadata = z.infer<typeof CommandMetadata>;

export type PzpCommand = {
  [T in CommandType]: { type: T; data: CommandInput<T>; metadata: CommandMetadata };
}[CommandType];
