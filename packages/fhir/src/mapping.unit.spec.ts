import type { Consent, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { currentView, type Bsn, type Party, type PlanView } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { describe, expect, it } from 'vitest';
import {
  EXTENSION,
  ICD_DEACTIVATION_TEXT,
  patientResource,
  searchset,
  SYSTEM,
  treatmentDirectives,
} from './index.js';
import { r4Errors } from './testing/index.js';

/**
 * The guide's mappings (IKNL/PZP-FHIR-R4 input/fsh/Consent.fsh and Patient.fsh, on Nictiz
 * nl-core-TreatmentDirective2), from a plan played through the real decider.
 */

const bsn = bsns[0] as Bsn;
const PSEUDONYM = 'a'.repeat(64);
const son: Party = { kind: 'REPRESENTATIVE', name: 'Kees de Groot', contactId: 'contact-kees' };
const ICU_CONDITIONS = 'Alleen kortdurend, maximaal 48 uur';

function plan(): PlanView {
  const rec = new PlanRecorder(idSequence(3));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot', birthDate: '1938-05-04' },
      date: '2026-01-12',
      participants: [patientParty, asParty(actors.gp), son],
      topics: ['TREATMENT_WISHES_AND_LIMITS'],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET', comment: 'Besproken met zoon' },
        { treatment: { code: '32485007' }, decision: 'WEL' },
        { treatment: { code: '305351004' }, decision: 'ANDERS', specification: ICU_CONDITIONS },
        { treatment: { code: 'OTH', text: 'Dialyse' }, decision: 'NIET' },
      ],
      capacity: { hasCapacity: false, comment: 'Dementie, sinds 2025' },
      icdDeactivation: { answer: 'NOT_YET_DECIDED' },
      contactPersons: [
        {
          contactId: 'contact-kees',
          name: 'Kees de Groot',
          role: '24',
          relationship: 'CHILD',
          phone: '+31 6 1234 5678',
        },
      ],
      nextReviewOn: '2026-07-12',
    },
    actors.gp,
    '2026-01-12T11:00:00+01:00',
  );
  rec.run(
    'WithdrawTreatmentDirective',
    {
      treatment: { code: 'OTH', text: 'Dialyse' },
      endedOn: '2026-02-01',
      reason: 'Patiënt wil het toch proberen',
    },
    actors.gp,
    '2026-02-01T10:00:00+01:00',
  );
  rec.run(
    'SetTreatmentDirective',
    {
      treatment: { code: '281789004' },
      decision: 'NIET',
      decidedOn: '2026-02-03',
      parties: [son, asParty(actors.districtNurse)],
    },
    actors.districtNurse,
    '2026-02-03T15:00:00+01:00',
  );
  return currentView(rec.state.plan);
}

const consents = (view: PlanView) => treatmentDirectives(PSEUDONYM, view).map((r) => r.consent);
const forTreatment = (all: Consent[], code: string) =>
  all.filter((c) => c.provision?.code?.[0]?.coding?.[0]?.code === code);

