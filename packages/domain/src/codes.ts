/**
 * Code systems and value sets of the PZP information standard (zib 2020 TreatmentDirective2 and
 * AdvanceDirective, IKNL PZP FHIR guide). Meanings are explained in shared/domain.md.
 */

/** Treatments a directive can be about (SNOMED CT), OTH with free text for anything else. */
export const TREATMENTS = {
  '89666000': 'Cardiopulmonale resuscitatie (CPR)',
  '40617009': 'Mechanische beademing',
  '305351004': 'Opname op intensive care (IC)',
  '32485007': 'Ziekenhuisopname',
  '281789004': 'Antibiotica',
  '116762002': 'Toediening van bloedproducten',
  OTH: 'Overige behandeling',
} as const;
export type TreatmentCode = keyof typeof TREATMENTS;
/**
 * The coded treatments every current view lists, in the order a clinician at night needs them
 * (written out: JavaScript would order numeric object keys numerically, putting CPR fourth).
 */
export const STANDARD_TREATMENT_CODES = [
  '89666000',
  '40617009',
  '305351004',
  '32485007',
  '281789004',
  '116762002',
] as const satisfies readonly Exclude<TreatmentCode, 'OTH'>[];
export const TREATMENT_CODES = [
  ...STANDARD_TREATMENT_CODES,
  'OTH',
] as const satisfies readonly TreatmentCode[];

/** zib 2020 decision: WEL uitvoeren, NIET uitvoeren, ANDERS (only under the stated conditions). */
export const DECISIONS = ['WEL', 'NIET', 'ANDERS'] as const;
export type Decision = (typeof DECISIONS)[number];
/** zib 2017 used JA / NEE / JA_MAAR; accepted on input and mapped to the 2020 codes. */
export const ZIB2017_DECISION_MAP: Readonly<Record<'JA' | 'NEE' | 'JA_MAAR', Decision>> = {
  JA: 'WEL',
  NEE: 'NIET',
  JA_MAAR: 'ANDERS',
};

/** Written advance directive types (zib AdvanceDirective). */
export const ADVANCE_DIRECTIVE_TYPES = {
  DO: 'Donorcodicil',
  EU: 'Euthanasieverzoek',
  EUD: 'Euthanasieverzoek bij dementie',
  LW: 'Levenswensverklaring',
  MON: 'Mondelinge afspraak',
  NR: 'Niet-reanimerenverklaring (incl. niet-reanimerenpenning)',
  VERB: 'Behandelverbod',
  VERBVL: 'Behandelverbod met volmacht',
  VOL: 'Volmacht',
} as const;
export type AdvanceDirectiveType = keyof typeof ADVANCE_DIRECTIVE_TYPES;
export const ADVANCE_DIRECTIVE_TYPE_CODES = Object.keys(ADVANCE_DIRECTIVE_TYPES) as [
  AdvanceDirectiveType,
  ...AdvanceDirectiveType[],
];

/** Written directives that refuse treatments (behandelverbod, also with power of attorney). */
export const REFUSAL_DIRECTIVE_TYPES: readonly AdvanceDirectiveType[] = ['VERB', 'VERBVL'];
/** Written euthanasia requests (general, and for dementia). */
export const EUTHANASIA_DIRECTIVE_TYPES: readonly AdvanceDirectiveType[] = ['EU', 'EUD'];

/** Medical policy goal (SNOMED CT). */
export const MEDICAL_POLICY_GOALS = {
  '385987000': 'Curatief / levensverlengend',
  '1351964001': 'Palliatief: levensverlengend en symptoombestrijding',
  '713148004': 'Palliatief: uitsluitend symptoombestrijding',
} as const;
export type MedicalPolicyGoalCode = keyof typeof MEDICAL_POLICY_GOALS;
export const MEDICAL_POLICY_GOAL_CODES = Object.keys(MEDICAL_POLICY_GOALS) as [
  MedicalPolicyGoalCode,
  ...MedicalPolicyGoalCode[],
];

/** Preferred place of death (SNOMED CT), OTH with text, UNK unknown. */
export const PLACES_OF_DEATH = {
  '264362003': 'Thuis',
  '22232009': 'Ziekenhuis',
  '108344006': 'Verpleeghuis',
  '284546000': 'Hospice',
  OTH: 'Anders',
  UNK: 'Onbekend',
} as const;
export type PlaceOfDeathCode = keyof typeof PLACES_OF_DEATH;
export const PLACE_OF_DEATH_CODES = Object.keys(PLACES_OF_DEATH) as [PlaceOfDeathCode, ...PlaceOfDeathCode[]];

/** Contact person roles (zib ContactPerson role codes used by the PZP standard). */
export const CONTACT_ROLES = {
  '01': 'Eerste relatie/contactpersoon',
  '23': 'Contactpersoon',
  '24': 'Wettelijk vertegenwoordiger',
  '03': 'Curator (juridisch)',
  '15': 'Mentor',
} as const;
export type ContactRole = keyof typeof CONTACT_ROLES;
export const CONTACT_ROLE_CODES = Object.keys(CONTACT_ROLES) as [ContactRole, ...ContactRole[]];
/** Roles that make a contact a representative who decides when the patient lacks capacity. */
export const REPRESENTATIVE_ROLES: readonly ContactRole[] = ['24', '03', '15'];

export const RELATIONSHIPS = [
  'SPOUSE_OR_PARTNER',
  'CHILD',
  'PARENT',
  'SIBLING',
  'OTHER_FAMILY',
  'FRIEND',
  'NEIGHBOUR',
  'PROFESSIONAL_REPRESENTATIVE',
  'OTHER',
] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export const EUTHANASIA_POSITIONS = ['HAS_DECLARATION', 'DOES_NOT_WANT', 'MAY_REQUEST', 'UNKNOWN'] as const;
export type EuthanasiaPosition = (typeof EUTHANASIA_POSITIONS)[number];

