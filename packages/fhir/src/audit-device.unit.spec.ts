import type { AccessRecord, Bsn, PlanView } from '@pzp/domain';
import { currentView } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_SYSTEM,
  auditEvent,
  conversations,
  ENCOUNTER_REFERENCE_EXTENSION,
  icdDeviceId,
  icdDeviceUse,
  pseudonymOfScopedId,
  referencedResources,
  treatmentDirectives,
} from './index.js';
import { r4Errors } from './testing/index.js';

/**
 * The mappings of issue 12's read leftovers: the NEN 7513 access record as AuditEvent (IHE BALP
 * style), the ICD as the guide's DeviceUseStatement + Device (DeviceUseStatement.fsh, Device.fsh),
 * and a pending revision of a confirmed limit beside it as a proposed Consent.
 */

const bsn = bsns[0] as Bsn;
const PSEUDONYM = '0123456789abcdef'.repeat(4);

const granted: AccessRecord = {
  accessId: '6f1c2d3e-4b5a-4c6d-8e7f-901234567890',
  pseudonym: PSEUDONYM,
  at: '2026-03-09T13:00:00.000Z',
  action: 'READ_CURRENT',
  user: actors.gp,
  clientSystem: 'HIS Medicom',
  purpose: 'TREATMENT',
  outcome: 'GRANTED',
  basis: 'OWN_GP_PRACTICE',
  flagged: false,
  planVersion: 3,
  requestId: 'req-1',
};

describe('AuditEvent from an access record', () => {
  it('says who, what, when, the outcome, the purpose and the source, and validates against R4', () => {
    const event = auditEvent(granted);
    expect(r4Errors(event)).toEqual([]);
    expect(event).toMatchObject({
      id: granted.accessId,
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      subtype: [{ system: AUDIT_SYSTEM.action, code: 'READ_CURRENT' }],
      action: 'R',
      recorded: '2026-03-09T13:00:00.000Z',
      outcome: '0',
      outcomeDesc: 'OWN_GP_PRACTICE',
      purposeOfEvent: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' },
            { system: AUDIT_SYSTEM.purpose, code: 'TREATMENT' },
          ],
        },
      ],
      source: { observer: { display: 'PZP registry' } },
    });
    expect(event.meta).toBeUndefined();
    const [user, organization, client] = event.agent;
    expect(user).toMatchObject({
      requestor: true,
      who: { identifier: { system: AUDIT_SYSTEM.person, value: 'UZI-100001' }, display: 'Dr. A. Jansen' },
      role: [{ coding: [{ code: 'GENERAL_PRACTITIONER' }], text: 'Huisarts' }],
    });
    expect(organization).toMatchObject({
      requestor: false,
      who: { identifier: { value: actors.gp.organization.id }, display: actors.gp.organization.name },
      role: [{ coding: [{ code: 'HUISARTSENPRAKTIJK' }] }],
    });
    expect(client).toMatchObject({ requestor: false, who: { display: 'HIS Medicom' } });
    expect(event.entity).toEqual([
      expect.objectContaining({
        what: { reference: `Patient/${PSEUDONYM}`, type: 'Patient' },
        role: expect.objectContaining({ code: '1' }),
        detail: [{ type: 'planVersion', valueString: '3' }],
      }),
      expect.objectContaining({ what: { identifier: { value: 'req-1' } } }),
    ]);
    // The patient appears by pseudonym only: nothing in the event names them.
    expect(JSON.stringify(event)).not.toContain(bsn);
  });

  it('marks a refusal 4, an unreadable record 8, and a break-the-glass read BTG, flagged, with its reason', () => {
    const refused = auditEvent({
      ...granted,
      outcome: 'DENIED',
      basis: 'NO_CONSENT',
      planVersion: undefined,
    });
    expect(refused).toMatchObject({ outcome: '4', outcomeDesc: 'NO_CONSENT' });
    expect(refused.entity![0]).not.toHaveProperty('detail');
    expect(auditEvent({ ...granted, outcome: 'DENIED', basis: 'RECORD_UNAVAILABLE' }).outcome).toBe('8');

    const glass = auditEvent({
      ...granted,
      user: actors.sehDoctor,
      purpose: 'BREAK_THE_GLASS',
      basis: 'BREAK_THE_GLASS',
      breakGlassReason: 'Bewusteloos binnengebracht',
      flagged: true,
    });
    expect(glass.purposeOfEvent).toEqual([
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: 'BTG',
            display: 'break the glass',
          },
          { system: AUDIT_SYSTEM.purpose, code: 'BREAK_THE_GLASS' },
        ],
        text: 'Bewusteloos binnengebracht',
      },
    ]);
    expect(glass.meta?.tag).toEqual([
      expect.objectContaining({ system: AUDIT_SYSTEM.flag, code: 'flagged' }),
    ]);
    expect(r4Errors(glass)).toEqual([]);
    expect(auditEvent({ ...granted, action: 'WRITE' })).toMatchObject({
      action: 'U',
      agent: [{ type: { coding: [{ code: 'AUT' }] } }, {}, {}],
    });
  });
});

