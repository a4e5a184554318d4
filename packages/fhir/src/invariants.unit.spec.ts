import type { Consent } from '@medplum/fhirtypes';
import { currentView, type Bsn } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { describe, expect, it } from 'vitest';
import { EXTENSION, patientResource, treatmentDirectives } from './index.js';
import { ACP_PATIENT_1, holds, r4Errors } from './testing/index.js';

/**
 * The profiles' FHIRPath invariants, checked by r4Errors on every resource the tests receive: they
 * must catch what they forbid, and the registry's own resources must keep them.
 */

const PSEUDONYM = 'cd'.repeat(32);
const bsn = bsns[2] as Bsn;

function plan(hasCapacity: boolean) {
  const rec = new PlanRecorder(idSequence(8));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'c1',
      patient: { bsn, name: 'Hendrik Hartman', birthDate: '1961-01-01' },
      date: '2026-11-30',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [
        {
          treatment: { code: '89666000' },
          decision: 'ANDERS',
          specification: 'Alleen bij een hartritmestoornis',
        },
        { treatment: { code: '40617009' }, decision: 'NIET' },
      ],
      capacity: { hasCapacity },
      contactPersons: [{ contactId: 'k1', name: 'Michiel Hartman', role: '24', relationship: 'SIBLING' }],
    },
    actors.gp,
    '2026-11-30T10:00:00+01:00',
  );
  return currentView(rec.state.plan);
}

describe('zib-TreatmentDirective2-2: SpecificationOther and provision.type exclude each other', () => {
  it('holds for every treatment directive the registry serves, Anders included', () => {
    for (const { consent } of treatmentDirectives(PSEUDONYM, plan(true)))
      expect(r4Errors(consent)).toEqual([]);
  });

  it('is reported for a Consent that has both', () => {
    const anders = treatmentDirectives(PSEUDONYM, plan(true)).find(
      (d) => d.consent.modifierExtension,
    )!.consent;
    const both: Consent = { ...anders, provision: { ...anders.provision, type: 'permit' } };
    expect(both.modifierExtension?.[0]?.url).toBe(EXTENSION.specificationOther);
    expect(r4Errors(both).join('\n')).toMatch(/zib-TreatmentDirective2-2/);
  });
});

describe('ACP-Patient-1 (warning): a patient who is not capable has a representative', () => {
  it('holds for the Patient of a plan with a representative, and fails without one', () => {
    const patient = patientResource(PSEUDONYM, plan(false));
    expect(holds(ACP_PATIENT_1, patient)).toBe(true);
    expect(holds(ACP_PATIENT_1, { ...patient, contact: [] })).toBe(false);
  });
});
