import { organizations } from '@pzp/domain/fixtures';
import { gpParty, type Persona, type SeededPatient } from './target.js';

export interface TemplateContext {
  readonly patient: SeededPatient;
  /** A BSN without a plan, for the templates that start one. */
  readonly freshBsn: string;
  readonly today: string;
}

/**
 * A mutation the persona may run on a seeded patient, with clean input (hostile.e2e.spec.ts proves
 * each is accepted as it is). The hostile generators change one value of it at a time, so a
 * refusal can only come from that value: free text at `texts` (true: the field needs text),
 * enums at `enums`, dates at `dates`.
 */
export interface MutationTemplate {
  readonly mutation: string;
  readonly inputType: string;
  readonly persona: Persona;
  readonly texts: Readonly<Record<string, boolean>>;
  readonly enums: readonly string[];
  readonly dates: readonly string[];
  /** Whether the input names a seeded patient (bsn and expectedVersion) or a fresh one. */
  readonly onSeeded: boolean;
  input(ctx: TemplateContext): Record<string, unknown>;
}

const seeded = (p: SeededPatient) => ({ bsn: p.bsn, expectedVersion: p.version });

export const TEMPLATES: readonly MutationTemplate[] = [
  {
    mutation: 'withdrawTreatmentDirective',
    inputType: 'WithdrawTreatmentDirectiveInput',
    persona: 'gp',
    texts: { reason: true },
    enums: ['treatment.code'],
    dates: ['endedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      treatment: { code: 'CPR' },
      endedOn: today,
      reason: 'Patiënt heeft het heroverwogen',
    }),
  },
  {
    mutation: 'setTreatmentDirective',
    inputType: 'SetTreatmentDirectiveInput',
    persona: 'gp',
    texts: { specification: true, comment: false, 'parties.2.name': true },
    enums: ['treatment.code', 'decision', 'parties.2.relationship', 'parties.0.kind'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      treatment: { code: 'ANTIBIOTICS' },
      decision: 'ANDERS',
      specification: 'Alleen oraal, geen infuus',
      comment: 'Besproken met de dochter',
      decidedOn: today,
      parties: [
        { kind: 'PATIENT' },
        gpParty,
        { kind: 'RELATIVE', name: 'B. Testfamilie', relationship: 'CHILD' },
      ],
    }),
  },
  {
    mutation: 'setTreatmentDirective',
    inputType: 'SetTreatmentDirectiveInput',
    persona: 'gp',
    texts: { 'treatment.text': true },
    enums: ['treatment.code'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      treatment: { code: 'OTH', text: 'Dialyse' },
      decision: 'NIET',
      decidedOn: today,
      parties: [{ kind: 'PATIENT' }, gpParty],
    }),
  },
  {
    mutation: 'confirmTreatmentDirective',
    inputType: 'ConfirmTreatmentDirectiveInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['treatment.code'],
    dates: ['confirmedOn'],
    onSeeded: true,
    // The nurse's pending revision of the ICU directive: the GP confirms it.
    input: ({ patient, today }) => ({
      ...seeded(patient),
      treatment: { code: 'ICU_ADMISSION' },
      confirmedOn: today,
      comment: 'Met de wijkverpleging afgestemd',
    }),
  },
  {
    mutation: 'recordLifeWish',
    inputType: 'RecordLifeWishInput',
    persona: 'gp',
    texts: { text: true },
    enums: [],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({ ...seeded(patient), text: 'Nog één keer naar zee' }),
  },
  {
    mutation: 'withdrawLifeWish',
    inputType: 'WithdrawLifeWishInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      wishId: patient.wishId,
      reason: 'Niet meer van toepassing',
    }),
  },
  {
    mutation: 'setMedicalPolicyGoal',
    inputType: 'SetMedicalPolicyGoalInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['goal'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      goal: 'SYMPTOM_RELIEF_ONLY',
      decidedOn: today,
      comment: 'Comfort voorop',
    }),
  },
  {
    mutation: 'registerAdvanceDirective',
    inputType: 'RegisterAdvanceDirectiveInput',
    persona: 'gp',
    texts: { representative: false, documentReference: false, comment: false },
    enums: ['type'],
    dates: ['date'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      type: 'NR',
      date: today,
      representative: 'C. Gemachtigde',
      documentReference: 'Origineel in de kluis thuis',
      comment: 'Kopie in het dossier',
    }),
  },
  {
    mutation: 'revokeAdvanceDirective',
    inputType: 'RevokeAdvanceDirectiveInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: ['revokedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      advanceDirectiveId: patient.advanceDirectiveId,
      revokedOn: today,
      reason: 'Door de patiënt ingetrokken',
    }),
  },
  {
    mutation: 'setPreferredPlaceOfDeath',
    inputType: 'SetPreferredPlaceOfDeathInput',
    persona: 'gp',
    texts: { 'place.text': true, comment: false },
    enums: ['place.code'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      place: { code: 'OTH', text: 'Bij haar zus in Veldhoven' },
      decidedOn: today,
      comment: 'Zus is akkoord',
    }),
  },
  {
    mutation: 'setEuthanasiaPosition',
    inputType: 'SetEuthanasiaPositionInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['position'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      position: 'DOES_NOT_WANT',
      decidedOn: today,
      comment: 'Uitdrukkelijk',
    }),
  },
  {
    mutation: 'setOrganDonation',
    inputType: 'SetOrganDonationInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['answer'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      answer: 'NO',
      decidedOn: today,
      comment: 'Staat zo in het register',
    }),
  },
  {
    mutation: 'answerIcdDeactivation',
    inputType: 'AnswerIcdDeactivationInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['answer'],
    dates: ['decidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      answer: 'YES',
      decidedOn: today,
      comment: 'Met de cardioloog besproken',
    }),
  },
  {
    mutation: 'assessCapacity',
    inputType: 'AssessCapacityInput',
    persona: 'gp',
    texts: { comment: false },
    enums: [],
    dates: ['assessedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      hasCapacity: true,
      assessedOn: today,
      comment: 'Helder',
    }),
  },
  {
    mutation: 'designateContactPerson',
    inputType: 'DesignateContactPersonInput',
    persona: 'gp',
    texts: { 'contact.name': true, 'contact.comment': false },
    enums: ['contact.role', 'contact.relationship'],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      contact: {
        name: 'D. Buurvrouw',
        role: 'CONTACT',
        relationship: 'NEIGHBOUR',
        phone: '+31 6 22222222',
        comment: 'Heeft een sleutel',
      },
    }),
  },
  {
    mutation: 'removeContactPerson',
    inputType: 'RemoveContactPersonInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      contactId: patient.contactId,
      reason: 'Verhuisd naar het buitenland',
    }),
  },
  {
    mutation: 'assignRole',
    inputType: 'AssignRoleInput',
    persona: 'gp',
    texts: { 'practitioner.name': true, 'organization.name': true, comment: false },
    enums: ['role', 'organization.type'],
    dates: ['from'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      role: 'CASE_MANAGER',
      practitioner: { id: 'UZI-300003', name: 'E. Casemanager', profession: 'DISTRICT_NURSE' },
      organization: organizations.homeCare,
      from: today,
      comment: 'Vanuit het dementienetwerk',
    }),
  },
  {
    mutation: 'endRole',
    inputType: 'EndRoleInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: ['endedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      assignmentId: patient.assignmentId,
      endedOn: today,
      reason: 'Zorg overgedragen',
    }),
  },
  {
    mutation: 'recordSharingConsent',
    inputType: 'RecordSharingConsentInput',
    persona: 'gp',
    texts: { comment: false },
    enums: ['organizationType', 'decision'],
    dates: ['recordedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      organizationType: 'AMBULANCE',
      decision: 'GRANTED',
      recordedOn: today,
      comment: 'Mondeling toegestemd',
    }),
  },
  {
    mutation: 'withdrawSharingConsent',
    inputType: 'WithdrawSharingConsentInput',
    persona: 'gp',
    texts: { reason: false },
    enums: ['organizationType'],
    dates: ['withdrawnOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      organizationType: 'HAP',
      withdrawnOn: today,
      reason: 'Wil het zelf regelen',
    }),
  },
  {
    mutation: 'rejectTreatmentDirectiveRevision',
    inputType: 'PendingRevisionInput',
    persona: 'gp',
    texts: { reason: true },
    enums: ['treatment.code'],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      treatment: { code: 'ICU_ADMISSION' },
      reason: 'Niet met de arts besproken',
    }),
  },
  {
    mutation: 'withdrawTreatmentDirectiveRevision',
    inputType: 'PendingRevisionInput',
    persona: 'vvt-nurse',
    texts: { reason: true },
    enums: ['treatment.code'],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      treatment: { code: 'ICU_ADMISSION' },
      reason: 'Vergissing',
    }),
  },
  {
    mutation: 'setRegisteredGpPractice',
    inputType: 'SetRegisteredGpPracticeInput',
    persona: 'gp',
    texts: { 'practice.name': true },
    enums: ['practice.type'],
    dates: ['from'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      practice: { id: 'URA-01000009', name: 'Huisartsenpraktijk Het Plein', type: 'HUISARTSENPRAKTIJK' },
      from: today,
    }),
  },
  {
    mutation: 'voidRecord',
    inputType: 'VoidRecordInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: ['voidedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      reason: 'Ingevoerd bij de verkeerde patiënt',
      voidedOn: today,
    }),
  },
  {
    mutation: 'markEnteredInError',
    inputType: 'MarkEnteredInErrorInput',
    persona: 'gp',
    texts: { reason: true },
    enums: [],
    dates: [],
    onSeeded: true,
    input: ({ patient }) => ({
      ...seeded(patient),
      changeId: patient.changeId,
      reason: 'Verkeerd ingevoerd',
    }),
  },
  {
    mutation: 'confirmPlanReviewed',
    inputType: 'ConfirmPlanReviewedInput',
    persona: 'gp',
    texts: { comment: false },
    enums: [],
    dates: ['reviewedOn'],
    onSeeded: true,
    input: ({ patient, today }) => ({ ...seeded(patient), reviewedOn: today, comment: 'Ongewijzigd' }),
  },
  {
    mutation: 'recordConversation',
    inputType: 'RecordConversationInput',
    persona: 'gp',
    texts: { summary: false, 'lifeWishes.0.text': true },
    enums: ['participants.0.kind'],
    dates: ['date'],
    onSeeded: true,
    input: ({ patient, today }) => ({
      ...seeded(patient),
      date: today,
      participants: [{ kind: 'PATIENT' }, gpParty],
      summary: 'Vervolggesprek',
      lifeWishes: [{ text: 'Kleinkinderen zien opgroeien' }],
    }),
  },
  {
    mutation: 'recordConversation',
    inputType: 'RecordConversationInput',
    persona: 'gp',
    texts: {
      'patient.name': true,
      location: false,
      summary: false,
      otherInformation: false,
      'participants.2.name': true,
      'treatmentDirectives.0.specification': true,
      'treatmentDirectives.0.comment': false,
      'lifeWishes.0.text': true,
      'contactPersons.0.name': true,
      'contactPersons.0.comment': false,
      'sharingConsents.0.comment': false,
      'medicalPolicyGoal.comment': false,
      'capacity.comment': false,
    },
    enums: [
      'participants.2.relationship',
      'treatmentDirectives.0.decision',
      'treatmentDirectives.0.treatment.code',
      'contactPersons.0.role',
      'sharingConsents.0.organizationType',
      'sharingConsents.0.decision',
      'medicalPolicyGoal.goal',
    ],
    dates: ['date', 'patient.birthDate'],
    onSeeded: false,
    input: ({ freshBsn, today }) => ({
      bsn: freshBsn,
      patient: { bsn: freshBsn, name: 'F. Nieuwpatiënt', birthDate: '1939-01-01' },
      date: today,
      location: 'Thuis',
      summary: 'Eerste gesprek',
      otherInformation: 'Hoort slecht aan de linkerkant',
      participants: [
        { kind: 'PATIENT' },
        gpParty,
        { kind: 'RELATIVE', name: 'G. Familie', relationship: 'SPOUSE_OR_PARTNER' },
      ],
      treatmentDirectives: [
        {
          treatment: { code: 'HOSPITAL_ADMISSION' },
          decision: 'ANDERS',
          specification: 'Alleen bij een heupfractuur',
          comment: 'Na overleg',
        },
      ],
      lifeWishes: [{ text: 'In de tuin werken' }],
      contactPersons: [
        {
          name: 'G. Familie',
          role: 'FIRST_CONTACT',
          relationship: 'SPOUSE_OR_PARTNER',
          comment: 'Overdag bereikbaar',
        },
      ],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED', comment: 'Na uitleg' }],
      medicalPolicyGoal: { goal: 'SYMPTOM_RELIEF_ONLY', comment: 'Kwaliteit boven duur' },
      capacity: { hasCapacity: true, comment: 'Helder' },
    }),
  },
];

/** The document of a template's mutation, selecting only what says whether it wrote. */
export function mutationDocument(t: MutationTemplate): string {
  const selection = t.mutation === 'voidRecord' ? 'version' : 'record { version }';
  return `mutation Hostile($input: ${t.inputType}!) { ${t.mutation}(input: $input) { ${selection} } }`;
}

/** A deep copy of `value` with `path` (dotted, list indices as numbers) set to `to`. */
export function withValue<T>(value: T, path: string, to: unknown): T {
  const copy = structuredClone(value) as Record<string, unknown>;
  const steps = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const step of steps.slice(0, -1)) at = at[step] as Record<string, unknown>;
  at[steps.at(-1)!] = to;
  return copy as T;
}

/** The value at a dotted path. */
export function valueAt(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((at, step) => (at as Record<string, unknown>)?.[step], value);
}

/** The label a template's case carries: `mutation.path` (no values). */
export const fieldLabel = (t: MutationTemplate, path: string) => `${t.mutation}.${path}`;