function planWithIcd(
  answer: 'YES' | 'NOT_DISCUSSED' | undefined,
  icd?: { present: 'YES' | 'NO' | 'UNKNOWN'; comment?: string },
): PlanView {
  const rec = new PlanRecorder(idSequence(5));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Hendrik Hartman', birthDate: '1946-02-03' },
      date: '2026-01-12',
      participants: [patientParty, asParty(actors.gp)],
      topics: ['ICD'],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      ...(answer ? { icdDeactivation: { answer, comment: 'Uitzetten als het einde nadert' } } : {}),
      ...(icd ? { icd } : {}),
    },
    actors.gp,
    '2026-01-12T11:00:00+01:00',
  );
  return currentView(rec.state.plan);
}

describe('the ICD as DeviceUseStatement and Device (ACP-MedicalDevice, ACP-MedicalDevice.Product-ICD)', () => {
  it('is absent when the plan holds no ICD answer: nothing says the patient has one', () => {
    expect(icdDeviceUse(PSEUDONYM, planWithIcd(undefined))).toBeUndefined();
  });

  it('follows "Heeft de patiënt een ICD?": yes with its note, no or unknown is no statement', () => {
    const yes = icdDeviceUse(
      PSEUDONYM,
      planWithIcd(undefined, { present: 'YES', comment: 'Geïmplanteerd in 2018' }),
    )!;
    expect(r4Errors(yes.statement)).toEqual([]);
    expect(yes.statement).toMatchObject({
      status: 'active',
      recordedOn: '2026-01-12',
      note: [{ text: 'Geïmplanteerd in 2018' }],
    });
    expect(icdDeviceUse(PSEUDONYM, planWithIcd(undefined, { present: 'NO' }))).toBeUndefined();
    expect(icdDeviceUse(PSEUDONYM, planWithIcd(undefined, { present: 'UNKNOWN' }))).toBeUndefined();
  });

  it('states the ICD the deactivation answer presumes, typed by the value set root, in its conversation', () => {
    const view = planWithIcd('NOT_DISCUSSED');
    const icd = icdDeviceUse(PSEUDONYM, view)!;
    expect(r4Errors(icd.statement)).toEqual([]);
    expect(r4Errors(icd.device)).toEqual([]);
    expect(icd.device).toEqual({
      resourceType: 'Device',
      id: icdDeviceId(PSEUDONYM),
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-MedicalDevice.Product-ICD'] },
      type: {
        coding: [
          { system: 'http://snomed.info/sct', code: '72506001', display: 'Implantable defibrillator' },
        ],
        text: 'ICD',
      },
    });
    expect(icd.statement).toMatchObject({
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-MedicalDevice'] },
      status: 'active',
      subject: { reference: `Patient/${PSEUDONYM}` },
      device: { reference: `Device/${icd.device.id}` },
      recordedOn: '2026-01-12',
      extension: [
        {
          url: ENCOUNTER_REFERENCE_EXTENSION,
          valueReference: { reference: `Encounter/${conversations(PSEUDONYM, view)[0]!.encounter.id}` },
        },
      ],
    });
    // Nothing the registry does not record: no dates, product id, body site or note.
    expect(Object.keys(icd.statement).sort()).toEqual(
      ['device', 'extension', 'id', 'meta', 'recordedOn', 'resourceType', 'status', 'subject'].sort(),
    );
    // The Device id opens this patient's record and no other.
    expect(pseudonymOfScopedId(icd.device.id!)).toBe(PSEUDONYM);
  });
});

describe("a non-physician's pending revision of a confirmed limit", () => {
  function revised(): PlanView {
    const rec = new PlanRecorder(idSequence(7));
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-1',
        patient: { bsn, name: 'Wilhelmina de Groot', birthDate: '1938-05-04' },
        date: '2026-03-02',
        participants: [patientParty, asParty(actors.gp)],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      },
      actors.gp,
      '2026-03-02T14:00:00+01:00',
    );
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '89666000' },
        decision: 'WEL',
        decidedOn: '2026-03-04',
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      '2026-03-04T10:00:00+01:00',
    );
    return currentView(rec.state.plan);
  }

  it('is a proposed Consent beside the confirmed one, which stays active', () => {
    const view = revised();
    const cpr = treatmentDirectives(PSEUDONYM, view).filter(
      (d) => d.consent.provision?.code?.[0]?.coding?.[0]?.code === '89666000',
    );
    expect(cpr.map((d) => [d.consent.status, d.consent.provision?.type, d.consent.dateTime])).toEqual([
      ['active', 'deny', '2026-03-02'],
      ['proposed', 'permit', '2026-03-04'],
    ]);
    expect(cpr[0]!.consent.id).not.toBe(cpr[1]!.consent.id);
    for (const d of cpr) expect(r4Errors(d.consent)).toEqual([]);
    // The nurse who proposed it is a party a read by id can resolve.
    const nurse = cpr[1]!.actors.find((a) => a.resourceType === 'PractitionerRole')!;
    expect(referencedResources(PSEUDONYM, view).map((r) => r.id)).toContain(nurse.id);
  });
});