export const ORGAN_DONATION_ANSWERS = ['YES', 'NO', 'UNKNOWN'] as const;
export type OrganDonationAnswer = (typeof ORGAN_DONATION_ANSWERS)[number];

/** Yes, no or not (yet) known: the national form's answers to its yes/no questions. */
export const YES_NO_UNKNOWN = ['YES', 'NO', 'UNKNOWN'] as const;
export type YesNoUnknown = (typeof YES_NO_UNKNOWN)[number];

/** Whether the patient has an ICD (implantable cardioverter-defibrillator): the form's question 4h. */
export const ICD_PRESENCE_ANSWERS = ['YES', 'NO', 'UNKNOWN'] as const;
export type IcdPresence = (typeof ICD_PRESENCE_ANSWERS)[number];

/** Whether the ICD (implanted defibrillator) is to be deactivated near the end of life. */
export const ICD_DEACTIVATION_ANSWERS = ['YES', 'NOT_YET_DECIDED', 'NOT_DISCUSSED'] as const;
export type IcdDeactivationAnswer = (typeof ICD_DEACTIVATION_ANSWERS)[number];

/** Kinds of organisation a caller can belong to; also the unit of sharing consent. */
export const ORGANIZATION_TYPES = [
  'HUISARTSENPRAKTIJK',
  'HAP',
  'SEH',
  'ZIEKENHUIS',
  'VVT',
  'AMBULANCE',
  'AUDIT',
] as const;
export type OrganizationType = (typeof ORGANIZATION_TYPES)[number];
/** Organisation types a patient can consent (or refuse) to share the plan with. */
export type ConsentOrganizationType = Exclude<OrganizationType, 'AUDIT'>;
export const CONSENT_ORGANIZATION_TYPES = ORGANIZATION_TYPES.filter((t) => t !== 'AUDIT') as [
  ConsentOrganizationType,
  ...ConsentOrganizationType[],
];

export const PROFESSIONS = {
  GENERAL_PRACTITIONER: { label: 'Huisarts', physician: true },
  ELDERLY_CARE_PHYSICIAN: { label: 'Specialist ouderengeneeskunde', physician: true },
  MEDICAL_SPECIALIST: { label: 'Medisch specialist', physician: true },
  EMERGENCY_PHYSICIAN: { label: 'SEH-arts', physician: true },
  PHYSICIAN: { label: 'Arts', physician: true },
  NURSE_PRACTITIONER: { label: 'Verpleegkundig specialist', physician: false },
  PRACTICE_NURSE: { label: 'Praktijkondersteuner', physician: false },
  DISTRICT_NURSE: { label: 'Wijkverpleegkundige', physician: false },
  CASE_MANAGER: { label: 'Casemanager dementie', physician: false },
  NURSE: { label: 'Verpleegkundige', physician: false },
  AMBULANCE_NURSE: { label: 'Ambulanceverpleegkundige', physician: false },
  AUDITOR: { label: 'Auditor', physician: false },
} as const;
export type Profession = keyof typeof PROFESSIONS;
export const PROFESSION_CODES = Object.keys(PROFESSIONS) as [Profession, ...Profession[]];
export const isPhysician = (profession: Profession): boolean => PROFESSIONS[profession].physician;
/** Care professionals who may take part in and record PZP conversations (everyone but auditors). */
export const isCareProfessional = (profession: Profession): boolean => profession !== 'AUDITOR';

/** Roles in a patient's PZP care (who is responsible for what). */
export const CARE_ROLES = {
  REGIEBEHANDELAAR: { label: 'Regiebehandelaar', single: true, physicianOnly: false },
  HOOFDBEHANDELAAR: { label: 'Hoofdbehandelaar', single: true, physicianOnly: true },
  CONVERSATION_LEAD: { label: 'Initiator / gespreksleider PZP', single: true, physicianOnly: false },
  SUPPORTING_NURSE: { label: 'Ondersteunend verpleegkundige', single: false, physicianOnly: false },
  CASE_MANAGER: { label: 'Casemanager', single: false, physicianOnly: false },
} as const;
export type CareRole = keyof typeof CARE_ROLES;
export const CARE_ROLE_CODES = Object.keys(CARE_ROLES) as [CareRole, ...CareRole[]];

/** Care transitions at which roles are transferred (domain.md: "When and what"). */
export const TRANSITIONS = [
  'HOSPITAL_ADMISSION',
  'HOSPITAL_DISCHARGE',
  'NURSING_HOME_ADMISSION',
  'HOSPICE_ADMISSION',
  'CHANGE_OF_GP',
  'OTHER',
] as const;
export type Transition = (typeof TRANSITIONS)[number];

export const CONSENT_DECISIONS = ['GRANTED', 'REFUSED'] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

/** Topics a PZP conversation can cover (domain.md: "A conversation covers"). */
export const CONVERSATION_TOPICS = [
  'EARLIER_AGREEMENTS',
  'WHAT_MATTERS',
  'GOALS',
  'TREATMENT_WISHES_AND_LIMITS',
  'PLACE_OF_DEATH',
  'EUTHANASIA',
  'ORGAN_DONATION',
  'ICD',
  'CAPACITY',
  'REPRESENTATIVE',
  'SHARING_CONSENT',
] as const;
export type ConversationTopic = (typeof CONVERSATION_TOPICS)[number];

/** Default interval until the plan's next review when a conversation names none. */
export const DEFAULT_REVIEW_INTERVAL_MONTHS = 12;
