import { readFileSync } from 'node:fs';
import { CommandSchemas, currentView, type Bsn, type PlanView } from '@pzp/domain';
import { actors, bsns, idSequence, PlanRecorder } from '@pzp/domain/testing';
import { describe, expect, it } from 'vitest';
import { r4Errors } from '../testing/index.js';
import { FormResponse, type FormIssue } from './answers.js';
import {
  ACP_FORM,
  ACP_FORM_VERSION,
  FORM_DECISION,
  FORM_EUTHANASIA,
  FORM_ICD_DEACTIVATION,
  FORM_PLACE,
  FORM_PROFESSION,
  LINK,
  TREATMENT_QUESTIONS,
} from './form.js';
import { conversationFromForm, type FormContext } from './import.js';
import { conversationForm } from './render.js';

/**
 * The national form against the registry's table of it, and IKNL's Hendrik Hartman example forms
 * through the import, the real decider and method 2's rendering.
 */

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
interface QItem {
  linkId: string;
  item?: QItem[];
  answerOption?: { valueCoding?: { code?: string } }[];
}
const questionnaire = fixture('Questionnaire-ACP-zib2020.json') as {
  url: string;
  version: string;
  item: QItem[];
};
const hendrik2020 = () => FormResponse.parse(fixture('QuestionnaireResponse-HendrikHartman-20201001.json'));
const hendrik2022 = () => FormResponse.parse(fixture('QuestionnaireResponse-HendrikHartman-20221108.json'));

const questions = new Map<string, QItem>();
(function index(items: QItem[]) {
  for (const i of items) {
    questions.set(i.linkId, i);
    index(i.item ?? []);
  }
})(questionnaire.item);
const optionCodes = (linkId: string) =>
  (questions.get(linkId)?.answerOption ?? []).map((o) => o.valueCoding?.code);

const bsn = bsns[1] as Bsn;
const NOW = '2026-11-30T10:00:00Z';
const context = (overrides: Partial<FormContext> = {}): FormContext => ({
  actor: actors.gp,
  patient: { bsn },
  newId: idSequence(7),
  ...overrides,
});

