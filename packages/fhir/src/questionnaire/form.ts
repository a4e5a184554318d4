import type { Coding } from '@medplum/fhirtypes';
import type {
  ContactRole,
  EuthanasiaPosition,
  IcdDeactivationAnswer,
  MedicalPolicyGoalCode,
  OrganDonationAnswer,
  PlaceOfDeathCode,
  Profession,
  Relationship,
} from '@pzp/domain';
import { IKNL, SYSTEM } from '../systems.js';

/**
 * The national PZP form, IKNL's Questionnaire ACP-zib2020 (input/resources of the guide): the
 * linkIds and answer codes the import reads and method 2 writes. One table for both directions,
 * so what is read back is what was written.
 */
export const ACP_FORM = `${IKNL}/Questionnaire/ACP-zib2020`;
/** The form's version this table was made from. */
export const ACP_FORM_VERSION = '0.1.3-beta3';

export const LINK = {
  filledInOn: '963',
  patientName: { group: '7', given: '964', prefix: '965', family: '966' },
  patientBirthDate: '967',
  conductedBy: { group: '8', name: '16', given: '968', prefix: '969', family: '970', role: '1405' },
  capacity: { group: '26', answer: '1406', comment: '1407' },
  representative: {
    group: '29',
    name: { group: '30', given: '973', prefix: '974', family: '975' },
    contact: '39',
    role: '982',
    roleOther: '411',
    relationship: '983',
    relationshipOther: '408',
    alsoFirstContact: '984',
  },
  firstContact: {
    name: { group: '53', given: '985', prefix: '986', family: '987' },
    contact: '61',
    relationship: '995',
    relationshipOther: '412',
  },
  /** Phone and e-mail groups of a contact (representative's, first contact's). */
  telecom: {
    representative: {
      phones: '40',
      phone: '976',
      phoneType: '977',
      phoneUse: '978',
      phoneNote: '979',
      emails: '41',
      email: '980',
      emailUse: '981',
    },
    firstContact: {
      phones: '62',
      phone: '988',
      phoneType: '989',
      phoneUse: '990',
      phoneNote: '991',
      emails: '66',
      email: '992',
      emailUse: '993',
    },
  },
  presence: {
    group: '78',
    patient: '82',
    role: '997',
    roleOther: '414',
    relationship: '998',
    relationshipOther: '413',
  },
  goal: { group: '586', name: '1408', value: '999' },
  treatments: '83',
  icd: { has: '1006', productType: '1008', comment: '1009' },
  icdDeactivation: { group: '1425', treatment: '1426', decision: '1005', comment: '1010' },
  wishes: {
    group: '107',
    careWishes: { group: '1427', name: '1428', value: '1190' },
    placeOfDeath: { group: '1429', name: '1430', value: '1191', comment: '1192' },
    euthanasia: { group: '1431', name: '1432', value: '1193', comment: '1194' },
    organDonation: { group: '1433', name: '1434', value: '1435' },
  },
  otherInformation: { group: '598', name: '1436', value: '1196' },
  earlier: { group: '115', answer: '1197', comment: '1198', differs: '1199' },
  sharing: { group: '119', informed: '1200', consent: '1201' },
} as const;

/** One treatment question of section 4: its group, the fixed treatment coding and the answers. */
export interface TreatmentQuestion {
  readonly group: string;
  readonly treatment: string;
  readonly decision: string;
  /** "SpecificatieAnders": the conditions of an Anders decision; the "other" group has none. */
  readonly specification?: string;
  readonly comment: string;
  /** The SNOMED code, or OTH for "g) Overige behandelgrenzen". */
  readonly code: string;
}

export const TREATMENT_QUESTIONS: readonly TreatmentQuestion[] = [
  {
    group: '1409',
    treatment: '1410',
    decision: '1386',
    specification: '1001',
    comment: '1002',
    code: '89666000',
  },
  {
    group: '1411',
    treatment: '1412',
    decision: '1387',
    specification: '1388',
    comment: '1389',
    code: '40617009',
  },
  {
    group: '1413',
    treatment: '1414',
    decision: '1390',
    specification: '1391',
    comment: '1392',
    code: '305351004',
  },
  {
    group: '1415',
    treatment: '1416',
    decision: '1393',
    specification: '1394',
    comment: '1395',
    code: '32485007',
  },
  {
    group: '1417',
    treatment: '1418',
    decision: '1396',
    specification: '1397',
    comment: '1398',
    code: '281789004',
  },
  {
    group: '1419',
    treatment: '1420',
    decision: '1399',
    specification: '1400',
    comment: '1401',
    code: '116762002',
  },
  { group: '1421', treatment: '1422', decision: '1402', comment: '1404', code: 'OTH' },
];

