import type {
  AdvanceDirectiveType,
  CareRole,
  ConsentOrganizationType,
  ConversationTopic,
  Decision,
  EuthanasiaPosition,
  IcdDeactivationAnswer,
  IcdPresence,
  YesNoUnknown,
  MedicalPolicyGoalCode,
  OrganDonationAnswer,
  Transition,
} from './codes.js';
import type {
  Actor,
  ContactPerson,
  Organization,
  Party,
  Patient,
  PlaceOfDeath,
  Practitioner,
  Treatment,
} from './model.js';
import type { DestructionGround } from './destruction.js';

/** Where an item of the plan came from. Every directive and wish carries one. */
export interface Provenance {
  /** Event id of the change that produced this version; the handle for corrections. */
  readonly changeId: string;
  readonly recordedAt: string;
  readonly recordedBy: Actor;
  readonly conversationId?: string | undefined;
  /**
   * false when recorded by someone other than the regiebehandelaar at that moment, null when no
   * regiebehandelaar was assigned. Cleared when the regiebehandelaar confirms the plan reviewed.
   */
  readonly byRegiebehandelaar: boolean | null;
}

/** How and by whom an item stopped being current (withdrawn, revoked, ended, removed). */
export interface Ending {
  readonly on: string;
  readonly reason?: string | undefined;
  readonly changeId: string;
  readonly recordedAt: string;
  readonly recordedBy: Actor;
}

/**
 * A non-physician's revision of a CONFIRMED directive, waiting for a physician: shown beside the
 * confirmed directive, which stays current until a physician confirms this.
 */
export interface PendingRevision {
  readonly treatment: Treatment;
  readonly decision: Decision;
  readonly specification?: string | undefined;
  readonly decidedOn: string;
  readonly parties: readonly Party[];
  readonly comment?: string | undefined;
  readonly provenance: Provenance;
}

export interface TreatmentDirectiveItem {
  readonly key: string;
  readonly treatment: Treatment;
  readonly decision: Decision;
  readonly specification?: string | undefined;
  readonly decidedOn: string;
  readonly parties: readonly Party[];
  readonly comment?: string | undefined;
  readonly status: 'CONFIRMED' | 'PROVISIONAL';
  readonly provenance: Provenance;
  readonly confirmation?:
    | { readonly confirmedOn: string; readonly comment?: string | undefined; readonly by: Provenance }
    | undefined;
  readonly ended?: Ending | undefined;
  readonly pendingRevision?: PendingRevision | undefined;
}

export interface LifeWishItem {
  readonly wishId: string;
  readonly text: string;
  readonly provenance: Provenance;
  readonly withdrawn?: Ending | undefined;
}

export interface AdvanceDirectiveItem {
  readonly advanceDirectiveId: string;
  readonly type: AdvanceDirectiveType;
  readonly date: string;
  readonly representative?: string | undefined;
  readonly documentReference?: string | undefined;
  readonly comment?: string | undefined;
  /** For a treatment refusal (VERB, VERBVL): the treatments it refuses. */
  readonly refusedTreatments?: readonly Treatment[] | undefined;
  readonly provenance: Provenance;
  readonly revoked?: Ending | undefined;
}

/** A single-valued answer of the plan (goal, place of death, euthanasia, donation, ICD). */
export interface Answer<T> {
  readonly value: T;
  readonly decidedOn: string;
  readonly comment?: string | undefined;
  readonly provenance: Provenance;
}

export interface CapacityItem {
  readonly hasCapacity: boolean;
  readonly assessedOn: string;
  readonly comment?: string | undefined;
  readonly provenance: Provenance;
}

export interface ContactPersonItem extends ContactPerson {
  readonly provenance: Provenance;
  readonly removed?: Ending | undefined;
}

export interface RoleAssignmentItem {
  readonly assignmentId: string;
  readonly role: CareRole;
  readonly practitioner: Practitioner;
  readonly organization: Organization;
  readonly from: string;
  readonly transition?: Transition | undefined;
  readonly comment?: string | undefined;
  readonly provenance: Provenance;
  readonly ended?: (Ending & { readonly successorAssignmentId?: string | undefined }) | undefined;
}

export interface SharingConsentItem {
  readonly organizationType: ConsentOrganizationType;
  /** WITHDRAWN counts as a refusal: the patient took consent back. */
  readonly decision: 'GRANTED' | 'REFUSED' | 'WITHDRAWN';
  readonly on: string;
  readonly comment?: string | undefined;
  readonly provenance: Provenance;
}

