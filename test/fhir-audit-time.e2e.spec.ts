import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  Consent,
  Device,
  DeviceUseStatement,
  OperationOutcome,
  Patient,
  Resource,
} from '@pzp/fhir';
import { ACCESS_LOG, HISTORY, RECORD_CONVERSATION, SET_DIRECTIVE } from './operations.js';
import { TestServer } from './support/server.js';
import { fhirRequest, includes, matches, validFhir } from './support/fhir.js';
import { ok } from './support/graphql.js';

/**
 * Issue 12's read leftovers against the real server over real HTTP: the access log as AuditEvent,
 * point-in-time searches (`_at`), the ICD as DeviceUseStatement + Device (search 6), Communication
 * (search 7) and a pending revision beside its confirmed limit. Every response validates against R4.
 */

const BSN = '111222333';
const OTHER_BSN = '123456782';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const CLIENT = 'HIS FHIR client';
const CPR = '89666000';
const ICU = '305351004';
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const gpParty = {
  kind: 'PROFESSIONAL',
  id: 'UZI-100001',
  name: 'Dr. A. Jansen',
  profession: 'GENERAL_PRACTITIONER',
  organization: practice,
};
/** Before the server's clock started (14:00): the registry held nothing then. */
const BEFORE_ANY_PLAN = '2026-03-09T12:00:00+01:00';

