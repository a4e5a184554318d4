/**
 * The conversation form's values and the registry's rules for them, checked in the browser before
 * anything is sent: the same rules as the domain's RecordConversation command (free text, ANDERS
 * needs conditions, at least two parties, a representative when the patient lacks capacity), so a
 * GP sees the problem next to the field instead of after a round trip.
 */
import { REPRESENTATIVE_ROLES, type ContactRole } from '@pzp/domain/codes';
import { hasControlCharacters, visibleLength } from '@pzp/domain/free-text';
import type { Author } from './api-conversation.js';

/** The coded treatments as the API names them, in the order the form lists them. */
export const FORM_TREATMENTS = [
  ['CPR', 'Reanimatie (CPR)'],
  ['MECHANICAL_VENTILATION', 'Beademing'],
  ['ICU_ADMISSION', 'Opname op de intensive care (IC)'],
  ['HOSPITAL_ADMISSION', 'Ziekenhuisopname'],
  ['ANTIBIOTICS', 'Antibiotica'],
  ['BLOOD_PRODUCTS', 'Bloedproducten'],
] as const;

/** The API's contact roles and the domain's codes for them (the rule speaks in the latter). */
export const CONTACT_ROLE_CODES: Readonly<Record<string, ContactRole>> = {
  FIRST_CONTACT: '01',
  CONTACT: '23',
  LEGAL_REPRESENTATIVE: '24',
  CURATOR: '03',
  MENTOR: '15',
};

export type Decision = '' | 'WEL' | 'NIET' | 'ANDERS';

export interface DirectiveValues {
  readonly code: string;
  /** The treatment's name, for OTH. */
  readonly text: string;
  readonly decision: Decision;
  readonly conditions: string;
}

export interface ConversationValues {
  readonly bsn: string;
  /** The version the GP started from, or null when the registry holds no plan yet. */
  readonly expectedVersion: number | null;
  readonly planHasRepresentative: boolean;
  readonly author: Author;
  readonly patientName: string;
  readonly birthDate: string;
  readonly date: string;
  readonly location: string;
  readonly patientPresent: boolean;
  readonly authorPresent: boolean;
  readonly representativeName: string;
  readonly relativeName: string;
  readonly relativeRelationship: string;
  readonly professionalId: string;
  readonly professionalName: string;
  readonly professionalProfession: string;
  readonly lifeWishes: string;
  readonly goal: string;
  readonly directives: readonly DirectiveValues[];
  readonly advanceDirectiveType: string;
  readonly advanceDirectiveDate: string;
  readonly placeOfDeath: string;
  readonly placeOfDeathText: string;
  readonly euthanasia: string;
  readonly organDonation: string;
  readonly icd: string;
  /** '' not assessed, 'yes' or 'no'. */
  readonly capacity: string;
  readonly contactName: string;
  readonly contactRole: string;
  readonly contactRelationship: string;
  readonly contactPhone: string;
  readonly consents: Readonly<Record<string, string>>;
  readonly nextReviewOn: string;
  readonly summary: string;
  /** Today in Europe/Amsterdam, as the registry judges "not in the future". */
  readonly today: string;
}

/** A problem with one field, by the form element's id. */
export interface FieldError {
  readonly key: string;
  readonly message: string;
}

export interface Checked {
  readonly input: Record<string, unknown>;
  readonly errors: FieldError[];
  /** The API's input path (`input.treatmentDirectives.0.specification`) of each form element. */
  readonly fields: ReadonlyMap<string, string>;
}

const NAME_MAX = 200;
const TEXT_MAX = 4000;
const ID_MAX = 100;
const PHONE = /^\+?[0-9 ()-]{6,}$/;

/** Ids of the form's elements, shared with the screen that draws them. */
export const directiveKey = (code: string, part: 'decision' | 'conditions' | 'text') =>
  `gesprek-${code.toLowerCase()}-${part}`;