/** The form's text for the treatment of "g) Overige behandelgrenzen" when it names none. */
export const OTHER_TREATMENTS_TEXT = 'Overige behandelingen';

const snomed = (code: string, display: string): Coding => ({ system: SYSTEM.snomed, code, display });
const nullFlavor = (code: string, display: string): Coding => ({ system: SYSTEM.nullFlavor, code, display });
const plain = (code: string, display: string): Coding => ({ code, display });

/** zib TreatmentDirective2 BehandelBesluit (urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.25.1). */
export const DECISION_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.25.1';
export const FORM_DECISION = {
  WEL: { system: DECISION_SYSTEM, code: '0', display: 'Wel uitvoeren' },
  ANDERS: { system: DECISION_SYSTEM, code: '1', display: 'Anders' },
  NIET: { system: DECISION_SYSTEM, code: '2', display: 'Niet uitvoeren' },
} as const satisfies Record<string, Coding>;
export const UNKNOWN = nullFlavor('UNK', 'Onbekend');

export const YES_NO = { yes: plain('1', 'Ja'), no: plain('0', 'Nee') } as const;
export const SNOMED_YES_NO_UNKNOWN: Readonly<Record<OrganDonationAnswer, Coding>> = {
  YES: snomed('373066001', 'Ja'),
  NO: snomed('373067005', 'Nee'),
  UNKNOWN: nullFlavor('UNK', 'Nog onbekend'),
};

/** The fixed "[MetingNaam]" codings of section 3, 5 and 6: the observation each answer is. */
export const MEASUREMENT = {
  goal: snomed('180771000146100', 'Focus van behandeling (waarneembare entiteit)'),
  careWishes: snomed(
    '153851000146100',
    'Wensen en verwachtingen met betrekking tot uitkomst van behandeling',
  ),
  placeOfDeath: snomed('395091006', 'Gewenste plek van overlijden'),
  euthanasia: snomed('340171000146104', 'Standpunt ten opzichte van euthanasie (waarneembare entiteit)'),
  organDonation: snomed('570801000146104', 'Geregistreerd in orgaan donorregister (bevinding)'),
  otherInformation: snomed('247751003', 'Gevoel van zingeving (waarneembare entiteit)'),
  icdDeactivation: snomed(
    '400231000146108',
    'uitzetten van cardioverter-defibrillator in laatste levensfase (verrichting)',
  ),
} as const;

/**
 * The goal "symptom relief only" is 713148004 in the guide's value set and 225353007 on the form
 * (shared/domain.md, known ambiguities): both are read; the form is written with its own option.
 */
export const FORM_GOAL: Readonly<Record<MedicalPolicyGoalCode, Coding>> = {
  '385987000': snomed('385987000', 'Curatief / actief ziektebeleid'),
  '1351964001': snomed('1351964001', 'Palliatief met als doel levensverlenging én symptoomverlichting'),
  '713148004': snomed(
    '225353007',
    'Palliatief met als doel symptoomverlichting, waarbij levensverlenging niet gewenst is',
  ),
};
export const GOAL_ALIASES: Readonly<Record<string, MedicalPolicyGoalCode>> = { '225353007': '713148004' };

export const FORM_PLACE: Readonly<Record<PlaceOfDeathCode, Coding>> = {
  '264362003': snomed('264362003', 'Thuis'),
  '22232009': snomed('22232009', 'Ziekenhuis'),
  '108344006': snomed('108344006', 'Verpleeghuis'),
  '284546000': snomed('284546000', 'Hospice'),
  OTH: nullFlavor('OTH', 'Anders'),
  UNK: nullFlavor('UNK', 'Nog onbekend'),
};

export const FORM_EUTHANASIA: Readonly<Record<EuthanasiaPosition, Coding>> = {
  HAS_DECLARATION: snomed('340181000146102', 'Heeft euthanasieverklaring'),
  DOES_NOT_WANT: snomed('340201000146103', 'Wenst geen euthanasie'),
  MAY_REQUEST: snomed(
    '340191000146100',
    'Geen euthanasieverklaring, zou wel verzoek kunnen doen in bepaalde situaties',
  ),
  UNKNOWN: nullFlavor('UNK', 'Nog onbekend'),
};

/** "Afspraak uitzetten ICD": Wel uitvoeren, not yet decided (ASKU), not discussed (NASK). */
export const FORM_ICD_DEACTIVATION: Readonly<Record<IcdDeactivationAnswer, Coding>> = {
  YES: FORM_DECISION.WEL,
  NOT_YET_DECIDED: nullFlavor('ASKU', 'Nee, nog geen besluit genomen'),
  NOT_DISCUSSED: nullFlavor('NASK', 'Niet besproken'),
};