describe('ACP-TreatmentDirective (Consent)', () => {
  const view = plan();
  const all = consents(view);

  it('is one Consent per recorded directive, none for a treatment without an agreement', () => {
    // CPR, hospital, ICU, antibiotics current; the ICD; dialysis ended; ventilation and blood: no agreement.
    expect(all).toHaveLength(6);
    expect(forTreatment(all, '40617009')).toEqual([]);
    expect(forTreatment(all, '116762002')).toEqual([]);
  });

  it('maps NIET to deny and WEL to permit, with scope, category, date, policy and profile', () => {
    const [cpr] = forTreatment(all, '89666000');
    expect(cpr).toMatchObject({
      status: 'active',
      scope: { coding: [{ system: SYSTEM.consentScope, code: 'treatment' }] },
      category: [{ coding: [{ system: SYSTEM.snomed, code: '129125009' }] }],
      patient: { reference: `Patient/${PSEUDONYM}` },
      dateTime: '2026-01-12',
      policy: [{ uri: 'https://wetten.overheid.nl/' }],
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-TreatmentDirective'] },
      extension: [{ url: EXTENSION.comment, valueString: 'Besproken met zoon' }],
      provision: { type: 'deny' },
    });
    expect(cpr?.modifierExtension).toBeUndefined();
    expect(forTreatment(all, '32485007')[0]?.provision?.type).toBe('permit');
  });

  it('maps ANDERS to no provision.type and the conditions in the SpecificationOther modifier extension', () => {
    const [icu] = forTreatment(all, '305351004');
    expect(icu?.provision?.type).toBeUndefined();
    expect(icu?.modifierExtension).toEqual([
      { url: EXTENSION.specificationOther, valueString: ICU_CONDITIONS },
    ]);
  });

  it('maps the ICD answer as the guide does: NullFlavor OTH with text, undecided in SpecificationOther', () => {
    const icd = all.filter((c) => c.provision?.code?.[0]?.text === ICD_DEACTIVATION_TEXT);
    expect(icd).toEqual([
      expect.objectContaining({
        status: 'active',
        modifierExtension: [
          { url: EXTENSION.specificationOther, valueString: 'Nee, nog geen besluit genomen' },
        ],
        provision: {
          code: [{ coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }], text: ICD_DEACTIVATION_TEXT }],
        },
      }),
    ]);
  });

  it('marks a provisional limit proposed, never active', () => {
    const [antibiotics] = forTreatment(all, '281789004');
    expect(antibiotics?.status).toBe('proposed');
    expect(all.filter((c) => c.status === 'active')).toHaveLength(4);
  });

  it('gives an ended directive status inactive with period.end and the reason for ending', () => {
    const [dialysis] = forTreatment(all, 'OTH').filter((c) => c.provision?.code?.[0]?.text === 'Dialyse');
    expect(dialysis).toMatchObject({
      status: 'inactive',
      provision: {
        period: { end: '2026-02-01' },
        extension: [{ url: EXTENSION.reasonForEnding, valueString: 'Patiënt wil het toch proberen' }],
        code: [{ coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }], text: 'Dialyse' }],
        type: 'deny',
      },
    });
  });

  it('references each agreement party as CONSENTER: the patient, the contact person, a PractitionerRole', () => {
    const { consent, actors: parties } = treatmentDirectives(PSEUDONYM, view)[0]!;
    expect(consent.provision?.actor?.map((a) => a.reference?.type)).toEqual([
      'Patient',
      'PractitionerRole',
      'RelatedPerson',
    ]);
    expect(consent.provision?.actor?.every((a) => a.role.coding?.[0]?.code === 'CONSENTER')).toBe(true);
    const kees = parties.find((p) => p.resourceType === 'RelatedPerson') as RelatedPerson;
    expect(kees.relationship?.map((r) => r.coding?.[0]?.code)).toEqual(['24', 'CHILD']);
    expect(kees.telecom).toEqual([{ system: 'phone', value: '+31 6 1234 5678' }]);
  });

  it('gives stable ids that carry no BSN', () => {
    expect(consents(plan()).map((c) => c.id)).toEqual(all.map((c) => c.id));
    expect(JSON.stringify(all)).not.toContain(bsn);
  });

  it('validates against FHIR R4, every one', () => {
    for (const c of all) expect(r4Errors(c)).toEqual([]);
    for (const { actors: parties } of treatmentDirectives(PSEUDONYM, view))
      for (const p of parties) if (p.resourceType !== 'Patient') expect(r4Errors(p)).toEqual([]);
  });
});

describe('ACP-Patient', () => {
  const patient: Patient = patientResource(PSEUDONYM, plan());

  it('has the pseudonym as id and the BSN only as identifier', () => {
    expect(patient.id).toBe(PSEUDONYM);
    expect(patient.identifier).toEqual([{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: bsn }]);
    expect(patient).toMatchObject({ name: [{ text: 'Wilhelmina de Groot' }], birthDate: '1938-05-04' });
  });

  it('carries legal capacity in the guide extension, and the representative as contact (ACP-Patient-1)', () => {
    expect(patient.extension).toEqual([
      {
        url: 'https://fhir.iknl.nl/fhir/StructureDefinition/ext-LegallyCapable-MedicalTreatmentDecisions',
        extension: [
          { url: 'legallyCapable', valueBoolean: false },
          { url: 'legallyCapableComment', valueString: 'Dementie, sinds 2025' },
        ],
      },
    ]);
    expect(patient.contact?.[0]?.relationship?.[0]?.coding?.[0]?.code).toBe('24');
  });

  it('validates against FHIR R4, alone and in a searchset', () => {
    expect(r4Errors(patient)).toEqual([]);
    expect(r4Errors(searchset('http://x/fhir', [{ resource: patient, mode: 'match' }]))).toEqual([]);
  });
});

describe('the validator', () => {
  it('rejects what FHIR R4 does not allow (so the checks above can fail)', () => {
    const { scope: _scope, ...withoutScope } = consents(plan())[0]!;
    expect(r4Errors(withoutScope as Consent)).not.toEqual([]);
    expect(r4Errors({ ...withoutScope, scope: {}, dateTime: 'gisteren' } as Consent)).not.toEqual([]);
    expect(r4Errors({ resourceType: 'Patient', id: 'x', birthDate: '12-01-2026' })).not.toEqual([]);
  });
});
