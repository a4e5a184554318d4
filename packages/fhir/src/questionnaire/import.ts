import {
  CONSENT_ORGANIZATION_TYPES,
  type Actor,
  type CommandInput,
  type ContactRole,
  type ConversationTopic,
  type Decision,
  type MedicalPolicyGoalCode,
  type Party,
  type PlanView,
  type Relationship,
} from '@pzp/domain';
import { idFor } from '../ids.js';
import { SYSTEM } from '../systems.js';
import { FormReader, linkIds, type FormIssue, type FormResponse } from './answers.js';
export { formDate } from './answers.js';
import {
  ACP_FORM,
  FORM_CONTACT_ROLE,
  FORM_DECISION,
  FORM_EUTHANASIA,
  FORM_GOAL,
  FORM_ICD_DEACTIVATION,
  ICD_PRODUCT,
  FORM_PLACE,
  GOAL_ALIASES,
  LINK,
  MEASUREMENT,
  OTHER_TREATMENTS_TEXT,
  PRESENT_PATIENT,
  PROFESSION_OF_UZI_ROLE,
  RELATIONSHIP_OF_ROLE_CODE,
  RELATIONSHIP_WORDS,
  SHARING_AGREED,
  SNOMED_YES_NO_UNKNOWN,
  TREATMENT_QUESTIONS,
  UNKNOWN,
  YES_NO,
} from './form.js';

type Conversation = CommandInput<'RecordConversation'>;
type Contact = NonNullable<Conversation['contactPersons']>[number];
type Directive = NonNullable<Conversation['treatmentDirectives']>[number];

/** What the import knows besides the form: who sends it (the token's) and the patient it is about. */
export interface FormContext {
  readonly actor: Actor;
  /** The patient: the BSN from the Patient resource or the subject's identifier; name and birth date if given there. */
  readonly patient: {
    readonly bsn: string;
    readonly name?: string | undefined;
    readonly birthDate?: string | undefined;
  };
  /** Fresh ids for what the conversation creates (conversation, wishes, contacts). */
  readonly newId: () => string;
  /**
   * The plan the registry holds now, if any: a follow-up form names the same representative and
   * repeats unchanged wishes, which are then the plan's, not new ones beside them.
   */
  readonly current?: PlanView | null | undefined;
}

export type FormImport =
  | {
      readonly ok: true;
      readonly command: Conversation;
      /**
       * The linkId each field of the command came from, by the field's path ("treatmentDirectives.2.
       * specification"), so that a refusal by the domain's rules names the form's question.
       */
      readonly linkIdOf: (path: readonly (string | number)[]) => string | undefined;
    }
  | { readonly ok: false; readonly issues: readonly FormIssue[] };

/** Every linkId of the national form: a response with any other is for another form. */
const FORM_LINK_IDS: ReadonlySet<string> = new Set(
  [...Object.values(LINK), ...TREATMENT_QUESTIONS].flatMap(linkIdsIn),
);

/** The linkIds a part of the table names (a treatment question's `code` is a SNOMED code, not one). */
function linkIdsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => (k === 'code' ? [] : linkIdsIn(x)));
  return [];
}

const DECISIONS_OF_FORM = { ...FORM_DECISION, UNKNOWN } as const;
const OTHER_DECISIONS = { WEL: FORM_DECISION.WEL, NIET: FORM_DECISION.NIET, UNKNOWN } as const;

const sameName = (a: string, b: string) => {
  const norm = (s: string) =>
    s
      .toLocaleLowerCase('nl')
      .replace(/[^\p{L}]+/gu, ' ')
      .trim();
  return norm(a) === norm(b) || norm(a).endsWith(` ${norm(b)}`);
};

/**
 * The national PZP form (a QuestionnaireResponse on Questionnaire/ACP-zib2020) as one
 * RecordConversation, to be decided by the same decider and rules as any other. Pure: the
 * response and its context in, the command or every problem with the form out.
 *
 * What the registry holds no field for (a Toelichting beside an "Onbekend", with no agreement to
 * hold it) is kept, in the form's words, in the conversation's summary: nothing the form says is
 * dropped.
 */
