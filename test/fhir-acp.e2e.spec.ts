import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Bundle,
  CapabilityStatement,
  Consent,
  Encounter,
  Goal,
  Observation,
  OperationOutcome,
  Patient,
  PractitionerRole,
  Procedure,
  RelatedPerson,
  Resource,
} from '@pzp/fhir';
import { patientScopedId } from '@pzp/fhir';
import { ACCESS_LOG, RECORD_CONVERSATION } from './operations.js';
import { TestServer } from './support/server.js';
import { fhirRequest, includes, matches, validFhir } from './support/fhir.js';
import { ok } from './support/graphql.js';

/**
 * The guide's searches beyond treatment directives (IKNL/PZP-FHIR-R4 data-exchange.md, method 1:
 * searches 3, 4 and 5) and reads of the resources the bundles reference, against the real server
 * over real HTTP. Every resource returned must validate against FHIR R4.
 */

const BSN = '111222333';
const OTHER_BSN = '123456782';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const CLIENT = 'HAP-HIS FHIR';
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const gpParty = {
  kind: 'PROFESSIONAL',
  id: 'UZI-100001',
  name: 'Dr. A. Jansen',
  profession: 'GENERAL_PRACTITIONER',
  organization: practice,
};

/** The guide's searches, spelled as data-exchange.md lists them. */
const enc = encodeURIComponent;
const ADR_SEARCH = (id: string) =>
  `/Consent?patient=${id}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|adr')}` +
  `&category=${enc('http://terminology.hl7.org/CodeSystem/consentcategorycodes|acd')}&_include=Consent:actor`;
