import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, CapabilityStatement, Consent, OperationOutcome, Patient, Resource } from '@pzp/fhir';
import { icdDeviceId, patientScopedId } from '@pzp/fhir';
import { ACCESS_LOG, RECORD_CONVERSATION, SET_DIRECTIVE, WITHDRAW_DIRECTIVE } from './operations.js';
import { TestServer } from './support/server.js';
import { fhirRequest, validFhir, type FhirRequest, type FhirResponse } from './support/fhir.js';
import { ok } from './support/graphql.js';

/**
 * The FHIR R4 API (IKNL PZP guide, ACP Provider) against the real server process over real HTTP:
 * a GP records a plan through GraphQL, the HAP doctor's system reads it as FHIR, and an auditor
 * finds each FHIR read in the access log. Every resource returned must validate against FHIR R4.
 */

const BSN = '111222333';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const gpActor = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const nurseActor = { id: 'UZI-200001', name: 'S. Bakker', profession: 'PRACTICE_NURSE' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const ICU_CONDITIONS = 'Alleen bij een goed behandelbare oorzaak, maximaal 48 uur';
const CLIENT = 'HAP-HIS FHIR';

let server: TestServer;
let patientId: string;
let relatedPersonId: string;
let practitionerRoleId: string;

const fhir = <T = Resource>(path: string, init: FhirRequest = {}) => fhirRequest<T>(server.url, path, init);

/** Every answer is FHIR JSON and validates against FHIR R4, errors included. */
const refusal = (r: FhirResponse<unknown>, status: number) => {
  const outcome = validFhir(r, status) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  return outcome.issue[0]!;
};

const patientSearch = `/Patient?identifier=${encodeURIComponent(`${BSN_SYSTEM}|${BSN}`)}`;
const consentSearch = () =>
  `/Consent?patient=${patientId}&scope=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
  `&category=${encodeURIComponent('http://snomed.info/sct|129125009')}&_include=Consent:actor`;

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' });
  const gp = await server.token('gp', 'HIS Medicom');
  const professional = { kind: 'PROFESSIONAL', ...gpActor, organization: practice };
  let { version } = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(gp, RECORD_CONVERSATION, {
      input: {
        bsn: BSN,
        patient: { bsn: BSN, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
        date: '2026-03-09',
        participants: [
          { kind: 'PATIENT' },
          { kind: 'RELATIVE', name: 'Anna de Groot', relationship: 'CHILD' },
          professional,
        ],
        topics: ['TREATMENT_WISHES_AND_LIMITS', 'REPRESENTATIVE', 'SHARING_CONSENT'],
        treatmentDirectives: [
          { treatment: { code: 'CPR' }, decision: 'NIET' },
          { treatment: { code: 'ICU_ADMISSION' }, decision: 'ANDERS', specification: ICU_CONDITIONS },
          { treatment: { code: 'HOSPITAL_ADMISSION' }, decision: 'WEL' },
          { treatment: { code: 'MECHANICAL_VENTILATION' }, decision: 'NIET' },
        ],
        capacity: { hasCapacity: true },
        icdDeactivation: { answer: 'YES' },
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
  ({ version } = ok(
    await server.graphql<{ withdrawTreatmentDirective: { record: { version: number } } }>(
      gp,
      WITHDRAW_DIRECTIVE,
      {
        input: {
          bsn: BSN,
          expectedVersion: version,
          treatment: { code: 'MECHANICAL_VENTILATION' },
          endedOn: '2026-03-09',
          reason: 'Patiënt wil beademing bij een longontsteking toch overwegen',
        },
      },
    ),
  ).withdrawTreatmentDirective.record);
  // A nurse's limit: provisional until a physician confirms it.
  const nurse = await server.token('practice-nurse');
  ok(
    await server.graphql(nurse, SET_DIRECTIVE, {
      input: {
        bsn: BSN,
        expectedVersion: version,
        treatment: { code: 'ANTIBIOTICS' },
        decision: 'NIET',
        decidedOn: '2026-03-09',
        parties: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...nurseActor, organization: practice }],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('FHIR API over HTTP', () => {
  it('finds the patient by BSN: ACP-Patient, id the pseudonym, the BSN only as identifier', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const r = await fhir<Bundle>(patientSearch, { token: hap });
    expect(r.status, r.text).toBe(200);
    const bundle = validFhir(r);
    expect(bundle).toMatchObject({ type: 'searchset', total: 1 });
    const patient = bundle.entry![0]!.resource as Patient;
    patientId = patient.id!;
    expect(patientId).toMatch(/^[0-9a-f]{64}$/);
    expect(patient.identifier).toEqual([{ system: BSN_SYSTEM, value: BSN }]);
    expect(patient.meta?.profile).toEqual(['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-Patient']);
    expect(patient.extension?.[0]?.extension).toEqual([{ url: 'legallyCapable', valueBoolean: true }]);
    // The BSN is in the body, never in an id or URL.
    expect(bundle.entry![0]!.fullUrl).toBe(`${server.url}/fhir/Patient/${patientId}`);
    expect(r.text.split(BSN)).toHaveLength(2);

    const read = await fhir<Patient>(`/Patient/${patientId}`, { token: hap });
    expect(read.status).toBe(200);
    expect(validFhir(read)).toEqual(patient);
  });

  it('finds an unknown BSN as an empty searchset', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const r = await fhir<Bundle>(`/Patient?identifier=${encodeURIComponent(`${BSN_SYSTEM}|123456782`)}`, {
      token: hap,
    });
    expect(r.status).toBe(200);
    expect(validFhir(r)).toMatchObject({ type: 'searchset', total: 0 });
  });

  it("answers the guide's treatment-directive search with the mapping of Consent.fsh, actors included", async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const r = await fhir<Bundle>(consentSearch(), { token: hap });
    expect(r.status, r.text).toBe(200);
    const bundle = validFhir(r);
    const matches = bundle.entry!.filter((e) => e.search?.mode === 'match').map((e) => e.resource as Consent);
    const byCode = (code: string) =>
      matches.filter((c) => c.provision?.code?.[0]?.coding?.[0]?.code === code);
    expect(bundle.total).toBe(6);
    expect(byCode('89666000')).toMatchObject([{ status: 'active', provision: { type: 'deny' } }]);
    expect(byCode('32485007')).toMatchObject([{ status: 'active', provision: { type: 'permit' } }]);
    const [icu] = byCode('305351004');
    expect(icu?.provision?.type).toBeUndefined();
    expect(icu?.modifierExtension).toEqual([
      {
        url: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther',
        valueString: ICU_CONDITIONS,
      },
    ]);
    expect(byCode('281789004')).toMatchObject([{ status: 'proposed', provision: { type: 'deny' } }]);
    expect(byCode('40617009')).toMatchObject([
      {
        status: 'inactive',
        provision: {
          period: { end: '2026-03-09' },
          extension: [
            {
              url: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.ReasonForEnding',
              valueString: 'Patiënt wil beademing bij een longontsteking toch overwegen',
            },
          ],
        },
      },
    ]);
    // The ICD agreement: NullFlavor OTH with the guide's text, "Wel uitvoeren" as permit.
    expect(matches.filter((c) => c.provision?.code?.[0]?.text?.includes('400231000146108'))).toMatchObject([
      { status: 'active', provision: { type: 'permit', code: [{ coding: [{ code: 'OTH' }] }] } },
    ]);
    for (const c of matches) {
      expect(c).toMatchObject({
        scope: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }],
        },
        category: [{ coding: [{ system: 'http://snomed.info/sct', code: '129125009' }] }],
        patient: { reference: `Patient/${patientId}` },
      });
    }
    // _include=Consent:actor: every actor referenced is in the bundle, once.
    const included = bundle
      .entry!.filter((e) => e.search?.mode === 'include')
      .map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
    const referenced = new Set(
      matches.flatMap((c) => (c.provision!.actor ?? []).map((a) => a.reference.reference!)),
    );
    expect(new Set(included)).toEqual(referenced);
    relatedPersonId = included.find((i) => i.startsWith('RelatedPerson/'))!.split('/')[1]!;
    practitionerRoleId = included.find((i) => i.startsWith('PractitionerRole/'))!.split('/')[1]!;
    expect(included).toHaveLength(referenced.size);
    expect(included.map((i) => i.split('/')[0]).sort()).toEqual([
      'Patient',
      'PractitionerRole',
      'PractitionerRole',
      'RelatedPerson',
    ]);

    const without = validFhir(await fhir<Bundle>(`/Consent?patient=Patient/${patientId}`, { token: hap }));
    expect(without.entry!.every((e) => e.search?.mode === 'match')).toBe(true);
    expect(without.total).toBe(6);
  });

  it('logs every FHIR read through the door, granted and refused, for the auditor', async () => {
    const seh = await server.token('seh-doctor', 'SEH-EPD');
    // No sharing consent for the SEH: refused, with the policy's reason.
    const issue = refusal(await fhir(patientSearch, { token: seh }), 403);
    expect(issue.code).toBe('forbidden');
    expect(issue.details?.coding?.[0]).toMatchObject({ system: 'urn:pzp-registry:access-refusal-reason' });
    const reason = issue.details!.coding![0]!.code!;

    const auditor = await server.token('auditor');
    const log = ok(
      await server.graphql<{
        accessLog: {
          edges: {
            node: {
              action: string;
              outcome: string;
              basis: string;
              clientSystem: string;
              user: { id: string };
            };
          }[];
        };
      }>(auditor, ACCESS_LOG, { bsn: BSN, first: 100 }),
    ).accessLog.edges.map((e) => e.node);
    const fhirReads = log.filter((n) => n.clientSystem === CLIENT);
    // Patient search, Patient read, two Consent searches (the empty search named another patient).
    expect(fhirReads).toHaveLength(4);
    expect(
      fhirReads.every(
        (n) => n.action === 'READ_CURRENT' && n.outcome === 'GRANTED' && n.user.id === 'UZI-100003',
      ),
    ).toBe(true);
    expect(log.filter((n) => n.clientSystem === 'SEH-EPD')).toEqual([
      expect.objectContaining({
        outcome: 'DENIED',
        basis: reason,
        user: expect.objectContaining({ id: 'UZI-100005' }),
      }),
    ]);
  });

  it('declares in /metadata exactly the interactions that answer', async () => {
    const metadata = await fhir<CapabilityStatement>('/metadata');
    expect(metadata.status).toBe(200);
    const statement = validFhir(metadata);
    expect(statement).toMatchObject({
      fhirVersion: '4.0.1',
      format: ['json'],
      implementationGuide: ['https://fhir.iknl.nl/fhir/ImplementationGuide/iknl.fhir.r4.pzp'],
    });
    const resources = statement.rest![0]!.resource!;
    const all = resources.flatMap((r) => r.interaction!.map((i) => `${r.type} ${i.code}`));
    // The writes are exercised in fhir-import.e2e.spec.ts; here only that they are the ones declared.
    const isWrite = (i: string) => i.endsWith(' create') || i.endsWith(' update');
    expect(all.filter(isWrite).sort()).toEqual([
      'Consent create',
      'Consent update',
      'QuestionnaireResponse create',
    ]);
    expect(statement.rest![0]!.interaction!.map((i) => i.code)).toEqual(['transaction']);
    const declared = all.filter((i) => !isWrite(i)).sort();
    const hap = await server.token('hap-doctor', CLIENT);
    // How to exercise each interaction; a route added without a way to call it here fails.
    const calls: Record<string, string> = {
      'Patient read': `/Patient/${patientId}`,
      'Patient search-type': patientSearch,
      'Consent search-type': consentSearch(),
      'Goal search-type': `/Goal?patient=${patientId}`,
      'Observation search-type': `/Observation?patient=${patientId}`,
      'Procedure search-type': `/Procedure?patient=${patientId}`,
      'Encounter search-type': `/Encounter?patient=${patientId}`,
      'RelatedPerson read': `/RelatedPerson/${relatedPersonId}`,
      'PractitionerRole read': `/PractitionerRole/${practitionerRoleId}`,
      'DeviceUseStatement search-type': `/DeviceUseStatement?patient=${patientId}`,
      'Device read': `/Device/${icdDeviceId(patientId)}`,
      'Communication search-type': `/Communication?patient=${patientId}`,
      'AuditEvent search-type': `/AuditEvent?patient=${patientId}`,
      'QuestionnaireResponse search-type': `/QuestionnaireResponse?subject=Patient/${patientId}`,
      'QuestionnaireResponse read': `/QuestionnaireResponse/${patientScopedId(patientId, 'acp-form')}`,
    };
    expect(declared).toEqual(Object.keys(calls).sort());
    const auditor = await server.token('auditor', CLIENT);
    for (const [name, path] of Object.entries(calls)) {
      // The access log is for auditors; everything else the HAP reads.
      const r = await fhir(path, { token: name.startsWith('AuditEvent') ? auditor : hap });
      expect(r.status, `${name}: ${r.text}`).toBe(200);
      validFhir(r);
    }
    expect(resources.find((r) => r.type === 'Consent')).toMatchObject({ searchInclude: ['Consent:actor'] });
    expect(resources.find((r) => r.type === 'Consent')!.searchParam!.map((p) => p.name)).toEqual([
      'patient',
      'scope',
      'category',
      '_at',
      'agreed-on',
    ]);

    // Everything else is refused: 405 for an interaction of a declared type, 404 for any other type.
    const undeclared: [string, string][] = [
      ['DELETE', `/Patient/${patientId}`],
      ['PUT', `/Patient/${patientId}`],
      ['POST', '/Patient'],
      ['GET', `/Patient/${patientId}/_history`],
      ['GET', `/Patient/${patientId}/_history/1`],
      ['GET', '/Patient/_history'],
      ['GET', '/Consent/abc'],
      // POST to the base is the transaction (fhir-import.e2e.spec.ts); nothing else is there.
      ['PUT', '/'],
      ['GET', '/'],
      ['DELETE', `/QuestionnaireResponse/${patientId}`],
      ['POST', '/metadata'],
    ];
    for (const [method, path] of undeclared) {
      expect(refusal(await fhir(path, { token: hap, method }), 405).code, `${method} ${path}`).toBe(
        'not-supported',
      );
    }
    for (const path of ['/Condition?patient=x', '/CarePlan/1', '/Patient/x/y/z/w']) {
      expect(refusal(await fhir(path, { token: hap }), 404).code, path).toBe('not-found');
    }
  });

  it('refuses bad requests as OperationOutcomes, never echoing the BSN or other caller values', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const expectRefused = async (
      path: string,
      status: number,
      init: Parameters<typeof fhir>[1] = { token: hap },
    ) => {
      const r = await fhir(path, init);
      refusal(r, status);
      expect(r.text).not.toContain(BSN);
      expect(r.text).not.toContain('123456789');
      expect(r.text).not.toContain('sneaky');
      return r;
    };
    await expectRefused(patientSearch, 401, {});
    await expectRefused(patientSearch, 401, { token: 'sneaky.not.a.jwt' });
    expect((await fhir(patientSearch)).status).toBe(401);
    // A BSN that fails the 11-check, another identifier system, a bare BSN.
    await expectRefused(`/Patient?identifier=${encodeURIComponent(`${BSN_SYSTEM}|123456789`)}`, 400);
    await expectRefused(`/Patient?identifier=${encodeURIComponent(`urn:sneaky|${BSN}`)}`, 400);
    await expectRefused(`/Patient?identifier=${BSN}`, 400);
    await expectRefused('/Patient', 400);
    await expectRefused(`${patientSearch}&sneaky=${BSN}`, 400);
    await expectRefused(`${patientSearch}&${patientSearch.slice('/Patient?'.length)}`, 400);
    await expectRefused(`${patientSearch}&_include=Consent:actor`, 400);
    await expectRefused(`/Consent?patient=${patientId}&_include=Consent:sneaky`, 400);
    await expectRefused(
      `/Consent?patient=${patientId}&scope=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/consentscope|research')}`,
      400,
    );
    const badPatient = await expectRefused(`/Consent?patient=${BSN}`, 400);
    // Says which parameter and what it takes, as the CapabilityStatement documents it.
    expect(refusal(badPatient, 400).diagnostics).toBe(
      'Search parameter patient: not a supported value. This server takes: The patient: <id> or Patient/<id>',
    );
    await expectRefused(patientSearch, 400, { token: hap, headers: { 'x-pzp-purpose': 'sneaky' } });
    await expectRefused(`/Patient/${'0'.repeat(64)}`, 404);
    await expectRefused(`/Patient/${BSN}`, 404);
  });

  it('breaks the glass through the header, flagged in the log', async () => {
    const seh = await server.token('seh-doctor', 'SEH-EPD');
    const r = await fhir<Bundle>(patientSearch, {
      token: seh,
      headers: {
        'x-pzp-purpose': 'BREAK_THE_GLASS',
        'x-pzp-break-glass-reason': 'Bewusteloos binnengebracht, reanimatiebeleid onbekend',
      },
    });
    expect(r.status, r.text).toBe(200);
    expect(validFhir(r).total).toBe(1);
    const auditor = await server.token('auditor');
    const log = ok(
      await server.graphql<{
        accessLog: {
          edges: { node: { clientSystem: string; purpose: string; flagged: boolean; outcome: string } }[];
        };
      }>(auditor, ACCESS_LOG, { bsn: BSN, first: 100 }),
    ).accessLog.edges.map((e) => e.node);
    expect(log.filter((n) => n.clientSystem === 'SEH-EPD').at(-1)).toMatchObject({
      purpose: 'BREAK_THE_GLASS',
      flagged: true,
      outcome: 'GRANTED',
    });
  });
});