export function conversationFromForm(form: FormResponse, context: FormContext): FormImport {
  const r = new FormReader(form.item);
  const fields = new Map<string, string>();
  const field = (path: readonly (string | number)[], linkId: string) => fields.set(path.join('.'), linkId);
  const notes: string[] = [];

  if (form.questionnaire.split('|')[0] !== ACP_FORM)
    return { ok: false, issues: [{ linkId: '', message: `Not a response to ${ACP_FORM}` }] };
  if (form.status !== 'completed' && form.status !== 'amended')
    r.problem('', 'Only a completed (or amended) form is a record of a conversation');
  const unknown = new Set(linkIds(form.item).filter((id) => !FORM_LINK_IDS.has(id)));
  for (const id of unknown) r.problem(id, 'Not a question of the national form');

  const date =
    r.dateTime(LINK.filledInOn) ?? r.problem(LINK.filledInOn, 'The date of the conversation is required');
  const patient = patientOf(r, context);

  const contacts: Contact[] = [];
  const unchanged = new Set<string>();
  const representative = settled(representativeOf(r, context), context, unchanged);
  if (representative) contacts.push(representative);
  const alsoFirst = r.coded(LINK.representative.alsoFirstContact, YES_NO) === 'yes';
  if (alsoFirst && representative) {
    contacts.push(
      settled({ ...representative, contactId: context.newId(), role: '01' }, context, unchanged)!,
    );
  } else {
    const first = settled(firstContactOf(r, context), context, unchanged);
    if (first) contacts.push(first);
  }
  const designated = contacts.filter((c) => !unchanged.has(c.contactId));
  designated.forEach((c, i) => {
    const fromRepresentative = c.contactId === representative?.contactId || (alsoFirst && c.role === '01');
    const t = fromRepresentative ? LINK.telecom.representative : LINK.telecom.firstContact;
    field(['contactPersons', i, 'phone'], t.phone);
    field(['contactPersons', i, 'email'], t.email);
    field(
      ['contactPersons', i, 'name'],
      fromRepresentative ? LINK.representative.name.family : LINK.firstContact.name.family,
    );
  });

  const participants = participantsOf(r, context, representative, contacts);
  field(['participants'], LINK.presence.group);

  const capacityAnswer = r.coded(LINK.capacity.answer, YES_NO);
  const capacityComment = r.string(LINK.capacity.comment);
  field(['capacity', 'hasCapacity'], LINK.capacity.answer);

  const directives = directivesOf(r, notes);
  directives.forEach(({ linkIds: l }, i) => {
    field(['treatmentDirectives', i, 'specification'], l.specification ?? l.decision);
    field(['treatmentDirectives', i, 'treatment'], l.treatment);
    field(['treatmentDirectives', i, 'comment'], l.comment);
    field(['treatmentDirectives', i], l.decision);
  });

  checkMeasurement(r, LINK.goal.name, MEASUREMENT.goal.code!);
  const goal = r.coded<MedicalPolicyGoalCode | 'UNKNOWN'>(
    LINK.goal.value,
    { ...FORM_GOAL, UNKNOWN },
    GOAL_ALIASES,
  );

  const icd = icdOf(r);

  checkMeasurement(r, LINK.wishes.careWishes.name, MEASUREMENT.careWishes.code!);
  const careWishes = r.string(LINK.wishes.careWishes.value);
  field(['lifeWishes', 0, 'text'], LINK.wishes.careWishes.value);

  checkMeasurement(r, LINK.wishes.placeOfDeath.name, MEASUREMENT.placeOfDeath.code!);
  const place = r.coded(LINK.wishes.placeOfDeath.value, FORM_PLACE);
  const placeComment = r.string(LINK.wishes.placeOfDeath.comment);
  if (place === 'OTH' && !placeComment)
    r.problem(LINK.wishes.placeOfDeath.comment, 'Anders needs the place named in Toelichting');
  field(['preferredPlaceOfDeath'], LINK.wishes.placeOfDeath.value);

  checkMeasurement(r, LINK.wishes.euthanasia.name, MEASUREMENT.euthanasia.code!);
  const euthanasia = r.coded(LINK.wishes.euthanasia.value, FORM_EUTHANASIA);
  const euthanasiaComment = r.string(LINK.wishes.euthanasia.comment);

  checkMeasurement(r, LINK.wishes.organDonation.name, MEASUREMENT.organDonation.code!);
  const organDonation = r.coded(LINK.wishes.organDonation.value, SNOMED_YES_NO_UNKNOWN);

  checkMeasurement(r, LINK.otherInformation.name, MEASUREMENT.otherInformation.code!);
  const otherInformation = r.string(LINK.otherInformation.value);
  field(['otherInformation'], LINK.otherInformation.value);

  const earlier = r.coded(LINK.earlier.answer, SNOMED_YES_NO_UNKNOWN);
  const earlierComment = r.string(LINK.earlier.comment);
  const differs = r.coded(LINK.earlier.differs, SNOMED_YES_NO_UNKNOWN);
  if (differs && earlier !== 'YES')
    r.problem(LINK.earlier.differs, 'Answered although no earlier agreements were recorded (question a)');
  const informed = r.coded(LINK.sharing.informed, YES_NO);
  const sharing = r.coded(LINK.sharing.consent, { AGREED: SHARING_AGREED, UNKNOWN });

  if (r.issues.length > 0 || date === undefined) return { ok: false, issues: dedupe(r.issues) };

  const topics = new Set<ConversationTopic>();
  if (earlier) topics.add('EARLIER_AGREEMENTS');
  if (careWishes || otherInformation) topics.add('WHAT_MATTERS');
  if (goal) topics.add('GOALS');
  if (directives.length > 0) topics.add('TREATMENT_WISHES_AND_LIMITS');
  if (place) topics.add('PLACE_OF_DEATH');
  if (euthanasia) topics.add('EUTHANASIA');
  if (organDonation) topics.add('ORGAN_DONATION');
  if (icd.deactivation || icd.present) topics.add('ICD');
  if (capacityAnswer) topics.add('CAPACITY');
  if (representative) topics.add('REPRESENTATIVE');
  if (sharing) topics.add('SHARING_CONSENT');

  const summary = notes.length > 0 ? ['Uit het PZP-formulier:', ...notes].join('\n') : undefined;
  const command: Conversation = {
    conversationId: context.newId(),
    patient,
    date,
    participants,
    topics: [...topics],
    ...(summary ? { summary } : {}),
    ...(earlier
      ? {
          earlierAgreements: {
            recorded: earlier,
            ...(differs ? { differ: differs } : {}),
            ...(earlierComment ? { comment: earlierComment } : {}),
          },
        }
      : {}),
    ...(informed ? { patientInformedToShare: informed === 'yes' } : {}),
    treatmentDirectives: directives.map((d) => d.directive),
    lifeWishes:
      careWishes && !context.current?.lifeWishes.some((w) => w.text === careWishes)
        ? [{ wishId: context.newId(), text: careWishes }]
        : [],
    ...(goal && goal !== 'UNKNOWN' ? { medicalPolicyGoal: { goal } } : {}),
    ...(place
      ? {
          preferredPlaceOfDeath:
            place === 'OTH'
              ? { place: { code: 'OTH', text: placeComment } }
              : { place: { code: place }, ...(placeComment ? { comment: placeComment } : {}) },
        }
      : {}),
    ...(euthanasia
      ? {
          euthanasiaPosition: {
            position: euthanasia,
            ...(euthanasiaComment ? { comment: euthanasiaComment } : {}),
          },
        }
      : {}),
    ...(organDonation ? { organDonation: { answer: organDonation } } : {}),
    ...(icd.present ? { icd: icd.present } : {}),
    ...(icd.deactivation ? { icdDeactivation: icd.deactivation } : {}),
    ...(capacityAnswer
      ? {
          capacity: {
            hasCapacity: capacityAnswer === 'yes',
            ...(capacityComment ? { comment: capacityComment } : {}),
          },
        }
      : {}),
    // A contact the plan already holds exactly so is named by the conversation, not designated again.
    contactPersons: designated,
    sharingConsents:
      sharing === 'AGREED'
        ? CONSENT_ORGANIZATION_TYPES.map((organizationType) => ({
            organizationType,
            decision: 'GRANTED' as const,
          }))
        : [],
    ...(otherInformation ? { otherInformation } : {}),
  };
  return {
    ok: true,
    command,
    linkIdOf: (path) => {
      for (let n = path.length; n > 0; n--) {
        const found = fields.get(path.slice(0, n).join('.'));
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * A contact as the plan holds it: one the plan has by the same name and role keeps its id (the
 * form updates it), and one that is the same in every field is marked unchanged.
 */
function settled(
  contact: Contact | undefined,
  context: FormContext,
  unchanged: Set<string>,
): Contact | undefined {
  if (!contact) return undefined;
  const existing = context.current?.contactPersons.find(
    (c) => c.role === contact.role && sameName(c.name, contact.name) && sameName(contact.name, c.name),
  );
  if (!existing) return contact;
  const same =
    existing.name === contact.name &&
    existing.relationship === contact.relationship &&
    existing.phone === contact.phone &&
    existing.email === contact.email &&
    existing.comment === contact.comment;
  if (same) unchanged.add(existing.contactId);
  return { ...contact, contactId: existing.contactId };
}

const dedupe = (issues: readonly FormIssue[]) => [
  ...new Map(issues.map((i) => [`${i.linkId}\u0000${i.message}`, i])).values(),
];

/** A "[MetingNaam]" answer, when given, must be the fixed coding of its question. */
function checkMeasurement(r: FormReader, linkId: string, code: string): void {
  for (const c of r.codes(linkId))
    if (c.code !== code) r.problem(linkId, 'Not the measurement this question names');
}

function patientOf(r: FormReader, context: FormContext): Conversation['patient'] {
  const name = r.name(LINK.patientName);
  const birthDate = r.dateTime(LINK.patientBirthDate);
  const given = context.patient;
  if (name && given.name && !sameName(given.name, name) && !sameName(name, given.name))
    r.problem(LINK.patientName.group, 'The name differs from the Patient resource\u2019s');
  if (birthDate && given.birthDate && birthDate !== given.birthDate)
    r.problem(LINK.patientBirthDate, 'The birth date differs from the Patient resource\u2019s');
  const finalName = given.name ?? name;
  const finalBirthDate = given.birthDate ?? birthDate;
  if (!finalName) r.problem(LINK.patientName.group, 'The patient\u2019s name is required');
  if (!finalBirthDate) r.problem(LINK.patientBirthDate, 'The patient\u2019s birth date is required');
  return { bsn: given.bsn, name: finalName ?? '', birthDate: finalBirthDate ?? '' };
}

/** The words "Anders, namelijk" carries for each relationship the form has no neutral option for. */
const RELATIONSHIP_OF_WORDS: ReadonlyMap<string, Relationship> = new Map(
  (Object.entries(RELATIONSHIP_WORDS) as [Relationship, string][]).map(([k, w]) => [
    w.toLocaleLowerCase('nl'),
    k,
  ]),
);

/** One "Relatie tot patiënt" answer: a form option, or "Anders, namelijk" with words (ours read back). */
function relationshipOfAnswer(
  answer: { code: string; nested: FormReader },
  linkId: string,
  otherLinkId: string,
) {
  const relationship = RELATIONSHIP_OF_ROLE_CODE[answer.code];
  if (!relationship) {
    answer.nested.problem(linkId, 'Not one of the form\u2019s answer options');
    return undefined;
  }
  if (relationship !== 'OTHER') return { relationship };
  const words = answer.nested.string(otherLinkId);
  const known = words ? RELATIONSHIP_OF_WORDS.get(words.toLocaleLowerCase('nl')) : undefined;
  return known ? { relationship: known } : { relationship, ...(words ? { words } : {}) };
}

function relationshipOf(
  r: FormReader,
  linkId: string,
  otherLinkId: string,
): { relationship: Relationship; note?: string } {
  const [first, ...more] = r.codes(linkId);
  if (more.length > 0) r.problem(linkId, 'Takes one relationship');
  const read = first && relationshipOfAnswer(first, linkId, otherLinkId);
  if (!read) return { relationship: 'OTHER' };
  return 'words' in read && read.words
    ? { relationship: read.relationship, note: `Relatie: ${read.words}` }
    : read;
}

/** A contact's phones and e-mail addresses: the first of each is the contact's, the rest noted. */
function telecomOf(
  r: FormReader,
  t: (typeof LINK.telecom)[keyof typeof LINK.telecom],
): { phone?: string; email?: string; notes: string[] } {
  const notes: string[] = [];
  const phones = r.all(t.phones).map((g) => {
    const p = r.within(g);
    const number = p.string(t.phone);
    const note = p.string(t.phoneNote);
    return { number, note };
  });
  const emails = r.all(t.emails).map((g) => r.within(g).string(t.email));
  const [phone, ...otherPhones] = phones.filter((p) => p.number);
  const [email, ...otherEmails] = emails.filter((e): e is string => !!e);
  if (phone?.note) notes.push(`Telefoon: ${phone.note}`);
  for (const p of otherPhones) notes.push(`Ook bereikbaar op ${p.number}${p.note ? ` (${p.note})` : ''}`);
  for (const e of otherEmails) notes.push(`Ook e-mail: ${e}`);
  return { ...(phone?.number ? { phone: phone.number } : {}), ...(email ? { email } : {}), notes };
}

const contactComment = (notes: readonly string[]) => (notes.length > 0 ? { comment: notes.join('\n') } : {});

function representativeOf(r: FormReader, context: FormContext): Contact | undefined {
  const l = LINK.representative;
  const name = r.name(l.name);
  const telecom = telecomOf(r, LINK.telecom.representative);
  const roles = r.codes(l.role);
  const relationship = relationshipOf(r, l.relationship, l.relationshipOther);
  if (!name) {
    if (telecom.phone || telecom.email || roles.length > 0 || r.has(l.relationship))
      r.problem(l.name.group, 'A representative needs a name');
    return undefined;
  }
  const notes = [...telecom.notes];
  let role: ContactRole = '24';
  for (const c of roles) {
    const mapped = FORM_CONTACT_ROLE[c.code];
    if (!mapped) r.problem(l.role, 'Not one of the form\u2019s answer options');
    else if (mapped !== '24' || c.code === '24') role = mapped;
    if (c.code === '310141000146103') notes.push('Schriftelijk gemachtigde');
    if (c.code === '09') notes.push(`Rol: ${r.string(l.roleOther) ?? 'anders'}`);
  }
  if (relationship.note) notes.push(relationship.note);
  return {
    contactId: context.newId(),
    name,
    role,
    relationship: relationship.relationship,
    ...(telecom.phone ? { phone: telecom.phone } : {}),
    ...(telecom.email ? { email: telecom.email } : {}),
    ...contactComment(notes),
  };
}

function firstContactOf(r: FormReader, context: FormContext): Contact | undefined {
  const l = LINK.firstContact;
  const name = r.name(l.name);
  const telecom = telecomOf(r, LINK.telecom.firstContact);
  const relationship = relationshipOf(r, l.relationship, l.relationshipOther);
  if (!name) {
    if (telecom.phone || telecom.email) r.problem(l.name.group, 'A first contact needs a name');
    return undefined;
  }
  return {
    contactId: context.newId(),
    name,
    role: '01',
    relationship: relationship.relationship,
    ...(telecom.phone ? { phone: telecom.phone } : {}),
    ...(telecom.email ? { email: telecom.email } : {}),
    ...contactComment([...telecom.notes, ...(relationship.note ? [relationship.note] : [])]),
  };
}

/**
 * Who took part: the professional who held the conversation (the caller, when the form names them
 * or no one), the patient when present, and whom section 2 names. Section 2 gives only a role or a
 * relationship: a person it matches among the form's contacts is named; another is named by that
 * relationship, saying the form gave no name.
 */
function participantsOf(
  r: FormReader,
  context: FormContext,
  representative: Contact | undefined,
  contacts: readonly Contact[],
): Party[] {
  const l = LINK.conductedBy;
  const name = r.name(l);
  const roleCode = r.codes(l.role)[0]?.code;
  const profession = roleCode === undefined ? undefined : PROFESSION_OF_UZI_ROLE[roleCode];
  if (roleCode !== undefined && !profession)
    r.problem(l.role, 'This function has no profession in the registry (physician assistant is not yet one)');
  const { actor } = context;
  const professional: Party =
    !name || sameName(actor.name, name)
      ? {
          kind: 'PROFESSIONAL',
          id: actor.id,
          name: actor.name,
          profession: actor.profession,
          organization: actor.organization,
        }
      : {
          kind: 'PROFESSIONAL',
          // The form carries no identifier: the same name and function are the same person.
          id: `form-${idFor('conducted-by', name.toLocaleLowerCase('nl'), roleCode ?? '').slice(0, 24)}`,
          name,
          profession: profession ?? actor.profession,
        };
  if (name && !sameName(actor.name, name) && roleCode === undefined)
    r.problem(l.role, 'The function of the professional who held the conversation is required');

  const parties: Party[] = [professional];
  const p = LINK.presence;
  const patientPresent = r.codes(p.patient).some((c) => c.code === PRESENT_PATIENT.code);
  if (patientPresent) parties.push({ kind: 'PATIENT' });
  const named = new Set<string>();
  const addRepresentative = () => {
    if (!representative || named.has(representative.contactId)) return;
    named.add(representative.contactId);
    parties.push({ kind: 'REPRESENTATIVE', name: representative.name, contactId: representative.contactId });
  };
  for (const c of r.codes(p.role)) {
    if (!['03', '15', '310141000146103', '09'].includes(c.code))
      r.problem(p.role, 'Not one of the form\u2019s answer options');
    else if (representative) addRepresentative();
    else r.problem(p.role, 'A representative was present but the form names none (section 1)');
  }
  for (const answer of r.codes(p.relationship)) {
    const read = relationshipOfAnswer(answer, p.relationship, p.relationshipOther);
    if (!read) continue;
    const { relationship } = read;
    const match = contacts.find((x) => x.relationship === relationship && !named.has(x.contactId));
    if (match && representative && match.name === representative.name) addRepresentative();
    else if (match) {
      named.add(match.contactId);
      parties.push({ kind: 'RELATIVE', name: match.name, relationship });
    } else {
      const words = ('words' in read && read.words) || RELATIONSHIP_WORDS[relationship];
      parties.push({ kind: 'RELATIVE', name: `${words} (naam niet op het formulier)`, relationship });
    }
  }
  return parties;
}

interface ReadDirective {
  readonly directive: Directive;
  readonly linkIds: { decision: string; treatment: string; specification?: string; comment: string };
}

/** Section 4: a directive for each treatment decided; "Onbekend" or no answer is no agreement. */
function directivesOf(r: FormReader, notes: string[]): ReadDirective[] {
  const found: ReadDirective[] = [];
  for (const q of TREATMENT_QUESTIONS) {
    for (const group of r.all(q.group)) {
      const g = r.within(group);
      const isOther = q.code === 'OTH';
      const decision: Decision | 'UNKNOWN' | undefined = isOther
        ? g.coded(q.decision, OTHER_DECISIONS)
        : g.coded(q.decision, DECISIONS_OF_FORM);
      const specification = q.specification ? g.string(q.specification) : undefined;
      const comment = g.string(q.comment);
      const treatment = isOther ? otherTreatment(g, q.treatment) : codedTreatment(g, q.treatment, q.code);
      if (specification && decision !== 'ANDERS')
        g.problem(q.specification!, 'SpecificatieAnders is for an Anders decision only');
      if (decision === 'ANDERS' && !specification)
        g.problem(q.specification!, 'Anders needs the conditions in SpecificatieAnders');
      if (!decision || decision === 'UNKNOWN') {
        if (comment) notes.push(`${treatment?.text ?? q.code}: onbekend (${comment})`);
        continue;
      }
      if (!treatment) continue;
      found.push({
        directive: {
          treatment:
            treatment.code === 'OTH' ? { code: 'OTH', text: treatment.text } : { code: treatment.code },
          decision,
          ...(specification ? { specification } : {}),
          ...(comment ? { comment } : {}),
        } as Directive,
        linkIds: {
          decision: q.decision,
          treatment: q.treatment,
          ...(q.specification ? { specification: q.specification } : {}),
          comment: q.comment,
        },
      });
    }
  }
  return found;
}

/** A coded treatment question's answer must be its own treatment; none given is read as it. */
function codedTreatment(
  g: FormReader,
  linkId: string,
  code: string,
): { code: string; text?: string } | undefined {
  const given = g.codes(linkId);
  if (given.some((c) => c.code !== code || (c.system && c.system !== SYSTEM.snomed)))
    return g.problem(linkId, 'Not the treatment this question is about');
  return { code };
}

/** "g) Overige behandelgrenzen": the treatment named (open choice), else the form's own words. */
function otherTreatment(g: FormReader, linkId: string): { code: 'OTH'; text: string } | undefined {
  const answers = g.all(linkId).flatMap((i) => i.answer ?? []);
  if (answers.length > 1) return g.problem(linkId, 'Takes one answer, got several');
  const a = answers[0];
  const named =
    a?.valueString?.trim() || (a?.valueCoding?.code === 'OTH' ? undefined : a?.valueCoding?.display?.trim());
  if (a?.valueCoding && a.valueCoding.code !== 'OTH' && !a.valueCoding.display)
    return g.problem(linkId, 'Name the other treatment (a text answer)');
  return { code: 'OTH', text: named || OTHER_TREATMENTS_TEXT };
}

/** Section 4 h and i: whether there is an ICD, and what was agreed on switching it off. */
function icdOf(r: FormReader): {
  present?: { present: 'YES' | 'NO' | 'UNKNOWN'; comment?: string };
  deactivation?: { answer: keyof typeof FORM_ICD_DEACTIVATION; comment?: string };
} {
  const answer = r.coded(LINK.icd.has, SNOMED_YES_NO_UNKNOWN);
  const products = r.codes(LINK.icd.productType);
  if (products.some((p) => p.code !== ICD_PRODUCT.code))
    r.problem(LINK.icd.productType, 'Not one of the form\u2019s answer options');
  if (products.length > 0 && answer !== 'YES')
    r.problem(LINK.icd.productType, 'A product type needs "Heeft de patiënt een ICD?" Ja');
  const presentComment = r.string(LINK.icd.comment);
  checkMeasurement(r, LINK.icdDeactivation.treatment, MEASUREMENT.icdDeactivation.code!);
  const deactivation = r.coded(LINK.icdDeactivation.decision, FORM_ICD_DEACTIVATION);
  const comment = r.string(LINK.icdDeactivation.comment);
  if (deactivation && answer !== 'YES')
    r.problem(
      LINK.icdDeactivation.decision,
      'An agreement on switching off the ICD needs "Heeft de patiënt een ICD?" Ja',
    );
  return {
    ...(answer
      ? { present: { present: answer, ...(presentComment ? { comment: presentComment } : {}) } }
      : {}),
    ...(deactivation ? { deactivation: { answer: deactivation, ...(comment ? { comment } : {}) } } : {}),
  };
}
