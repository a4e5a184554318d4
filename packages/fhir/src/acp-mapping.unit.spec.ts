import type { Observation, RelatedPerson } from '@medplum/fhirtypes';
import { currentView, type Bsn, type PlanView } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { describe, expect, it } from 'vitest';
import {
  acpObservations,
  advanceDirectives,
  contactPersonId,
  conversations,
  EXTENSION,
  medicalPolicyGoal,
  patientScopedId,
  pseudonymOfScopedId,
  referencedResources,
  SYSTEM,
  treatmentDirectives,
} from './index.js';
import { r4Errors } from './testing/index.js';

/**
 * The guide's mappings beyond treatment directives (IKNL/PZP-FHIR-R4 input/fsh/Consent.fsh
 * ACPAdvanceDirective, Goal.fsh, Observation.fsh, ValueSet.fsh), from a plan played through the
 * real decider.
 */

const bsn = bsns[0] as Bsn;
const PSEUDONYM = '0123456789abcdef'.repeat(4);

function plan(): PlanView {
  const rec = new PlanRecorder(idSequence(3));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot', birthDate: '1938-05-04' },
      date: '2026-01-12',
      participants: [patientParty, asParty(actors.gp)],
      topics: ['TREATMENT_WISHES_AND_LIMITS'],
      lifeWishes: [{ wishId: 'w1', text: 'Zo lang mogelijk thuis blijven, met de kat' }],
      medicalPolicyGoal: { goal: '713148004', comment: 'Na overleg met dochter' },
      advanceDirectives: [
        { advanceDirectiveId: 'ad-nr', type: 'NR', date: '2025-11-02', comment: 'Niet-reanimerenpenning' },
        {
          advanceDirectiveId: 'ad-vol',
          type: 'VOL',
          date: '2025-12-01',
          representative: 'Kees de Groot',
          documentReference: 'Notarisakte 2025-118',
        },
        { advanceDirectiveId: 'ad-eu', type: 'EU', date: '2024-03-01' },
      ],
      preferredPlaceOfDeath: { place: { code: 'OTH', text: 'Bij mijn dochter' }, comment: 'Als het kan' },
      euthanasiaPosition: { position: 'MAY_REQUEST' },
      organDonation: { answer: 'NO' },
      otherInformation: 'Slechthorend: langzaam en duidelijk praten',
      contactPersons: [
        { contactId: 'c-kees', name: 'Kees de Groot', role: '24', relationship: 'CHILD', phone: '+31 6 1' },
      ],
      nextReviewOn: '2026-07-12',
    },
    actors.gp,
    '2026-01-12T11:00:00+01:00',
  );
  rec.run(
    'RevokeAdvanceDirective',
    { advanceDirectiveId: 'ad-eu', revokedOn: '2026-01-20', reason: 'Patiënte trekt het verzoek in' },
    actors.gp,
    '2026-01-20T09:00:00+01:00',
  );
  return currentView(rec.state.plan);
}

describe('ACP-AdvanceDirective (Consent, scope adr)', () => {
  const view = plan();
  const all = advanceDirectives(PSEUDONYM, view);

  it('is one active Consent per directive in force, a revoked one left out', () => {
    expect(all.map((a) => a.consent.provision?.code?.[0]?.coding?.[0]?.code)).toEqual(['NR', 'VOL']);
    expect(all.every((a) => a.consent.status === 'active')).toBe(true);
  });

  it('codes scope, category, type, date and comment as nl-core-AdvanceDirective-01 does', () => {
    expect(all[0]!.consent).toMatchObject({
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-AdvanceDirective'] },
      scope: { coding: [{ system: SYSTEM.consentScope, code: 'adr' }] },
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'acd' }] },
      ],
      patient: { reference: `Patient/${PSEUDONYM}` },
      dateTime: '2025-11-02',
      policy: [{ uri: 'https://wetten.overheid.nl/' }],
      extension: [{ url: EXTENSION.comment, valueString: 'Niet-reanimerenpenning' }],
      provision: {
        code: [{ coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1', code: 'NR' }] }],
      },
    });
    expect(all[0]!.consent.provision?.actor).toBeUndefined();
  });

  it('references the representative as RESPRSN: the plan contact of that name, the document as attachment', () => {
    const vol = all[1]!;
    expect(vol.consent.provision?.actor).toEqual([
      {
        role: { coding: [{ system: SYSTEM.roleCode, code: 'RESPRSN' }] },
        reference: {
          reference: `RelatedPerson/${contactPersonId(PSEUDONYM, 'c-kees')}`,
          type: 'RelatedPerson',
        },
      },
    ]);
    expect((vol.actors[0] as RelatedPerson).telecom).toEqual([{ system: 'phone', value: '+31 6 1' }]);
    expect(vol.consent.sourceAttachment).toEqual({ title: 'Notarisakte 2025-118' });
  });

  it('validates against FHIR R4', () => {
    for (const a of all) expect(r4Errors(a.consent)).toEqual([]);
  });
});