export interface ConversationItem {
  readonly conversationId: string;
  readonly date: string;
  readonly location?: string | undefined;
  readonly participants: readonly Party[];
  readonly topics: readonly ConversationTopic[];
  readonly patientReady: boolean;
  readonly summary?: string | undefined;
  readonly nextReviewOn: string;
  /** The form's section 7: agreements recorded before, and whether they differ from these. */
  readonly earlierAgreements?:
    | {
        readonly recorded: YesNoUnknown;
        readonly differ?: YesNoUnknown | undefined;
        readonly comment?: string | undefined;
      }
    | undefined;
  /** The form's 8a: the patient was told to discuss the agreements with those close to them. */
  readonly patientInformedToShare?: boolean | undefined;
  readonly provenance: Provenance;
}

/**
 * The plan as the events say it is now: a plain JSON-serialisable value. Items that ended stay
 * here (marked) so rules can tell "ended" from "never existed"; the view shows only current ones.
 */
export interface Plan {
  readonly patient: Patient | null;
  readonly treatmentDirectives: Readonly<Record<string, TreatmentDirectiveItem>>;
  readonly lifeWishes: Readonly<Record<string, LifeWishItem>>;
  readonly advanceDirectives: Readonly<Record<string, AdvanceDirectiveItem>>;
  readonly medicalPolicyGoal: Answer<MedicalPolicyGoalCode> | null;
  readonly preferredPlaceOfDeath: Answer<PlaceOfDeath> | null;
  readonly euthanasiaPosition: Answer<EuthanasiaPosition> | null;
  readonly organDonation: Answer<OrganDonationAnswer> | null;
  readonly icd: Answer<IcdPresence> | null;
  readonly icdDeactivation: Answer<IcdDeactivationAnswer> | null;
  readonly capacity: CapacityItem | null;
  readonly otherInformation: { readonly text: string; readonly provenance: Provenance } | null;
  readonly contactPersons: Readonly<Record<string, ContactPersonItem>>;
  readonly roles: Readonly<Record<string, RoleAssignmentItem>>;
  readonly sharingConsent: Readonly<Partial<Record<ConsentOrganizationType, SharingConsentItem>>>;
  readonly conversations: readonly ConversationItem[];
  /** The practice the patient is registered with (huisarts van inschrijving). */
  readonly registeredGpPractice: {
    readonly practice: Organization;
    readonly from: string;
    readonly provenance: Provenance;
  } | null;
  readonly lastDiscussedOn: string | null;
  readonly lastReviewedOn: string | null;
  readonly reviewDueOn: string | null;
  readonly reviewRequested: {
    readonly reason: string;
    readonly dueOn: string;
    readonly provenance: Provenance;
  } | null;
  /** Set once the record was lawfully destroyed: then nothing else of it is known. */
  readonly destroyed: Destruction | null;
  /** Changes that were marked entered-in-error, with why and by whom. */
  readonly corrections: readonly {
    readonly changeId: string;
    readonly changeType: string;
    readonly reason: string;
    readonly provenance: Provenance;
    /** Changes taken out with it: everything recorded in a conversation marked in error. */
    readonly cascadedChangeIds: readonly string[];
  }[];
}

export const emptyPlan: Plan = {
  patient: null,
  treatmentDirectives: {},
  lifeWishes: {},
  advanceDirectives: {},
  medicalPolicyGoal: null,
  preferredPlaceOfDeath: null,
  euthanasiaPosition: null,
  organDonation: null,
  icd: null,
  icdDeactivation: null,
  capacity: null,
  otherInformation: null,
  contactPersons: {},
  roles: {},
  sharingConsent: {},
  conversations: [],
  registeredGpPractice: null,
  lastDiscussedOn: null,
  lastReviewedOn: null,
  reviewDueOn: null,
  reviewRequested: null,
  destroyed: null,
  corrections: [],
};

/** The record of a lawful destruction: what is left of a destroyed plan (no personal data). */
export interface Destruction {
  readonly grounds: DestructionGround;
  readonly reference?: string | undefined;
  readonly destroyedAt: string;
  readonly destroyedBy: Actor;
  readonly changeId: string;
}

/** The current holder of a role, if any. */
export const activeRoles = (plan: Plan, role?: CareRole): RoleAssignmentItem[] =>
  Object.values(plan.roles).filter((r) => !r.ended && (role === undefined || r.role === role));

export const activeRepresentatives = (plan: Plan, roles: readonly string[]): ContactPersonItem[] =>
  Object.values(plan.contactPersons).filter((c) => !c.removed && roles.includes(c.role));