function imported(form: FormResponse, ctx = context()) {
  const result = conversationFromForm(form, ctx);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.issues)}`);
  return result.command;
}
function issuesOf(form: FormResponse, ctx = context()): FormIssue[] {
  const result = conversationFromForm(form, ctx);
  if (result.ok) throw new Error('expected the form to be refused');
  return [...result.issues];
}
/** The plan after the forms, through the real decider (decide → envelope → evolve). */
function planOf(...forms: FormResponse[]): PlanView {
  const rec = new PlanRecorder(idSequence(3));
  const newId = idSequence(7);
  for (const f of forms) {
    const ctx = context({ newId, current: rec.state.plan.patient ? currentView(rec.state.plan) : null });
    rec.run('RecordConversation', imported(f, ctx), actors.gp, NOW);
  }
  return currentView(rec.state.plan);
}

/** Edits one answer of a form, wherever it sits. */
function edit(
  form: FormResponse,
  linkId: string,
  change: (item: Record<string, unknown>) => void,
): FormResponse {
  const copy = structuredClone(form) as FormResponse;
  const visit = (items: unknown[] | undefined) => {
    for (const i of (items ?? []) as {
      linkId: string;
      item?: unknown[];
      answer?: { item?: unknown[] }[];
    }[]) {
      if (i.linkId === linkId) change(i as unknown as Record<string, unknown>);
      visit(i.item);
      for (const a of i.answer ?? []) visit(a.item);
    }
  };
  visit(copy.item as unknown[]);
  return copy;
}

describe('the table of the national form', () => {
  it('is made from the published form', () => {
    expect(questionnaire.url).toBe(ACP_FORM);
    expect(questionnaire.version).toBe(ACP_FORM_VERSION);
  });

  it('names every question of the form, and only questions of the form', () => {
    const named = new Set<string>();
    (function collect(v: unknown, key = '') {
      if (typeof v === 'string' && key !== 'code') named.add(v);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
    })([LINK, TREATMENT_QUESTIONS]);
    expect([...named].filter((id) => !questions.has(id))).toEqual([]);
    expect([...questions.keys()].filter((id) => !named.has(id))).toEqual([]);
  });

  it('uses the options the form offers', () => {
    for (const q of TREATMENT_QUESTIONS) {
      expect(optionCodes(q.treatment)).toEqual([q.code]);
      const decisions = Object.values(FORM_DECISION)
        .map((c) => c.code)
        .filter((c) => q.code !== 'OTH' || c !== '1');
      expect(optionCodes(q.decision)).toEqual([...decisions, 'UNK']);
    }
    expect(optionCodes(LINK.wishes.placeOfDeath.value).sort()).toEqual(
      Object.values(FORM_PLACE)
        .map((c) => c.code)
        .sort(),
    );
    expect(optionCodes(LINK.wishes.euthanasia.value).sort()).toEqual(
      Object.values(FORM_EUTHANASIA)
        .map((c) => c.code)
        .sort(),
    );
    expect(optionCodes(LINK.icdDeactivation.decision)).toEqual(
      Object.values(FORM_ICD_DEACTIVATION).map((c) => c.code),
    );
    for (const c of Object.values(FORM_PROFESSION))
      expect(optionCodes(LINK.conductedBy.role)).toContain(c.code);
  });
});

describe('importing the Hendrik Hartman form of 1 October 2020', () => {
  it('becomes one conversation the domain accepts, every answer in its place', () => {
    const command = imported(hendrik2020());
    expect(() => CommandSchemas.RecordConversation.parse(command)).not.toThrow();
    expect(command).toMatchObject({
      date: '2020-10-01',
      patient: { bsn, name: 'Hendrik Hartman', birthDate: '1961-01-01' },
      capacity: { hasCapacity: true },
      medicalPolicyGoal: { goal: '1351964001' },
      preferredPlaceOfDeath: { place: { code: 'UNK' }, comment: 'Nog niet besproken' },
      euthanasiaPosition: { position: 'UNKNOWN', comment: 'Nog niet besproken' },
      organDonation: { answer: 'YES' },
      icd: { present: 'YES', comment: 'Geïmplanteerd in 2018' },
      icdDeactivation: { answer: 'NOT_DISCUSSED', comment: 'Daar wil Hendrik het nog niet over hebben' },
      otherInformation: 'Michiel gaat nadenken over wat hij belangrijk vindt. Over een tijdje vervolggesprek',
    });
    expect(command.treatmentDirectives).toEqual([
      { treatment: { code: '89666000' }, decision: 'WEL' },
      { treatment: { code: '40617009' }, decision: 'WEL' },
      { treatment: { code: '305351004' }, decision: 'WEL' },
      { treatment: { code: '32485007' }, decision: 'WEL' },
      { treatment: { code: '281789004' }, decision: 'WEL' },
      { treatment: { code: '116762002' }, decision: 'WEL' },
      {
        treatment: { code: 'OTH', text: 'Overige behandelingen' },
        decision: 'NIET',
        comment: 'Alleen de bovengenomende afspraken zijn besproken',
      },
    ]);
    expect(command.lifeWishes?.[0]?.text).toMatch(/^Hendrik wil er alles aan doen/);
    // The representative, who is also the first contact; the brother present is that representative.
    expect(command.contactPersons).toEqual([
      expect.objectContaining({
        name: 'Michiel Hartman',
        role: '24',
        relationship: 'SIBLING',
        email: 'michiel.hartman@iknl.nl',
      }),
      expect.objectContaining({ name: 'Michiel Hartman', role: '01', relationship: 'SIBLING' }),
    ]);
    const [representative] = command.contactPersons!;
    expect(command.participants).toEqual([
      {
        kind: 'PROFESSIONAL',
        id: expect.stringMatching(/^form-/),
        name: 'van Huissen',
        profession: 'GENERAL_PRACTITIONER',
      },
      { kind: 'PATIENT' },
      { kind: 'REPRESENTATIVE', name: 'Michiel Hartman', contactId: representative!.contactId },
    ]);
    expect(command.sharingConsents?.map((c) => c.decision)).toEqual(Array(6).fill('GRANTED'));
    expect(command).toMatchObject({ earlierAgreements: { recorded: 'NO' }, patientInformedToShare: true });
    // Nothing of the form is left over for the summary.
    expect(command.summary).toBeUndefined();
  });

  it('is the caller when the form names the caller, and the caller when it names no one', () => {
    const gp = { ...actors.gp, name: 'Dr. J. van Huissen' };
    expect(imported(hendrik2020(), context({ actor: gp })).participants[0]).toEqual({
      kind: 'PROFESSIONAL',
      id: gp.id,
      name: gp.name,
      profession: gp.profession,
      organization: gp.organization,
    });
    const anonymous = edit(hendrik2020(), LINK.conductedBy.name, (i) => (i.item = []));
    expect(imported(anonymous).participants[0]).toMatchObject({ id: actors.gp.id });
  });
});

describe('method 2: the plan as the national form', () => {
  it('validates as FHIR R4 and names the form it answers', () => {
    const form = conversationForm('ab'.repeat(32), planOf(hendrik2020()));
    expect(r4Errors(form)).toEqual([]);
    expect(form.questionnaire).toBe(`${ACP_FORM}|${ACP_FORM_VERSION}`);
  });

  it('reads back as the same plan: every clinical field survives the round trip', () => {
    for (const forms of [[hendrik2020()], [hendrik2020(), hendrik2022()]]) {
      const view = planOf(...forms);
      const again = planOf(FormResponse.parse(conversationForm('ab'.repeat(32), view)));
      expect(clinical(again)).toEqual(clinical(view));
    }
  });

  it('marks a provisional limit in its Toelichting and writes no agreement as Onbekend', () => {
    const rec = new PlanRecorder(idSequence(3));
    rec.run('RecordConversation', imported(hendrik2020()), actors.gp, NOW);
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '89666000' },
        decision: 'NIET',
        decidedOn: '2026-11-29',
        parties: [
          { kind: 'PATIENT' },
          {
            kind: 'PROFESSIONAL',
            id: actors.practiceNurse.id,
            name: actors.practiceNurse.name,
            profession: 'PRACTICE_NURSE',
          },
        ],
      },
      actors.practiceNurse,
      NOW,
    );
    const form = conversationForm('ab'.repeat(32), currentView(rec.state.plan));
    const cpr = JSON.stringify(
      form.item?.find((i) => i.linkId === LINK.treatments)?.item?.find((i) => i.linkId === '1409'),
    );
    // The confirmed WEL stays current; the nurse's NIET waits for a physician and the form says so.
    expect(cpr).toContain('"code":"0"');
    expect(cpr).toContain('Wijziging wacht op bevestiging door een arts: Niet uitvoeren');
  });
});

/** A plan's clinical content: what a clinician acts on, without ids, times and who recorded it. */
function clinical(view: PlanView) {
  return {
    patient: view.patient,
    directives: view.treatmentDirectives.map((d) => ({
      treatment: d.treatment.code === 'OTH' ? d.treatment.text : d.treatment.code,
      summary: d.summary,
      comment: 'comment' in d ? d.comment : undefined,
      status: d.status,
    })),
    lifeWishes: view.lifeWishes.map((w) => w.text).join('\n\n'),
    goal: view.medicalPolicyGoal?.value,
    place: view.preferredPlaceOfDeath && {
      value: view.preferredPlaceOfDeath.value,
      comment: view.preferredPlaceOfDeath.comment,
    },
    euthanasia: view.euthanasiaPosition && {
      value: view.euthanasiaPosition.value,
      comment: view.euthanasiaPosition.comment,
    },
    organDonation: view.organDonation?.value,
    icd: view.icd && { value: view.icd.value, comment: view.icd.comment },
    icdDeactivation: view.icdDeactivation && {
      value: view.icdDeactivation.value,
      comment: view.icdDeactivation.comment,
    },
    capacity: view.capacity && { hasCapacity: view.capacity.hasCapacity, comment: view.capacity.comment },
    otherInformation: view.otherInformation?.text,
    contacts: view.contactPersons.map(({ name, role, relationship, phone, email }) => ({
      name,
      role,
      relationship,
      phone,
      email,
    })),
    sharing: view.sharingConsent.map((c) => [c.organizationType, c.decision]),
    latestParticipants: view.conversations
      .at(-1)
      ?.participants.map((p) => (p.kind === 'PROFESSIONAL' ? p.kind : p)),
    earlierAgreements: view.conversations.at(-1)?.earlierAgreements,
    patientInformedToShare: view.conversations.at(-1)?.patientInformedToShare,
  };
}

describe('a bad form changes nothing and names every offending linkId', () => {
  const linkIdsOf = (issues: FormIssue[]) => [...new Set(issues.map((i) => i.linkId))].sort();

  it('refuses a response to another questionnaire', () => {
    const form = { ...hendrik2020(), questionnaire: 'https://example.org/Questionnaire/other' };
    expect(issuesOf(form)[0]?.message).toMatch(/Not a response to/);
  });

  it('refuses a draft', () => {
    expect(issuesOf({ ...hendrik2020(), status: 'in-progress' }).map((i) => i.message)).toContain(
      'Only a completed (or amended) form is a record of a conversation',
    );
  });

  it('names unknown codes, unknown questions and conflicting answers, all at once', () => {
    let form = edit(
      hendrik2020(),
      '1386',
      (i) => (i.answer = [{ valueCoding: { system: FORM_DECISION.WEL.system, code: '7' } }]),
    );
    form = edit(
      form,
      '1006',
      (i) => (i.answer = [{ valueCoding: { system: 'http://snomed.info/sct', code: '373067005' } }]),
    );
    form = edit(
      form,
      '1410',
      (i) => (i.answer = [{ valueCoding: { system: 'http://snomed.info/sct', code: '40617009' } }]),
    );
    form = { ...form, item: [...form.item, { linkId: '4242', answer: [{ valueString: 'x' }] }] };
    expect(linkIdsOf(issuesOf(form))).toEqual(['1005', '1386', '1410', '4242']);
  });

  it('requires the conditions of an Anders decision', () => {
    const form = edit(hendrik2020(), '1387', (i) => (i.answer = [{ valueCoding: FORM_DECISION.ANDERS }]));
    expect(linkIdsOf(issuesOf(form))).toEqual(['1388']);
  });

  it('refuses a name that differs from the Patient resource', () => {
    expect(linkIdsOf(issuesOf(hendrik2020(), context({ patient: { bsn, name: 'Jan Jansen' } })))).toEqual([
      '7',
    ]);
  });

  it('requires the date of the conversation', () => {
    const form = { ...hendrik2020(), item: hendrik2020().item.filter((i) => i.linkId !== LINK.filledInOn) };
    expect(linkIdsOf(issuesOf(form))).toEqual([LINK.filledInOn]);
  });
});
