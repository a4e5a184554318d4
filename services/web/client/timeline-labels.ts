/** The auditor's words for changes and accesses. */
import type { Item } from './api-timeline.js';
import { formatDate, icdSummary, icdText } from './labels.js';

const SECTIONS: Readonly<Record<string, string>> = {
  patient: 'Patiënt',
  treatmentDirectives: 'Behandelafspraak',
  lifeWishes: 'Wens',
  advanceDirectives: 'Wilsverklaring',
  medicalPolicyGoal: 'Behandeldoel',
  preferredPlaceOfDeath: 'Plaats van overlijden',
  euthanasiaPosition: 'Euthanasie',
  organDonation: 'Orgaandonatie',
  icd: 'ICD aanwezig',
  icdDeactivation: 'ICD uitzetten',
  capacity: 'Wilsbekwaamheid',
  otherInformation: 'Overige informatie',
  contactPersons: 'Contactpersoon',
  roles: 'Rol',
  sharingConsent: 'Toestemming delen',
  conversations: 'Gesprek',
  registeredGpPractice: 'Huisartsenpraktijk',
  lastDiscussedOn: 'Laatst besproken',
  lastReviewedOn: 'Laatst herbeoordeeld',
  reviewDueOn: 'Herbeoordeling',
  reviewRequested: 'Herbeoordeling aangevraagd',
};
export const sectionLabel = (section: string): string => SECTIONS[section] ?? section;

const CONSENT: Readonly<Record<string, string>> = {
  GRANTED: 'gegeven',
  REFUSED: 'geweigerd',
  WITHDRAWN: 'ingetrokken',
  UNKNOWN: 'niet gevraagd',
};

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

const EUTHANASIA: Readonly<Record<string, string>> = {
  HAS_DECLARATION: 'Heeft een euthanasieverklaring',
  DOES_NOT_WANT: 'Wenst geen euthanasie',
  MAY_REQUEST: 'Geen verklaring, kan in bepaalde situaties om euthanasie vragen',
  UNKNOWN: 'Onbekend',
};
const DONATION: Readonly<Record<string, string>> = {
  YES: 'Keuze vastgelegd in het donorregister: ja',
  NO: 'Keuze vastgelegd in het donorregister: nee',
  UNKNOWN: 'Onbekend',
};
const nested = (value: unknown, key: string): string =>
  typeof value === 'object' && value !== null ? str((value as Record<string, unknown>)[key]) : '';

/** One plan item in words; `null` is "nothing" (it did not exist, or no longer does). */
export function itemText(item: Item): string {
  if (item === null) return '(niets)';
  const ended = (key: string) => {
    const on = nested(item[key], 'on');
    return on ? ` (beëindigd ${formatDate(on)})` : '';
  };
  switch (item.__typename) {
    case 'Patient':
      return `${str(item['name'])}, geboren ${formatDate(str(item['birthDate']))}`;
    case 'TreatmentDirective':
      return str(item['summary']);
    case 'EndedTreatmentDirective':
      return `${str(item['summary'])} (beëindigd ${formatDate(str(item['endedOn']))})`;
    case 'LifeWish':
      return str(item['text']) + ended('withdrawn');
    case 'AdvanceDirective':
      return `${str(item['display'])} van ${formatDate(str(item['date']))}${ended('revoked')}`;
    case 'MedicalPolicyGoal':
      return str(item['display']);
    case 'PreferredPlaceOfDeath':
      return str(item['otherPlace']) || str(item['display']);
    case 'IcdAnswer':
      return (
        icdSummary(
          { value: str(item['icdPresent']), comment: (item['icdComment'] as string | null) ?? null },
          null,
        ) ?? ''
      );
    case 'IcdDeactivationAnswer':
      return icdText(str(item['icd']));
    case 'EuthanasiaPositionAnswer':
      return EUTHANASIA[str(item['euthanasia'])] ?? str(item['euthanasia']);
    case 'OrganDonationAnswer':
      return DONATION[str(item['donation'])] ?? str(item['donation']);
    case 'Capacity':
      return `${item['hasCapacity'] === true ? 'Wilsbekwaam' : 'Wilsonbekwaam'} (beoordeeld ${formatDate(str(item['assessedOn']))})`;
    case 'OtherInformation':
      return str(item['text']);
    case 'ContactPerson':
      return `${str(item['name'])} (${str(item['roleDisplay'])})${ended('removed')}`;
    case 'RoleAssignment':
      return `${str(item['role'])}: ${nested(item['practitioner'], 'name')}, ${nested(item['organization'], 'name')}${ended('ended')}`;
    case 'SharingConsent':
      return `${str(item['organizationType'])}: ${CONSENT[str(item['decision'])] ?? str(item['decision'])}`;
    case 'Conversation':
      return `Gesprek van ${formatDate(str(item['date']))}`;
    case 'RegisteredGpPractice':
      return nested(item['practice'], 'name');
    case 'PlanDate':
      return formatDate(str(item['date']));
    case 'ReviewRequest':
      return `vóór ${formatDate(str(item['dueOn']))}`;
    default:
      return item.__typename;
  }
}

const PURPOSES: Readonly<Record<string, string>> = {
  TREATMENT: 'behandeling',
  EMERGENCY: 'spoed',
  BREAK_THE_GLASS: 'doorbreken van de toegang',
  AUDIT: 'controle',
};
export const purposeLabel = (purpose: string): string => PURPOSES[purpose] ?? purpose;