export const SHARING_AGREED = snomed('441898007', 'Akkoord');
export const PRESENT_PATIENT = plain('Patiënt', 'Patiënt');
export const ICD_PRODUCT = plain('ICD', 'ICD');

/** "Functie (Specialisme)": UZI role codes; several professions share the form's broader option. */
export const UZI_ROLE = 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode';
const uzi = (code: string, display: string): Coding => ({ system: UZI_ROLE, code, display });
export const FORM_PROFESSION: Readonly<Record<Exclude<Profession, 'AUDITOR'>, Coding>> = {
  GENERAL_PRACTITIONER: uzi('01.015', 'Huisarts'),
  ELDERLY_CARE_PHYSICIAN: uzi('01.047', 'Specialist ouderengeneeskunde'),
  PHYSICIAN: uzi('01.000', 'Arts'),
  MEDICAL_SPECIALIST: uzi('01.000', 'Arts'),
  EMERGENCY_PHYSICIAN: uzi('01.000', 'Arts'),
  NURSE: uzi('30.000', 'Verpleegkundige'),
  NURSE_PRACTITIONER: uzi('30.000', 'Verpleegkundige'),
  PRACTICE_NURSE: uzi('30.000', 'Verpleegkundige'),
  DISTRICT_NURSE: uzi('30.000', 'Verpleegkundige'),
  AMBULANCE_NURSE: uzi('30.000', 'Verpleegkundige'),
  CASE_MANAGER: uzi('99.000', 'Zorgverlener andere zorg'),
};
/** A form's option read as the registry's profession. 81.000 (physician assistant) has none here. */
export const PROFESSION_OF_UZI_ROLE: Readonly<Record<string, Profession>> = {
  '01.015': 'GENERAL_PRACTITIONER',
  '01.047': 'ELDERLY_CARE_PHYSICIAN',
  '01.000': 'PHYSICIAN',
  '30.000': 'NURSE',
  '99.000': 'CASE_MANAGER',
};

/** "Relatie tot patiënt (1)" of the representative: zib ContactPerson roles, plus two the registry maps. */
export const FORM_CONTACT_ROLE: Readonly<Record<string, ContactRole>> = {
  '24': '24',
  '01': '24',
  '03': '03',
  '15': '15',
  // A written authorisation (schriftelijk gemachtigde, WGBO 7:465 lid 3) represents as a legal representative.
  '310141000146103': '24',
  '09': '24',
};
export const REPRESENTATIVE_ROLE_CODING: Readonly<Record<'24' | '03' | '15', Coding>> = {
  '24': { system: SYSTEM.contactRole, code: '24', display: 'Wettelijke vertegenwoordiger' },
  '03': { system: SYSTEM.contactRole, code: '03', display: 'Curator (juridisch)' },
  '15': { system: SYSTEM.contactRole, code: '15', display: 'Mentor' },
};

/** "Relatie tot patiënt": v3 RoleCode options of the form, read as the registry's relationships. */
export const RELATIONSHIP_OF_ROLE_CODE: Readonly<Record<string, Relationship>> = {
  DOMPART: 'SPOUSE_OR_PARTNER',
  HUSB: 'SPOUSE_OR_PARTNER',
  WIFE: 'SPOUSE_OR_PARTNER',
  FTH: 'PARENT',
  MTH: 'PARENT',
  SONC: 'CHILD',
  DAUC: 'CHILD',
  BRO: 'SIBLING',
  SIS: 'SIBLING',
  OTH: 'OTHER',
};
const roleCode = (code: string, display: string): Coding => ({ system: SYSTEM.roleCode, code, display });
/**
 * The form's option for each relationship. Its options are gendered (Vader, Moeder, ...) and the
 * registry's relationships are not: all but partner are written as "Anders, namelijk" with words.
 */
export const PARTNER = roleCode('DOMPART', 'Partner');
export const OTHER_RELATIONSHIP = nullFlavor('OTH', 'Anders');
/** The words "Anders, namelijk" carries for a relationship the form has no option for. */
export const RELATIONSHIP_WORDS: Readonly<Record<Relationship, string>> = {
  SPOUSE_OR_PARTNER: 'Partner',
  PARENT: 'Ouder',
  CHILD: 'Kind',
  SIBLING: 'Broer of zus',
  OTHER_FAMILY: 'Ander familielid',
  FRIEND: 'Vriend(in)',
  NEIGHBOUR: 'Buur',
  PROFESSIONAL_REPRESENTATIVE: 'Professionele vertegenwoordiger',
  OTHER: 'Anders',
};