describe('ACP-Medical-Policy-Goal', () => {
  it('codes the goal from ACP-MedicalPolicyGoal in description, with date and comment', () => {
    const goal = medicalPolicyGoal(PSEUDONYM, plan())!;
    expect(goal).toMatchObject({
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-Medical-Policy-Goal'] },
      lifecycleStatus: 'active',
      description: { coding: [{ system: SYSTEM.snomed, code: '713148004' }] },
      subject: { reference: `Patient/${PSEUDONYM}` },
      startDate: '2026-01-12',
      note: [{ text: 'Na overleg met dochter' }],
    });
    expect(r4Errors(goal)).toEqual([]);
  });
});

describe('ACP observations', () => {
  const all = acpObservations(PSEUDONYM, plan());
  const byCode = (code: string): Observation | undefined =>
    all.find((o) => o.code.coding?.[0]?.code === code);

  it("codes each with the guide's Observation.code and value", () => {
    expect(all.map((o) => o.code.coding?.[0]?.code)).toEqual([
      '153851000146100',
      '395091006',
      '340171000146104',
      '570801000146104',
      '247751003',
    ]);
    expect(byCode('153851000146100')).toMatchObject({
      status: 'final',
      valueString: 'Zo lang mogelijk thuis blijven, met de kat',
      method: { coding: [{ system: SYSTEM.snomed, code: '370819000' }] },
      effectiveDateTime: '2026-01-12',
    });
    expect(byCode('395091006')).toMatchObject({
      valueCodeableConcept: {
        coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }],
        text: 'Bij mijn dochter',
      },
      note: [{ text: 'Als het kan' }],
    });
    expect(byCode('340171000146104')?.valueCodeableConcept?.coding?.[0]?.code).toBe('340191000146100');
    expect(byCode('570801000146104')?.valueCodeableConcept?.coding?.[0]?.code).toBe('373067005');
    expect(byCode('247751003')?.valueString).toBe('Slechthorend: langzaam en duidelijk praten');
    for (const o of all) expect(o.subject).toEqual({ reference: `Patient/${PSEUDONYM}`, type: 'Patient' });
  });

  it('gives an unknown place of death as dataAbsentReason, not a value (guide example)', () => {
    const rec = new PlanRecorder(idSequence(3));
    rec.run(
      'RecordConversation',
      {
        conversationId: 'c',
        patient: { bsn, name: 'X', birthDate: '1938-05-04' },
        date: '2026-01-12',
        participants: [patientParty, asParty(actors.gp)],
        topics: ['PLACE_OF_DEATH'],
        preferredPlaceOfDeath: { place: { code: 'UNK' } },
        euthanasiaPosition: { position: 'UNKNOWN' },
        nextReviewOn: '2026-07-12',
      },
      actors.gp,
      '2026-01-12T11:00:00+01:00',
    );
    const [place, euthanasia] = acpObservations(PSEUDONYM, currentView(rec.state.plan));
    expect(place?.valueCodeableConcept).toBeUndefined();
    expect(place?.dataAbsentReason?.coding?.[0]?.code).toBe('asked-unknown');
    expect(euthanasia?.valueCodeableConcept).toEqual({
      coding: [{ system: SYSTEM.nullFlavor, code: 'UNK' }],
    });
    for (const o of [place!, euthanasia!]) expect(r4Errors(o)).toEqual([]);
  });

  it('validates against FHIR R4, every one', () => {
    for (const o of all) expect(r4Errors(o)).toEqual([]);
  });
});