const ACTIONS: Readonly<Record<string, string>> = {
  READ_CURRENT: 'plan ingezien',
  READ_AS_OF: 'eerdere stand ingezien',
  READ_HISTORY: 'wijzigingen ingezien',
  READ_ACCESS_LOG: 'inzagelog ingezien',
  READ_REVIEWS_DUE: 'in lijst herbeoordelingen',
  WRITE: 'plan gewijzigd',
};
export const actionLabel = (action: string): string => ACTIONS[action] ?? action;

const BASES: Readonly<Record<string, string>> = {
  CONSENT: 'toestemming van de patiënt',
  NO_CONSENT: 'geen toestemming vastgelegd',
  CONSENT_REFUSED: 'patiënt weigerde delen',
  OWN_GP_PRACTICE: 'eigen huisartsenpraktijk',
  OWN_ORGANIZATION: 'eigen organisatie',
  REGIEBEHANDELAAR: 'regiebehandelaar',
  NEW_PATIENT: 'nieuw plan',
  BREAK_THE_GLASS: 'doorbreken van de toegang',
  AUDITOR: 'auditor',
  AUDIT_ROLE_REQUIRED: 'alleen voor auditors',
  AUDITORS_DO_NOT_CHANGE_RECORDS: 'auditors wijzigen niets',
  BREAK_GLASS_PHYSICIANS_ONLY: 'doorbreken alleen door een arts',
  BREAK_GLASS_REASON_REQUIRED: 'reden ontbrak',
  NOT_A_CARE_PROFESSIONAL: 'geen zorgverlener',
  NOT_THE_REGIEBEHANDELAAR: 'niet de regiebehandelaar',
  PURPOSE_NOT_ALLOWED: 'doel niet toegestaan',
};
/** Why access was granted or refused, in words, with the code an auditor can search for. */
export const basisLabel = (basis: string): string => (BASES[basis] ? `${BASES[basis]} (${basis})` : basis);

/**
 * Each kind of change in Dutch, for the timeline's heading of a change (the API's summary is the
 * registry's English). timeline-labels.unit.spec.ts keeps its keys equal to the domain's event
 * types; the item changes below it say what exactly changed.
 */
export const CHANGE_TEXT: Readonly<Record<string, string>> = {
  PatientIdentified: 'Patiëntgegevens vastgelegd',
  ConversationRecorded: 'PZP-gesprek vastgelegd',
  TreatmentDirectiveSet: 'Behandelafspraak vastgelegd',
  TreatmentDirectiveRevised: 'Behandelafspraak gewijzigd',
  TreatmentDirectiveRevisionProposed:
    'Wijziging van een behandelafspraak voorgesteld (een arts moet nog beslissen)',
  TreatmentDirectiveRevisionRejected: 'Voorgestelde wijziging afgewezen door een arts',
  TreatmentDirectiveRevisionWithdrawn: 'Voorgestelde wijziging ingetrokken door wie haar voorstelde',
  TreatmentDirectiveWithdrawn: 'Behandelafspraak beëindigd',
  TreatmentDirectiveConfirmed: 'Behandelafspraak bevestigd door een arts',
  LifeWishRecorded: 'Wens vastgelegd',
  LifeWishWithdrawn: 'Wens ingetrokken',
  MedicalPolicyGoalSet: 'Doel van het medisch beleid vastgelegd',
  AdvanceDirectiveRegistered: 'Schriftelijke wilsverklaring geregistreerd',
  AdvanceDirectiveRevoked: 'Schriftelijke wilsverklaring herroepen',
  PreferredPlaceOfDeathSet: 'Gewenste plaats van overlijden vastgelegd',
  EuthanasiaPositionSet: 'Standpunt over euthanasie vastgelegd',
  OrganDonationSet: 'Keuze over orgaandonatie vastgelegd',
  IcdPresenceRecorded: 'Vastgelegd of de patiënt een ICD heeft',
  IcdDeactivationAnswered: 'Afspraak over het uitzetten van de ICD vastgelegd',
  CapacityAssessed: 'Wilsbekwaamheid beoordeeld',
  OtherInformationRecorded: 'Overige belangrijke informatie vastgelegd',
  ContactPersonDesignated: 'Contactpersoon vastgelegd',
  ContactPersonRemoved: 'Contactpersoon verwijderd',
  RoleAssigned: 'Rol toegewezen',
  RoleEnded: 'Rol beëindigd',
  PlanReviewRequested: 'Herbeoordeling van het plan aangevraagd',
  PlanReviewConfirmed: 'Plan herbeoordeeld',
  SharingConsentRecorded: 'Toestemming om het plan te delen vastgelegd',
  SharingConsentWithdrawn: 'Toestemming om het plan te delen ingetrokken',
  ChangeMarkedEnteredInError: 'Eerdere wijziging gemarkeerd als ingevoerd in fout',
  RegisteredGpPracticeSet: 'Huisartsenpraktijk van inschrijving vastgelegd',
  RecordVoided: 'Dossier ongeldig verklaard (vastgelegd bij de verkeerde patiënt)',
  RecordDestroyed: 'Dossier vernietigd',
  ContentShredded: 'Inhoud vernietigd',
};

/** A change's heading in Dutch; a kind this client does not know yet keeps the API's summary. */
export const changeText = (type: string, summary: string): string =>
  (Object.hasOwn(CHANGE_TEXT, type) && CHANGE_TEXT[type]) || summary;