export function checkConversation(v: ConversationValues): Checked {
  const errors: FieldError[] = [];
  const fields = new Map<string, string>();
  const at = (path: string, key: string) => fields.set(`input.${path}`, key);
  const fail = (key: string, message: string) => errors.push({ key, message });

  /** Free text as the domain's freeText takes it; '' is "not given" unless required. */
  function text(
    value: string,
    key: string,
    { max, multiline, required }: { max: number; multiline: boolean; required?: boolean },
  ): string | undefined {
    const trimmed = value.normalize('NFC').trim();
    if (hasControlCharacters(trimmed, multiline)) fail(key, 'Bevat tekens die geen tekst zijn');
    else if (trimmed.length > max) fail(key, `Hoogstens ${max} tekens`);
    else if (trimmed !== '' && visibleLength(trimmed) < 1) fail(key, 'Bevat geen zichtbare tekst');
    else if (trimmed === '' && required) fail(key, 'Verplicht');
    return trimmed === '' ? undefined : trimmed;
  }
  const name = (value: string, key: string, required = false) =>
    text(value, key, { max: NAME_MAX, multiline: false, required });
  const note = (value: string, key: string, required = false) =>
    text(value, key, { max: TEXT_MAX, multiline: true, required });

  const input: Record<string, unknown> = { bsn: v.bsn, expectedVersion: v.expectedVersion ?? -1 };
  if (!v.date) fail('gesprek-date', 'Verplicht');
  else if (v.date > v.today) fail('gesprek-date', 'Ligt in de toekomst');
  input['date'] = v.date;
  at('date', 'gesprek-date');

  if (v.expectedVersion === null) {
    const patientName = name(v.patientName, 'gesprek-patient-name', true);
    if (!v.birthDate) fail('gesprek-birth-date', 'Verplicht voor een nieuwe patiënt');
    input['patient'] = { bsn: v.bsn, name: patientName, birthDate: v.birthDate };
    at('patient.name', 'gesprek-patient-name');
    at('patient.birthDate', 'gesprek-birth-date');
    at('patient', 'gesprek-patient-name');
  }
  const location = name(v.location, 'gesprek-location');
  if (location) input['location'] = location;
  at('location', 'gesprek-location');

  // Parties: the rule is the domain's (at least two, a professional and the patient's side).
  const participants: Record<string, unknown>[] = [];
  if (v.patientPresent) participants.push({ kind: 'PATIENT' });
  if (v.authorPresent) {
    participants.push({
      kind: 'PROFESSIONAL',
      id: v.author.id,
      name: v.author.name,
      profession: v.author.profession,
      organization: v.author.organization,
    });
  }
  const representative = name(v.representativeName, 'gesprek-party-representative');
  if (representative) {
    at(`participants.${participants.length}`, 'gesprek-party-representative');
    participants.push({ kind: 'REPRESENTATIVE', name: representative });
  }
  const relative = name(v.relativeName, 'gesprek-party-relative');
  if (relative) {
    if (!v.relativeRelationship) fail('gesprek-party-relative-relationship', 'Kies de relatie');
    at(`participants.${participants.length}`, 'gesprek-party-relative');
    participants.push({ kind: 'RELATIVE', name: relative, relationship: v.relativeRelationship });
  }
  const professionalName = name(v.professionalName, 'gesprek-party-professional');
  if (professionalName) {
    const id = text(v.professionalId, 'gesprek-party-professional-id', {
      max: ID_MAX,
      multiline: false,
      required: true,
    });
    if (!v.professionalProfession) fail('gesprek-party-professional-profession', 'Kies het beroep');
    at(`participants.${participants.length}`, 'gesprek-party-professional');
    participants.push({
      kind: 'PROFESSIONAL',
      id,
      name: professionalName,
      profession: v.professionalProfession,
    });
  }
  const professional = participants.some((p) => p['kind'] === 'PROFESSIONAL');
  const patientSide = participants.some((p) => p['kind'] === 'PATIENT' || p['kind'] === 'REPRESENTATIVE');
  if (participants.length < 2 || !professional || !patientSide) {
    fail(
      'gesprek-participants',
      'Minstens twee deelnemers: minstens één zorgverlener en de patiënt of de vertegenwoordiger',
    );
  }
  input['participants'] = participants;
  at('participants', 'gesprek-participants');

  const wishes = v.lifeWishes
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  input['lifeWishes'] = wishes.map((wish) => ({ text: note(wish, 'gesprek-life-wishes') }));
  at('lifeWishes', 'gesprek-life-wishes');

  if (v.goal) input['medicalPolicyGoal'] = { goal: v.goal };
  at('medicalPolicyGoal', 'gesprek-goal');

  const directives: Record<string, unknown>[] = [];
  for (const d of v.directives) {
    if (!d.decision) continue;
    const decisionKey = directiveKey(d.code, 'decision');
    const conditionsKey = directiveKey(d.code, 'conditions');
    const treatment: Record<string, unknown> = { code: d.code };
    if (d.code === 'OTH') {
      treatment['text'] = name(d.text, directiveKey(d.code, 'text'), true);
      at(`treatmentDirectives.${directives.length}.treatment`, directiveKey(d.code, 'text'));
    }
    const conditions = note(d.conditions, conditionsKey);
    if (d.decision === 'ANDERS' && !conditions) {
      fail(conditionsKey, 'Bij "Anders" zijn de voorwaarden verplicht');
    }
    at(`treatmentDirectives.${directives.length}`, decisionKey);
    at(`treatmentDirectives.${directives.length}.specification`, conditionsKey);
    directives.push({
      treatment,
      decision: d.decision,
      ...(conditions ? { specification: conditions } : {}),
    });
  }
  input['treatmentDirectives'] = directives;

  if (v.advanceDirectiveType) {
    if (!v.advanceDirectiveDate) fail('gesprek-advance-directive-date', 'Datum van de verklaring');
    else if (v.advanceDirectiveDate > v.today) fail('gesprek-advance-directive-date', 'Ligt in de toekomst');
    input['advanceDirectives'] = [{ type: v.advanceDirectiveType, date: v.advanceDirectiveDate }];
    at('advanceDirectives.0.date', 'gesprek-advance-directive-date');
    at('advanceDirectives', 'gesprek-advance-directive-type');
  }

  if (v.placeOfDeath) {
    const place: Record<string, unknown> = { code: v.placeOfDeath };
    if (v.placeOfDeath === 'OTH') place['text'] = name(v.placeOfDeathText, 'gesprek-place-text', true);
    input['preferredPlaceOfDeath'] = { place };
    at('preferredPlaceOfDeath.place.text', 'gesprek-place-text');
    at('preferredPlaceOfDeath', 'gesprek-place');
  }
  if (v.euthanasia) input['euthanasiaPosition'] = { position: v.euthanasia };
  at('euthanasiaPosition', 'gesprek-euthanasia');
  if (v.organDonation) input['organDonation'] = { answer: v.organDonation };
  at('organDonation', 'gesprek-organ-donation');
  if (v.icd) input['icdDeactivation'] = { answer: v.icd };
  at('icdDeactivation', 'gesprek-icd');

  const contactName = name(v.contactName, 'gesprek-contact-name');
  if (contactName) {
    if (!v.contactRole) fail('gesprek-contact-role', 'Kies de rol');
    if (!v.contactRelationship) fail('gesprek-contact-relationship', 'Kies de relatie');
    const phone = v.contactPhone.trim();
    if (phone && (phone.length > 40 || !PHONE.test(phone)))
      fail('gesprek-contact-phone', 'Geen telefoonnummer');
    input['contactPersons'] = [
      {
        name: contactName,
        role: v.contactRole,
        relationship: v.contactRelationship,
        ...(phone ? { phone } : {}),
      },
    ];
    at('contactPersons.0.phone', 'gesprek-contact-phone');
    at('contactPersons', 'gesprek-contact-name');
  }
  if (v.capacity) {
    input['capacity'] = { hasCapacity: v.capacity === 'yes' };
    const role = CONTACT_ROLE_CODES[v.contactRole];
    const designated = contactName !== undefined && role !== undefined && REPRESENTATIVE_ROLES.includes(role);
    if (v.capacity === 'no' && !v.planHasRepresentative && !designated) {
      fail(
        'gesprek-capacity',
        'Een wilsonbekwame patiënt heeft een vertegenwoordiger nodig (wettelijk vertegenwoordiger, curator of mentor)',
      );
    }
  }
  at('capacity', 'gesprek-capacity');

  input['sharingConsents'] = Object.entries(v.consents)
    .filter(([, decision]) => decision !== '')
    .map(([organizationType, decision]) => ({ organizationType, decision }));
  at('sharingConsents', 'gesprek-consents');

  if (v.nextReviewOn) {
    if (v.date && v.nextReviewOn <= v.date) fail('gesprek-next-review', 'Na de datum van het gesprek');
    input['nextReviewOn'] = v.nextReviewOn;
  }
  at('nextReviewOn', 'gesprek-next-review');
  const summary = note(v.summary, 'gesprek-summary');
  if (summary) input['summary'] = summary;
  at('summary', 'gesprek-summary');

  return { input, errors, fields };
}

/** The form element a server's BAD_USER_INPUT `field` points at: the longest known prefix. */
export function keyForField(fields: ReadonlyMap<string, string>, field: string): string | undefined {
  let parts = field.split('.');
  while (parts.length > 0) {
    const key = fields.get(parts.join('.'));
    if (key) return key;
    parts = parts.slice(0, -1);
  }
  return undefined;
}
