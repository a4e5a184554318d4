import type {
  Coding,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import { CONSENT_ORGANIZATION_TYPES, type Party, type PlanView, type Relationship } from '@pzp/domain';
import { patientScopedId } from '../ids.js';
import { patientReference } from '../parties.js';
import {
  ACP_FORM,
  ACP_FORM_VERSION,
  FORM_DECISION,
  FORM_EUTHANASIA,
  FORM_GOAL,
  FORM_ICD_DEACTIVATION,
  FORM_PLACE,
  FORM_PROFESSION,
  ICD_PRODUCT,
  LINK,
  MEASUREMENT,
  OTHER_RELATIONSHIP,
  OTHER_TREATMENTS_TEXT,
  PARTNER,
  PRESENT_PATIENT,
  REPRESENTATIVE_ROLE_CODING,
  RELATIONSHIP_WORDS,
  SHARING_AGREED,
  SNOMED_YES_NO_UNKNOWN,
  TREATMENT_QUESTIONS,
  UNKNOWN,
  YES_NO,
  type TreatmentQuestion,
} from './form.js';

type Item = QuestionnaireResponseItem;
type Answer = QuestionnaireResponseItemAnswer;
type Contact = PlanView['contactPersons'][number];
type CurrentDirective = Exclude<PlanView['treatmentDirectives'][number], { status: 'NO_AGREEMENT_RECORDED' }>;

const item = (linkId: string, answer: readonly Answer[]): Item[] =>
  answer.length > 0 ? [{ linkId, answer: [...answer] }] : [];
const group = (linkId: string, children: readonly Item[]): Item[] =>
  children.length > 0 ? [{ linkId, item: [...children] }] : [];
const text = (linkId: string, value: string | undefined): Item[] =>
  value ? item(linkId, [{ valueString: value }]) : [];
const coding = (c: Coding, nested: readonly Item[] = []): Answer => ({
  valueCoding: c,
  ...(nested.length > 0 ? { item: [...nested] } : {}),
});
const coded = (linkId: string, c: Coding | undefined, nested: readonly Item[] = []): Item[] =>
  c ? item(linkId, [coding(c, nested)]) : [];

/** A relationship as the form's option: partner is the form's one neutral option, the rest "Anders" in words. */
const relationshipAnswer = (relationship: Relationship, otherLinkId: string): Answer =>
  relationship === 'SPOUSE_OR_PARTNER'
    ? coding(PARTNER)
    : coding(OTHER_RELATIONSHIP, text(otherLinkId, RELATIONSHIP_WORDS[relationship]));

function telecom(contact: Contact, t: (typeof LINK.telecom)[keyof typeof LINK.telecom]): Item[] {
  return [...group(t.phones, text(t.phone, contact.phone)), ...group(t.emails, text(t.email, contact.email))];
}

/** Section 1: capacity, the representative and the first contact. */
function capacityAndContacts(view: PlanView): Item[] {
  const l = LINK.representative;
  const representative = view.representatives[0];
  const first = view.contactPersons.find(
    (c) => c.role === '01' && (!representative || c.contactId !== representative.contactId),
  );
  const firstIsRepresentative =
    !!representative && !!first && first.name === representative.name && first.phone === representative.phone;
  const capacity = view.capacity;
  const representativeItems = representative
    ? [
        ...group(l.name.group, text(l.name.family, representative.name)),
        ...group(l.contact, telecom(representative, LINK.telecom.representative)),
        ...coded(l.role, REPRESENTATIVE_ROLE_CODING[representative.role as '24' | '03' | '15']),
        ...item(l.relationship, [relationshipAnswer(representative.relationship, l.relationshipOther)]),
        ...(first ? coded(l.alsoFirstContact, firstIsRepresentative ? YES_NO.yes : YES_NO.no) : []),
      ]
    : [];
  const f = LINK.firstContact;
  const firstItems =
    first && !firstIsRepresentative
      ? [
          ...group(f.name.group, text(f.name.family, first.name)),
          ...group(f.contact, telecom(first, LINK.telecom.firstContact)),
          ...item(f.relationship, [relationshipAnswer(first.relationship, f.relationshipOther)]),
        ]
      : [];
  return group(LINK.capacity.group, [
    ...(capacity
      ? coded(
          LINK.capacity.answer,
          capacity.hasCapacity ? YES_NO.yes : YES_NO.no,
          text(LINK.capacity.comment, capacity.comment),
        )
      : []),
    ...group(l.group, [...representativeItems, ...firstItems]),
  ]);
}

/** Section 2: who was present at the latest conversation besides the professional. */
function presence(view: PlanView, parties: readonly Party[]): Item[] {
  const p = LINK.presence;
  const roles: Answer[] = [];
  const relationships: Answer[] = [];
  for (const party of parties) {
    if (party.kind === 'REPRESENTATIVE') {
      const contact = view.contactPersons.find((c) => c.contactId === party.contactId);
      if (contact?.role === '03' || contact?.role === '15')
        roles.push(coding(REPRESENTATIVE_ROLE_CODING[contact.role]));
      else if (contact) relationships.push(relationshipAnswer(contact.relationship, p.relationshipOther));
    }
    if (party.kind === 'RELATIVE')
      relationships.push(relationshipAnswer(party.relationship, p.relationshipOther));
  }
  return group(p.group, [
    ...(parties.some((x) => x.kind === 'PATIENT') ? coded(p.patient, PRESENT_PATIENT) : []),
    ...item(p.role, roles),
    ...item(p.relationship, relationships),
  ]);
}

/**
 * A directive's Toelichting. The form has no field for "provisional" or "a revision waits": they
 * are written first in it, so a reader of the form cannot take a provisional limit for a confirmed one.
 */
function directiveNote(d: CurrentDirective): string | undefined {
  const marks = [
    ...(d.status === 'PROVISIONAL' ? ['VOORLOPIG: nog niet door een arts bevestigd.'] : []),
    ...(d.pendingRevision
      ? [`Wijziging wacht op bevestiging door een arts: ${d.pendingRevision.summary}.`]
      : []),
    // Conditions beside a yes or no: the form's SpecificatieAnders is for Anders only.
    ...(d.decision !== 'ANDERS' && d.specification ? [`Voorwaarden: ${d.specification}`] : []),
  ];
  const note = [...marks, ...(d.comment ? [d.comment] : [])].join('\n');
  return note || undefined;
}

function treatmentGroup(q: TreatmentQuestion, d: CurrentDirective | undefined): Item[] {
  const note = d ? directiveNote(d) : undefined;
  const nested = [
    ...(d?.decision === 'ANDERS' && q.specification ? text(q.specification, d.specification) : []),
    ...text(q.comment, note),
  ];
  const treatment: Answer =
    q.code === 'OTH'
      ? d && d.treatment.display !== OTHER_TREATMENTS_TEXT
        ? { valueString: d.treatment.display }
        : coding({
            system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
            code: 'OTH',
            display: 'Other',
          })
      : coding({ system: 'http://snomed.info/sct', code: q.code });
  return group(q.group, [
    ...item(q.treatment, [treatment]),
    ...coded(q.decision, d ? FORM_DECISION[d.decision] : UNKNOWN, nested),
  ]);
}

/**
 * Section 4h: whether there is an ICD. A plan recorded without the question but with an agreement
 * on switching it off has one (the import and the decider require it).
 */
function icdPresence(view: PlanView): Item[] {
  const present = view.icd?.value ?? (view.icdDeactivation ? 'YES' : undefined);
  if (!present) return [];
  return coded(LINK.icd.has, SNOMED_YES_NO_UNKNOWN[present], [
    ...(present === 'YES' ? coded(LINK.icd.productType, ICD_PRODUCT) : []),
    ...text(LINK.icd.comment, view.icd?.comment),
  ]);
}

/** Section 4: the six treatments always (no agreement is "Onbekend", never yes or no), then the others, then the ICD. */
function treatmentLimits(view: PlanView): Item[] {
  const current = view.treatmentDirectives.filter(
    (d): d is CurrentDirective => d.status !== 'NO_AGREEMENT_RECORDED',
  );
  const others = current.filter((d) => d.treatment.code === 'OTH');
  const otherQuestion = TREATMENT_QUESTIONS.find((q) => q.code === 'OTH')!;
  const icd = view.icdDeactivation;
  return group(LINK.treatments, [
    ...TREATMENT_QUESTIONS.filter((q) => q.code !== 'OTH').flatMap((q) =>
      treatmentGroup(
        q,
        current.find((d) => d.treatment.code === q.code),
      ),
    ),
    // The form has one "Overige behandelgrenzen"; a plan with more repeats it rather than drop a limit.
    ...(others.length > 0
      ? others.flatMap((d) => treatmentGroup(otherQuestion, d))
      : treatmentGroup(otherQuestion, undefined)),
    ...icdPresence(view),
    ...(icd
      ? group(LINK.icdDeactivation.group, [
          ...coded(LINK.icdDeactivation.treatment, MEASUREMENT.icdDeactivation),
          ...coded(
            LINK.icdDeactivation.decision,
            FORM_ICD_DEACTIVATION[icd.value],
            text(LINK.icdDeactivation.comment, icd.comment),
          ),
        ])
      : []),
  ]);
}

function wishes(view: PlanView): Item[] {
  const w = LINK.wishes;
  const careWishes = view.lifeWishes.map((x) => x.text).join('\n\n');
  const place = view.preferredPlaceOfDeath;
  const euthanasia = view.euthanasiaPosition;
  return group(w.group, [
    ...(careWishes
      ? group(w.careWishes.group, [
          ...coded(w.careWishes.name, MEASUREMENT.careWishes),
          ...text(w.careWishes.value, careWishes),
        ])
      : []),
    ...(place
      ? group(w.placeOfDeath.group, [
          ...coded(w.placeOfDeath.name, MEASUREMENT.placeOfDeath),
          ...coded(
            w.placeOfDeath.value,
            FORM_PLACE[place.value.code],
            text(w.placeOfDeath.comment, place.value.code === 'OTH' ? place.value.text : place.comment),
          ),
        ])
      : []),
    ...(euthanasia
      ? group(w.euthanasia.group, [
          ...coded(w.euthanasia.name, MEASUREMENT.euthanasia),
          ...coded(
            w.euthanasia.value,
            FORM_EUTHANASIA[euthanasia.value],
            text(w.euthanasia.comment, euthanasia.comment),
          ),
        ])
      : []),
    ...(view.organDonation
      ? group(w.organDonation.group, [
          ...coded(w.organDonation.name, MEASUREMENT.organDonation),
          ...coded(w.organDonation.value, SNOMED_YES_NO_UNKNOWN[view.organDonation.value]),
        ])
      : []),
  ]);
}

/** Section 7, as the latest conversation recorded it: earlier agreements, and whether they differ. */
function earlierAgreements(conversation: PlanView['conversations'][number]): Item[] {
  const e = conversation.earlierAgreements;
  if (!e) return [];
  return group(LINK.earlier.group, [
    ...coded(LINK.earlier.answer, SNOMED_YES_NO_UNKNOWN[e.recorded], text(LINK.earlier.comment, e.comment)),
    ...(e.differ ? coded(LINK.earlier.differs, SNOMED_YES_NO_UNKNOWN[e.differ]) : []),
  ]);
}

/**
 * The plan as the national form (method 2 of the guide's data-exchange page): what the registry
 * holds now, on the form's questions, with the latest conversation as the form's date, its
 * professional and who was present. The form has no place for a second representative, other
 * contact persons or withdrawn items: method 1's resources carry those.
 */
export function conversationForm(pseudonym: string, view: PlanView): QuestionnaireResponse {
  const latest = view.conversations.at(-1);
  const professional = latest?.participants.find(
    (p): p is Extract<Party, { kind: 'PROFESSIONAL' }> => p.kind === 'PROFESSIONAL',
  );
  const goal = view.medicalPolicyGoal;
  const consents = view.sharingConsent;
  const allAgreed =
    consents.length === CONSENT_ORGANIZATION_TYPES.length && consents.every((c) => c.decision === 'GRANTED');
  const name = view.patient?.name;
  return {
    resourceType: 'QuestionnaireResponse',
    id: patientScopedId(pseudonym, 'acp-form'),
    questionnaire: `${ACP_FORM}|${ACP_FORM_VERSION}`,
    status: 'completed',
    subject: patientReference(pseudonym),
    ...(latest ? { authored: latest.provenance.recordedAt } : {}),
    item: [
      ...(latest ? item(LINK.filledInOn, [{ valueDateTime: latest.date }]) : []),
      ...group(LINK.patientName.group, text(LINK.patientName.family, name)),
      ...(view.patient ? item(LINK.patientBirthDate, [{ valueDateTime: view.patient.birthDate }]) : []),
      ...(professional && professional.profession !== 'AUDITOR'
        ? group(LINK.conductedBy.group, [
            ...group(LINK.conductedBy.name, text(LINK.conductedBy.family, professional.name)),
            ...coded(LINK.conductedBy.role, FORM_PROFESSION[professional.profession]),
          ])
        : []),
      ...capacityAndContacts(view),
      ...(latest ? presence(view, latest.participants) : []),
      ...(goal
        ? group(LINK.goal.group, [
            ...coded(LINK.goal.name, MEASUREMENT.goal),
            ...coded(LINK.goal.value, FORM_GOAL[goal.value]),
          ])
        : []),
      ...treatmentLimits(view),
      ...wishes(view),
      ...(view.otherInformation
        ? group(LINK.otherInformation.group, [
            ...coded(LINK.otherInformation.name, MEASUREMENT.otherInformation),
            ...text(LINK.otherInformation.value, view.otherInformation.text),
          ])
        : []),
      ...(latest ? earlierAgreements(latest) : []),
      ...group(LINK.sharing.group, [
        ...(latest?.patientInformedToShare === undefined
          ? []
          : coded(LINK.sharing.informed, latest.patientInformedToShare ? YES_NO.yes : YES_NO.no)),
        ...(allAgreed ? coded(LINK.sharing.consent, SHARING_AGREED) : []),
      ]),
    ],
  };
}