const enc = encodeURIComponent;
const TREATMENT_SEARCH = (id: string) =>
  `/Consent?patient=${id}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
  `&category=${enc('http://snomed.info/sct|129125009')}&_include=Consent:actor`;
/** Search 6 exactly as data-exchange.md writes it, its misspelt _include too. */
const DEVICE_SEARCH = (id: string) =>
  `/DeviceUseStatement?patient=${id}&device.type:in=${enc('https://fhir.iknl.nl/fhir/ValueSet/ACP-MedicalDeviceProductType-ICD')}` +
  '&_include:DeviceUseSatement:device';
const COMMUNICATION_SEARCH = (id: string) =>
  `/Communication?patient=${id}&reason-code=${enc('http://snomed.info/sct|713603004')}`;

let server: TestServer;
let patientId: string;
let otherPatientId: string;
/** When the first conversation was recorded: the plan then held CPR NIET only. */
let firstRecordedAt: string;

/** Every answer, refusals included, is FHIR JSON. */
async function fhir<T = Resource>(path: string, token?: string, headers: Record<string, string> = {}) {
  const r = await fhirRequest<T>(server.url, path, { token, headers });
  expect(r.contentType).toMatch(/^application\/fhir\+json/);
  return r;
}
const valid = validFhir;
const codeOf = (c: Consent) => c.provision?.code?.[0]?.coding?.[0]?.code;

async function patientIdOf(bsn: string, token: string): Promise<string> {
  const bundle = valid(await fhir<Bundle>(`/Patient?identifier=${enc(`${BSN_SYSTEM}|${bsn}`)}`, token));
  return (bundle.entry![0]!.resource as Patient).id!;
}

interface LogEntry {
  id: string;
  action: string;
  outcome: string;
  clientSystem: string;
  purpose: string;
}
async function accessLog(bsn: string): Promise<LogEntry[]> {
  const auditor = await server.token('auditor', 'audit tool');
  return ok(
    await server.graphql<{ accessLog: { edges: { node: LogEntry }[] } }>(auditor, ACCESS_LOG, {
      bsn,
      first: 100,
    }),
  ).accessLog.edges.map((e) => e.node);
}

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' });
  const gp = await server.token('gp', 'HIS Medicom');
  const first = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(gp, RECORD_CONVERSATION, {
      input: {
        bsn: BSN,
        patient: { bsn: BSN, name: 'H. Hartman', birthDate: '1946-02-03' },
        date: '2026-03-09',
        participants: [{ kind: 'PATIENT' }, gpParty],
        topics: ['TREATMENT_WISHES_AND_LIMITS', 'ICD', 'SHARING_CONSENT'],
        treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
        icdDeactivation: { answer: 'YES', comment: 'Uitzetten in de laatste levensfase' },
        sharingConsents: [
          { organizationType: 'HAP', decision: 'GRANTED' },
          { organizationType: 'VVT', decision: 'GRANTED' },
        ],
      },
    }),
  ).recordConversation.record;
  const history = ok(
    await server.graphql<{ pzpHistory: { edges: { node: { recordedAt: string } }[] } }>(gp, HISTORY, {
      bsn: BSN,
    }),
  );
  firstRecordedAt = history.pzpHistory.edges[0]!.node.recordedAt;
  // Later: the GP adds an ICU limit, then a district nurse revises the confirmed CPR limit.
  const icu = ok(
    await server.graphql<{ setTreatmentDirective: { record: { version: number } } }>(gp, SET_DIRECTIVE, {
      input: {
        bsn: BSN,
        expectedVersion: first.version,
        treatment: { code: 'ICU_ADMISSION' },
        decision: 'NIET',
        decidedOn: '2026-03-09',
        parties: [{ kind: 'PATIENT' }, gpParty],
      },
    }),
  ).setTreatmentDirective.record;
  const nurse = await server.token('vvt-nurse', 'ECD Thuiszorg');
  ok(
    await server.graphql(nurse, SET_DIRECTIVE, {
      input: {
        bsn: BSN,
        expectedVersion: icu.version,
        treatment: { code: 'CPR' },
        decision: 'WEL',
        decidedOn: '2026-03-09',
        parties: [
          { kind: 'PATIENT' },
          { kind: 'PROFESSIONAL', id: 'UZI-200002', name: 'L. Visser', profession: 'DISTRICT_NURSE' },
        ],
      },
    }),
  );
  // A second patient: no ICD answer, consent for the HAP only.
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
  patientId = await patientIdOf(BSN, gp);
  otherPatientId = await patientIdOf(OTHER_BSN, gp);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('search 6: the ICD as DeviceUseStatement with its Device', () => {
  it("answers the guide's request, its misspelt _include included, and reads the Device by id", async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundle = valid(await fhir<Bundle>(DEVICE_SEARCH(patientId), hap));
    const [statement] = matches<DeviceUseStatement>(bundle);
    expect(bundle.total).toBe(1);
    expect(statement).toMatchObject({
      meta: { profile: ['https://fhir.iknl.nl/fhir/StructureDefinition/ACP-MedicalDevice'] },
      status: 'active',
      subject: { reference: `Patient/${patientId}` },
      recordedOn: '2026-03-09',
    });
    const [device] = includes(bundle) as Device[];
    expect(statement!.device.reference).toBe(`Device/${device!.id}`);
    expect(device!.type?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '72506001' });
    expect(valid(await fhir<Device>(`/Device/${device!.id}`, hap))).toEqual(device);

    // No ICD answer recorded: nothing says the patient has one.
    expect(valid(await fhir<Bundle>(DEVICE_SEARCH(otherPatientId), hap)).total).toBe(0);
    const wrong = await fhir<OperationOutcome>(
      `/DeviceUseStatement?patient=${patientId}&device.type:in=${enc('https://example.org/ValueSet/x')}`,
      hap,
    );
    expect(valid(wrong, 400).issue[0]!.code).toBe('invalid');
    expect(valid(await fhir<OperationOutcome>(`/Device/${otherPatientId}`, hap), 404).issue[0]!.code).toBe(
      'not-found',
    );
  });
});

describe('search 7: Communication', () => {
  it('is empty for conversations that did not answer form question 1200, through the door all the same', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const bundle = valid(await fhir<Bundle>(COMMUNICATION_SEARCH(patientId), hap));
    expect(bundle).toMatchObject({ type: 'searchset', total: 0 });
    // The door decides all the same: the SEH has no consent for this patient.
    const seh = await server.token('seh-doctor', 'SEH-EPD');
    expect(
      valid(await fhir<OperationOutcome>(COMMUNICATION_SEARCH(patientId), seh), 403).issue[0]!.code,
    ).toBe('forbidden');
  });
});

describe('a pending revision beside its confirmed limit', () => {
  it('is a proposed Consent next to the active one, which it does not replace', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const consents = matches<Consent>(valid(await fhir<Bundle>(TREATMENT_SEARCH(patientId), hap)));
    const cpr = consents.filter((c) => codeOf(c) === CPR);
    expect(cpr.map((c) => [c.status, c.provision?.type])).toEqual([
      ['active', 'deny'],
      ['proposed', 'permit'],
    ]);
  });
});

describe('point in time: _at', () => {
  it('answers the searches and reads with the plan as the registry held it then', async () => {
    const gp = await server.token('gp', CLIENT);
    const then = matches<Consent>(
      valid(await fhir<Bundle>(`${TREATMENT_SEARCH(patientId)}&_at=${enc(firstRecordedAt)}`, gp)),
    );
    const now = matches<Consent>(valid(await fhir<Bundle>(TREATMENT_SEARCH(patientId), gp)));
    // Then: CPR NIET confirmed and the ICD answer; the ICU limit and the nurse's revision came later.
    expect(then.map((c) => [codeOf(c), c.status])).toEqual([
      [CPR, 'active'],
      ['OTH', 'active'],
    ]);
    expect(now.map((c) => [codeOf(c), c.status])).toEqual([
      [CPR, 'active'],
      [CPR, 'proposed'],
      [ICU, 'active'],
      ['OTH', 'active'],
    ]);

    // Before the plan existed: an empty searchset, and no Patient, Device or plan resource by id.
    const before = `_at=${enc(BEFORE_ANY_PLAN)}`;
    expect(
      valid(await fhir<Bundle>(`/Patient?identifier=${enc(`${BSN_SYSTEM}|${BSN}`)}&${before}`, gp)).total,
    ).toBe(0);
    expect(valid(await fhir<Bundle>(`${TREATMENT_SEARCH(patientId)}&${before}`, gp)).total).toBe(0);
    valid(await fhir<OperationOutcome>(`/Patient/${patientId}?${before}`, gp), 404);
    const device = includes(valid(await fhir<Bundle>(DEVICE_SEARCH(patientId), gp)))[0]!;
    valid(await fhir<OperationOutcome>(`/Device/${device.id}?${before}`, gp), 404);
    expect(valid(await fhir<Patient>(`/Patient/${patientId}?_at=${enc(firstRecordedAt)}`, gp)).id).toBe(
      patientId,
    );
  });

  it('refuses a bad, dateless or future instant, and callers the as-of policy refuses', async () => {
    const gp = await server.token('gp', CLIENT);
    for (const at of ['yesterday', '2026-03-09', '2099-01-01T00:00:00Z']) {
      const r = await fhir<OperationOutcome>(`${TREATMENT_SEARCH(patientId)}&_at=${enc(at)}`, gp);
      expect(valid(r, 400).issue[0]!.code, at).toBe('invalid');
    }
    const twice = await fhir<OperationOutcome>(
      `${TREATMENT_SEARCH(patientId)}&_at=${enc(firstRecordedAt)}&_at=${enc(firstRecordedAt)}`,
      gp,
    );
    valid(twice, 400);
    // An as-of view is for auditors and the patient's own care team, not the HAP.
    const hap = await server.token('hap-doctor', CLIENT);
    const refused = await fhir<OperationOutcome>(
      `${TREATMENT_SEARCH(patientId)}&_at=${enc(firstRecordedAt)}`,
      hap,
    );
    expect(valid(refused, 403).issue[0]!.details?.coding?.[0]?.code).toBe('AUDIT_ROLE_REQUIRED');
  });

  it('access-logs each point-in-time request once, as a read as of that instant', async () => {
    const log = (await accessLog(BSN)).filter((e) => e.clientSystem === CLIENT && e.action === 'READ_AS_OF');
    // The first test's searches and reads with _at (6: consent then, patient search, consent
    // before, patient read, device read, patient read then), the refused double _at excepted
    // (refused before the door), and the HAP's refusal.
    expect(log.map((e) => e.outcome)).toEqual([...Array(6).fill('GRANTED'), 'DENIED']);
  });

  it('declares _at on every search that reads the plan, and on the reads', async () => {
    const statement = valid(await fhir<CapabilityStatement>('/metadata'));
    const resources = statement.rest![0]!.resource!;
    for (const type of [
      'Patient',
      'Consent',
      'Goal',
      'Observation',
      'Procedure',
      'Encounter',
      'DeviceUseStatement',
    ]) {
      const r = resources.find((x) => x.type === type)!;
      expect(
        r.searchParam!.map((p) => p.name),
        type,
      ).toContain('_at');
    }
    for (const type of ['RelatedPerson', 'PractitionerRole', 'Device'])
      expect(resources.find((x) => x.type === type)!.interaction![0]!.documentation).toContain('_at');
    expect(resources.find((x) => x.type === 'AuditEvent')!.searchParam!.map((p) => p.name)).toEqual([
      'patient',
      'date',
      '_count',
      'page-after',
    ]);
    expect(resources.find((x) => x.type === 'Communication')!.interaction![0]!.documentation).toContain(
      'question 1200',
    );
  });
});

describe('the access log as AuditEvent', () => {
  const search = (id: string, extra = '') => `/AuditEvent?patient=${id}${extra}`;

  it("gives the auditor every access record of the patient, as GraphQL's access log holds them", async () => {
    const auditor = await server.token('auditor', 'audit tool');
    const bundle = valid(await fhir<Bundle>(search(patientId, '&_count=100'), auditor));
    const events = matches<AuditEvent>(bundle);
    const log = await accessLog(BSN);
    // The GraphQL read of the log came after this search: everything before it is the same, in order.
    expect(events.map((e) => e.id)).toEqual(log.slice(0, events.length).map((e) => e.id));
    expect(log.length).toBe(events.length + 1);
    const asOf = events.find((e) => e.subtype?.[0]?.code === 'READ_AS_OF' && e.outcome === '0')!;
    expect(asOf).toMatchObject({
      action: 'R',

      agent: [
        expect.objectContaining({
          requestor: true,
          who: expect.objectContaining({ display: 'Dr. A. Jansen' }),
        }),
        expect.objectContaining({ who: expect.objectContaining({ display: practice.name }) }),
        expect.objectContaining({ who: { display: CLIENT } }),
      ],
    });
    expect(asOf.entity![0]).toMatchObject({ what: { reference: `Patient/${patientId}`, type: 'Patient' } });
    // Reading the log is a record too, and the reader sees it: this search's own is its last event.
    expect(events.at(-1)!.subtype?.[0]?.code).toBe('READ_ACCESS_LOG');
    const refused = events.find((e) => e.outcome === '4')!;
    expect(refused.outcomeDesc).toBeTruthy();
    // The BSN is in no event: the patient is named by pseudonym only.
    expect(JSON.stringify(bundle)).not.toContain(BSN);
  });

  it('logs its own reading, as READ_ACCESS_LOG, and flags a break-the-glass read with BTG and the reason', async () => {
    const seh = await server.token('seh-doctor', 'SEH-EPD');
    const reason = 'Bewusteloos binnengebracht, beleid onbekend';
    valid(
      await fhir<Bundle>(`/Patient?identifier=${enc(`${BSN_SYSTEM}|${OTHER_BSN}`)}`, seh, {
        'X-PZP-Purpose': 'BREAK_THE_GLASS',
        'X-PZP-Break-Glass-Reason': reason,
      }),
    );
    const auditor = await server.token('auditor', 'audit tool');
    const events = matches<AuditEvent>(valid(await fhir<Bundle>(search(otherPatientId), auditor)));
    const glass = events.find((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG')!;
    expect(glass).toMatchObject({ outcome: '0', meta: { tag: [{ code: 'flagged' }] } });
    expect(glass.purposeOfEvent![0]!.text).toBe(reason);
    // Its own reading is in what it reads (the door waits until its record is projected).
    const reads = events.filter((e) => e.subtype?.[0]?.code === 'READ_ACCESS_LOG');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.agent[2]!.who?.display).toBe('audit tool');
  });

  it('pages with _count and the next link, and filters by date', async () => {
    const auditor = await server.token('auditor', 'audit tool');
    const first = valid(await fhir<Bundle>(search(patientId, '&_count=2'), auditor));
    expect(matches(first)).toHaveLength(2);
    const next = first.link!.find((l) => l.relation === 'next')!.url;
    const second = valid(await fhir<Bundle>(next, auditor));
    expect(matches(second)).toHaveLength(2);
    expect(matches(second).map((e) => e.id)).not.toContain(matches(first)[0]!.id);
    const all = matches<AuditEvent>(valid(await fhir<Bundle>(search(patientId, '&_count=100'), auditor)));
    expect(matches(second).map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));

    const none = valid(await fhir<Bundle>(search(patientId, '&date=lt2000-01-01'), auditor));
    expect(matches(none)).toEqual([]);
    // One page cannot know how many records all pages hold: no total.
    expect(none.total).toBeUndefined();
    const day = valid(
      await fhir<Bundle>(search(patientId, '&date=ge2026-03-09&date=le2026-03-10&_count=100'), auditor),
    );
    expect(matches(day).length).toBeGreaterThan(all.length);
    for (const bad of [
      '&date=yesterday',
      '&date=ge2026-03-09&date=le2026-03-10&date=lt2027-01-01',
      '&_count=0',
      '&_count=101',
    ])
      valid(await fhir<OperationOutcome>(search(patientId, bad), auditor), 400);
  });

  it('is for auditors only, for the purpose AUDIT', async () => {
    const hap = await server.token('hap-doctor', CLIENT);
    const refused = await fhir<OperationOutcome>(search(patientId), hap);
    expect(valid(refused, 403).issue[0]!.details?.coding?.[0]?.code).toBe('AUDIT_ROLE_REQUIRED');
    const auditor = await server.token('auditor', 'audit tool');
    const wrongPurpose = await fhir<OperationOutcome>(search(patientId), auditor, {
      'X-PZP-Purpose': 'TREATMENT',
    });
    valid(wrongPurpose, 400);
    const log = await accessLog(BSN);
    expect(log.filter((e) => e.action === 'READ_ACCESS_LOG' && e.clientSystem === CLIENT)).toEqual([
      expect.objectContaining({ outcome: 'DENIED' }),
    ]);
  });
});
