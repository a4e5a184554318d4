/**
 * The canonical URLs and code systems the IKNL PZP guide (iknl.fhir.r4.pzp) and the Nictiz zib
 * 2020 profiles it builds on use. One place, so a mapping never spells a URL twice.
 */
export const IKNL = 'https://fhir.iknl.nl/fhir';
export const IMPLEMENTATION_GUIDE = 'iknl.fhir.r4.pzp';

export const PROFILE = {
  patient: `${IKNL}/StructureDefinition/ACP-Patient`,
  treatmentDirective: `${IKNL}/StructureDefinition/ACP-TreatmentDirective`,
  contactPerson: `${IKNL}/StructureDefinition/ACP-ContactPerson`,
  healthProfessionalRole: `${IKNL}/StructureDefinition/ACP-HealthProfessional-PractitionerRole`,
  advanceDirective: `${IKNL}/StructureDefinition/ACP-AdvanceDirective`,
  medicalPolicyGoal: `${IKNL}/StructureDefinition/ACP-Medical-Policy-Goal`,
  specificCareWishes: `${IKNL}/StructureDefinition/ACP-SpecificCareWishes`,
  preferredPlaceOfDeath: `${IKNL}/StructureDefinition/ACP-PreferredPlaceOfDeath`,
  positionRegardingEuthanasia: `${IKNL}/StructureDefinition/ACP-PositionRegardingEuthanasia`,
  organDonationChoiceRegistration: `${IKNL}/StructureDefinition/ACP-OrganDonationChoiceRegistration`,
  otherImportantInformation: `${IKNL}/StructureDefinition/ACP-OtherImportantInformation`,
  procedure: `${IKNL}/StructureDefinition/ACP-Procedure`,
  encounter: `${IKNL}/StructureDefinition/ACP-Encounter`,
} as const;

/** ValueSets the guide's searches name (ValueSet.fsh). */
export const VALUE_SET = {
  medicalPolicyGoal: `${IKNL}/ValueSet/ACP-MedicalPolicyGoal`,
} as const;

export const EXTENSION = {
  /** ACP-Patient: legal capacity regarding medical treatment decisions (Extension.fsh). */
  legallyCapable: `${IKNL}/StructureDefinition/ext-LegallyCapable-MedicalTreatmentDecisions`,
  /** nl-core-TreatmentDirective2: the conditions of an "Anders" decision; overrides provision.type. */
  specificationOther: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther',
  reasonForEnding: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.ReasonForEnding',
  comment: 'http://nictiz.nl/fhir/StructureDefinition/ext-Comment',
  patientRelatedPerson: 'http://hl7.org/fhir/StructureDefinition/patient-relatedPerson',
} as const;

export const SYSTEM = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  snomed: 'http://snomed.info/sct',
  nullFlavor: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  /** zib ContactPerson role codes (01 first contact, 24 legal representative, ...). */
  contactRole: 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472',
  consentCategory: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes',
  /** zib AdvanceDirective WilsverklaringTypeCodelijst (NR, VERB, EU, ...), as nl-core-AdvanceDirective-01 codes it. */
  advanceDirectiveType: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1',
  observationStatus: 'http://hl7.org/fhir/observation-status',
} as const;

/** Consent.category of a treatment directive (nl-core-TreatmentDirective2). */
export const TREATMENT_DIRECTIVE_CATEGORY = '129125009';
/** Consent.policy when nothing else is recorded: the zib's fallback for Dutch law (ppc-1). */
export const DUTCH_LAW = 'https://wetten.overheid.nl/';

/** Consent.category of an advance directive (nl-core-AdvanceDirective; data-exchange search 3). */
export const ADVANCE_DIRECTIVE_CATEGORY = 'acd';