describe('patient-scoped ids of referenced resources', () => {
  it('lead back to the patient, and only from the exact spelling', () => {
    const id = patientScopedId(PSEUDONYM, 'contact', 'c-kees');
    expect(id).toMatch(/^[A-Za-z0-9.-]{64}$/);
    expect(pseudonymOfScopedId(id)).toBe(PSEUDONYM);
    expect(pseudonymOfScopedId(PSEUDONYM)).toBeUndefined();
    expect(pseudonymOfScopedId(`${id.slice(0, 42)}!${id.slice(43)}`)).toBeUndefined();
    expect(pseudonymOfScopedId(id.slice(1))).toBeUndefined();
  });

  it('are the ids every party reference uses, and carry no BSN', () => {
    const view = plan();
    const referenced = referencedResources(PSEUDONYM, view);
    expect(referenced.every((r) => pseudonymOfScopedId(r.id!) === PSEUDONYM)).toBe(true);
    const refs = [
      ...treatmentDirectives(PSEUDONYM, view).flatMap((d) => d.consent.provision?.actor ?? []),
      ...advanceDirectives(PSEUDONYM, view).flatMap((d) => d.consent.provision?.actor ?? []),
    ]
      .map((a) => a.reference.reference!)
      .filter((r) => !r.startsWith('Patient/'));
    for (const ref of refs) expect(referenced.map((r) => `${r.resourceType}/${r.id}`)).toContain(ref);
    expect(JSON.stringify(referenced)).not.toContain(bsn);
  });
});

describe('ACP-Procedure and ACP-Encounter', () => {
  function twoConversations(): PlanView {
    const rec = new PlanRecorder(idSequence(3));
    const base = {
      patient: { bsn, name: 'Wilhelmina de Groot', birthDate: '1938-05-04' },
      topics: ['TREATMENT_WISHES_AND_LIMITS' as const],
      nextReviewOn: '2026-07-12',
    };
    rec.run(
      'RecordConversation',
      { ...base, conversationId: 'c1', date: '2026-01-12', participants: [patientParty, asParty(actors.gp)] },
      actors.gp,
      '2026-01-12T11:00:00+01:00',
    );
    // A conversation with the daughter, her legal representative, only: the patient was not there.
    rec.run(
      'RecordConversation',
      {
        ...base,
        conversationId: 'c2',
        date: '2026-02-02',
        participants: [
          asParty(actors.gp),
          { kind: 'REPRESENTATIVE', name: 'Anna de Groot', contactId: 'c-anna' },
        ],
        contactPersons: [{ contactId: 'c-anna', name: 'Anna de Groot', role: '24', relationship: 'CHILD' }],
      },
      actors.gp,
      '2026-02-02T11:00:00+01:00',
    );
    return currentView(rec.state.plan);
  }

  it('is a completed 713603004 Procedure per conversation, in its Encounter, every participant a performer', () => {
    const [first, second] = conversations(PSEUDONYM, twoConversations());
    expect(first!.procedure).toMatchObject({
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-Procedure'] },
      status: 'completed',
      code: { coding: [{ system: SYSTEM.snomed, code: '713603004' }] },
      subject: { reference: `Patient/${PSEUDONYM}` },
      encounter: { reference: `Encounter/${first!.encounter.id}` },
      performedPeriod: { start: '2026-01-12', end: '2026-01-12' },
    });
    expect(first!.procedure.performer?.map((p) => p.actor.type)).toEqual(['Patient', 'PractitionerRole']);
    expect(first!.encounter).toMatchObject({
      status: 'finished',
      subject: { reference: `Patient/${PSEUDONYM}` },
      reasonReference: [{ reference: `Procedure/${first!.procedure.id}` }],
      period: { start: '2026-01-12' },
    });
    expect(first!.encounter.participant?.map((p) => p.individual?.type)).toEqual(['PractitionerRole']);
    // Without the patient: no Encounter.subject (the guide's reading of dataset 514).
    expect(second!.encounter.subject).toBeUndefined();
    expect(second!.encounter.participant?.map((p) => p.individual?.type)).toEqual([
      'PractitionerRole',
      'RelatedPerson',
    ]);
    for (const c of [first!, second!]) {
      expect(r4Errors(c.procedure)).toEqual([]);
      expect(r4Errors(c.encounter)).toEqual([]);
    }
  });
});