const TREATMENT_SEARCH = (id: string) =>
  `/Consent?patient=${id}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
  `&category=${enc('http://snomed.info/sct|129125009')}&_include=Consent:actor`;
const GOAL_SEARCH = (id: string) =>
  `/Goal?patient=${id}&description:in=${enc('https://fhir.iknl.nl/fhir/ValueSet/ACP-MedicalPolicyGoal')}`;
const OBSERVATION_SEARCH = (id: string) =>
  `/Observation?patient=${id}&code=${enc('http://snomed.info/sct|153851000146100,395091006,340171000146104,247751003')}`;

const REVOKE = `mutation Revoke($input: RevokeAdvanceDirectiveInput!) {
  revokeAdvanceDirective(input: $input) { record { version } }
}`;

let server: TestServer;
let patientId: string;
let otherPatientId: string;

const fhir = <T = Resource>(path: string, token?: string) => fhirRequest<T>(server.url, path, { token });
const valid = validFhir;

async function patientIdOf(bsn: string, token: string): Promise<string> {
  const bundle = valid(await fhir<Bundle>(`/Patient?identifier=${enc(`${BSN_SYSTEM}|${bsn}`)}`, token));
  return (bundle.entry![0]!.resource as Patient).id!;
}

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' });
  const gp = await server.token('gp', 'HIS Medicom');
  const { version } = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(gp, RECORD_CONVERSATION, {
      input: {
        bsn: BSN,
        patient: { bsn: BSN, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
        date: '2026-03-09',
        participants: [{ kind: 'PATIENT' }, gpParty],
        topics: ['TREATMENT_WISHES_AND_LIMITS', 'SHARING_CONSENT'],
        treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
        lifeWishes: [{ text: 'Zo lang mogelijk thuis blijven' }],
        medicalPolicyGoal: { goal: 'SYMPTOM_RELIEF_ONLY', comment: 'Na overleg met dochter' },
        advanceDirectives: [
          { advanceDirectiveId: 'ad-nr', type: 'NR', date: '2025-11-02', comment: 'Niet-reanimerenpenning' },
          { advanceDirectiveId: 'ad-vol', type: 'VOL', date: '2025-12-01', representative: 'Anna de Groot' },
          { advanceDirectiveId: 'ad-eu', type: 'EU', date: '2024-03-01' },
        ],
        preferredPlaceOfDeath: { place: { code: 'HOME' }, comment: 'Met de kat erbij' },
        euthanasiaPosition: { position: 'DOES_NOT_WANT' },
        organDonation: { answer: 'YES' },
        otherInformation: 'Slechthorend: langzaam en duidelijk praten',
        contactPersons: [
          {
            name: 'Anna de Groot',
            role: 'LEGAL_REPRESENTATIVE',
            relationship: 'CHILD',
            phone: '+31 6 12345678',
          },
        ],
        sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
        reviewAfterMonths: 12,
      },
    }),
  ).recordConversation.record;
  ok(
    await server.graphql(gp, REVOKE, {
      input: {
        bsn: BSN,
        expectedVersion: version,
        advanceDirectiveId: 'ad-eu',
        revokedOn: '2026-03-09',
        reason: 'Patiënte trekt het verzoek in',
      },
    }),
  );
  // A second patient, whose plan records nothing but the conversation.
  ok(
    await server.graphql(gp, RECORD_CONVERSATION, {
      input: {
        bsn: OTHER_BSN,
        patient: { bsn: OTHER_BSN, name: 'J. Visser', birthDate: '1941-02-03' },
        date: '2026-03-09',
        participants: [{ kind: 'PATIENT' }, gpParty],
        topics: ['SHARING_CONSENT'],
        sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
      },
    }),
  );
  const hap = await server.token('hap-doctor', CLIENT);
  patientId = await patientIdOf(BSN, hap);
  otherPatientId = await patientIdOf(OTHER_BSN, hap);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('FHIR ACP searches over HTTP', () => {
  it('answers search 3: advance directives in force (ACP-AdvanceDirective), representatives included', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundle = valid(await fhir<Bundle>(ADR_SEARCH(patientId), hap));
    const found = matches<Consent>(bundle);
    // The revoked euthanasia request is not served: the view holds the directives in force.
    expect(found.map((c) => c.provision?.code?.[0]?.coding?.[0]?.code).sort()).toEqual(['NR', 'VOL']);
    for (const c of found) {
      expect(c).toMatchObject({
        status: 'active',
        meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-AdvanceDirective'] },
        scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'acd' }] },
        ],
        patient: { reference: `Patient/${patientId}` },
      });
    }
    const vol = found.find((c) => c.provision?.code?.[0]?.coding?.[0]?.code === 'VOL')!;
    expect(vol.dateTime).toBe('2025-12-01');
    const [representative] = includes(bundle) as RelatedPerson[];
    expect(includes(bundle)).toHaveLength(1);
    expect(vol.provision?.actor?.[0]).toMatchObject({
      role: { coding: [{ code: 'RESPRSN' }] },
      reference: { reference: `RelatedPerson/${representative!.id}` },
    });
    expect(representative!.name?.[0]?.text).toBe('Anna de Groot');

    // Without scope and category: both kinds; a scope and category that disagree: none.
    const all = valid(await fhir<Bundle>(`/Consent?patient=${patientId}`, hap));
    expect(all.total).toBe(
      found.length + matches(valid(await fhir<Bundle>(TREATMENT_SEARCH(patientId), hap))).length,
    );
    const none = valid(
      await fhir<Bundle>(
        `/Consent?patient=${patientId}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
          `&category=${enc('http://terminology.hl7.org/CodeSystem/consentcategorycodes|acd')}`,
        hap,
      ),
    );
    expect(none.total).toBe(0);
  });

  it('answers search 4: the medical policy goal (ACP-Medical-Policy-Goal)', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundle = valid(await fhir<Bundle>(GOAL_SEARCH(patientId), hap));
    expect(matches<Goal>(bundle)).toMatchObject([
      {
        lifecycleStatus: 'active',
        description: { coding: [{ system: 'http://snomed.info/sct', code: '713148004' }] },
        subject: { reference: `Patient/${patientId}` },
        startDate: '2026-03-09',
        note: [{ text: 'Na overleg met dochter' }],
      },
    ]);
    expect(valid(await fhir<Bundle>(GOAL_SEARCH(otherPatientId), hap)).total).toBe(0);
  });

  it("answers search 5 with the guide's codes, and the organ donation choice by its own code", async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundle = valid(await fhir<Bundle>(OBSERVATION_SEARCH(patientId), hap));
    const byCode = new Map(matches<Observation>(bundle).map((o) => [o.code.coding![0]!.code!, o]));
    expect([...byCode.keys()]).toEqual(['153851000146100', '395091006', '340171000146104', '247751003']);
    expect(byCode.get('153851000146100')?.valueString).toBe('Zo lang mogelijk thuis blijven');
    expect(byCode.get('395091006')).toMatchObject({
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '264362003' }] },
      note: [{ text: 'Met de kat erbij' }],
      effectiveDateTime: '2026-03-09',
    });
    expect(byCode.get('340171000146104')?.valueCodeableConcept?.coding?.[0]?.code).toBe('340201000146103');
    expect(byCode.get('247751003')?.valueString).toBe('Slechthorend: langzaam en duidelijk praten');

    const donation = valid(
      await fhir<Bundle>(
        `/Observation?patient=Patient/${patientId}&code=${enc('http://snomed.info/sct|570801000146104')}`,
        hap,
      ),
    );
    expect(matches<Observation>(donation)).toMatchObject([
      { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '373066001' }] } },
    ]);
    expect(valid(await fhir<Bundle>(`/Observation?patient=${patientId}`, hap)).total).toBe(5);
  });

  it('reads each RelatedPerson and PractitionerRole a bundle references, by the id in the reference', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundles = [
      valid(await fhir<Bundle>(TREATMENT_SEARCH(patientId), hap)),
      valid(await fhir<Bundle>(ADR_SEARCH(patientId), hap)),
    ];
    const references = new Set(
      bundles
        .flatMap((b) => matches<Consent>(b))
        .flatMap((c) => c.provision?.actor ?? [])
        .map((a) => a.reference.reference!)
        .filter((r) => !r.startsWith('Patient/')),
    );
    expect([...references].map((r) => r.split('/')[0]).sort()).toEqual(['PractitionerRole', 'RelatedPerson']);
    const included = new Map(bundles.flatMap(includes).map((r) => [`${r.resourceType}/${r.id}`, r]));
    for (const ref of references) {
      const read = valid(await fhir<RelatedPerson | PractitionerRole>(`/${ref}`, hap));
      expect(read).toEqual(included.get(ref));
    }
  });

  it('refuses a referenced-resource read the door refuses, and ids that lead to no resource', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const related = includes(valid(await fhir<Bundle>(ADR_SEARCH(patientId), hap)))[0]!;
    const id = related.id!;
    // No sharing consent for the SEH: the id names the patient, and the door refuses.
    const seh = await server.token('seh-doctor', 'SEH-EPD');
    const denied = await fhir<OperationOutcome>(`/RelatedPerson/${id}`, seh);
    expect(denied.status, denied.text).toBe(403);
    expect(valid(denied, 403).issue[0]!.code).toBe('forbidden');

    const notFound = async (path: string) => {
      const r = await fhir<OperationOutcome>(path, hap);
      expect(valid(r, 404).issue[0]!.code, path).toBe('not-found');
    };
    // The right id under the wrong type; another patient's prefix with this resource's hash; junk.
    await notFound(`/PractitionerRole/${id}`);
    // A well-formed id that names the other patient (whom the caller may read) with this hash.
    await notFound(`/RelatedPerson/${patientScopedId(otherPatientId, 'x').slice(0, 43)}${id.slice(43)}`);
    await notFound(`/RelatedPerson/${'A'.repeat(43)}${id.slice(43)}`);
    await notFound(`/RelatedPerson/${patientId}`);
    await notFound('/RelatedPerson/x');
  });

  it('logs every read through the door, the referenced-resource reads and the refusal included', async () => {
    const auditor = await server.token('auditor');
    const log = ok(
      await server.graphql<{
        accessLog: { edges: { node: { action: string; outcome: string; clientSystem: string } }[] };
      }>(auditor, ACCESS_LOG, { bsn: BSN, first: 200 }),
    ).accessLog.edges.map((e) => e.node);
    const reads = log.filter((n) => n.clientSystem === CLIENT);
    // Of this patient: the Patient search; search 3 with the both/none/treatment checks (4); search
    // 4 (1); search 5 with the donation and unfiltered ones (3); the read test's 2 searches and 2
    // reads (4); the refusal test's search and its wrong-type read, whose id named this patient (2).
    expect(reads.length).toBe(1 + 4 + 1 + 3 + 4 + 2);
    expect(reads.every((n) => n.outcome === 'GRANTED')).toBe(true);
    expect(log.filter((n) => n.clientSystem === 'SEH-EPD')).toEqual([
      expect.objectContaining({ outcome: 'DENIED' }),
    ]);
  });

  it('declares the new searches and reads in /metadata, with the guide profiles', async () => {
    const statement = valid(await fhir<CapabilityStatement>('/metadata'));
    const resources = statement.rest![0]!.resource!;
    const of = (type: string) => resources.find((r) => r.type === type)!;
    expect(of('Consent').supportedProfile).toContain(
      'https://fhir.iknl.nl/fhir/StructureDefinition/ACP-AdvanceDirective',
    );
    expect(of('Goal').searchParam!.map((p) => p.name)).toEqual([
      'patient',
      'description',
      '_at',
      'agreed-on',
    ]);
    expect(of('Observation').supportedProfile).toHaveLength(5);
    expect(of('RelatedPerson').interaction!.map((i) => i.code)).toEqual(['read']);
    expect(of('PractitionerRole').interaction!.map((i) => i.code)).toEqual(['read']);
  });

  it('answers searches 1a and 1b, spelled as the guide writes them: the conversation as Procedure and Encounter', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const a = valid(
      await fhir<Bundle>(
        `/Procedure?patient=${patientId}&code=${enc('http://snomed.info/sct|713603004')}&_include:Procedure:encounter`,
        hap,
      ),
    );
    const [procedure] = matches<Procedure>(a);
    expect(matches(a)).toHaveLength(1);
    expect(procedure).toMatchObject({
      status: 'completed',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '713603004' }] },
      subject: { reference: `Patient/${patientId}` },
      performedPeriod: { start: '2026-03-09', end: '2026-03-09' },
    });
    expect(procedure!.performer?.map((p) => p.actor.type)).toEqual(['Patient', 'PractitionerRole']);
    const [encounter] = includes(a) as Encounter[];
    expect(procedure!.encounter?.reference).toBe(`Encounter/${encounter!.id}`);
    expect(encounter).toMatchObject({
      status: 'finished',
      subject: { reference: `Patient/${patientId}` },
      reasonReference: [{ reference: `Procedure/${procedure!.id}` }],
    });

    const b = valid(
      await fhir<Bundle>(
        `/Encounter?patient=${patientId}&reason-reference:Procedure.code=${enc('http://snomed.info/sct|713603004')}` +
          '&_include:Encounter:reason-reference',
        hap,
      ),
    );
    expect(matches(b)).toEqual([encounter]);
    expect(includes(b)).toEqual([procedure]);
    // The standard spelling of _include answers the same.
    const standard = valid(
      await fhir<Bundle>(`/Procedure?patient=${patientId}&_include=Procedure:encounter`, hap),
    );
    expect(standard).toEqual(a);
    // The encounter's professional resolves by its id, like a Consent's.
    const role = encounter!.participant![0]!.individual!.reference!;
    expect(valid(await fhir<PractitionerRole>(`/${role}`, hap)).resourceType).toBe('PractitionerRole');
  });

  it('refuses codes and value sets it does not serve', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    for (const path of [
      `/Observation?patient=${patientId}&code=${enc('http://snomed.info/sct|12345')}`,
      `/Observation?patient=${patientId}&code=${enc('http://loinc.org|395091006')}`,
      `/Goal?patient=${patientId}&description:in=${enc('https://example.org/ValueSet/x')}`,
      `/Goal?patient=${patientId}&description=${enc('http://snomed.info/sct|713148004')}`,
      `/Consent?patient=${patientId}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|research')}`,
      `/Consent?patient=${patientId}&category=${enc('http://terminology.hl7.org/CodeSystem/consentcategorycodes|dnr')}`,
      '/Observation?code=395091006',
      `/Procedure?patient=${patientId}&code=${enc('http://snomed.info/sct|1234')}`,
      `/Procedure?patient=${patientId}&_include:Procedure:subject`,
      `/Encounter?patient=${patientId}&reason-reference=Procedure/x`,
    ]) {
      const r = await fhir<OperationOutcome>(path, hap);
      expect(valid(r, 400).issue[0]!.code, path).toBe('invalid');
    }
  });
});
