import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Bundle,
  CapabilityStatement,
  Consent,
  Goal,
  Observation,
  OperationOutcome,
  Patient,
  Resource,
} from '@pzp/fhir';
import { r4Errors } from '@pzp/fhir/testing';
import { PZP, PZP_AGREED_ON, PZP_AS_OF } from './operations.js';
import { TestServer } from './support/server.js';
import { fhirRequest, validFhir, type FhirRequest, type FhirResponse } from './support/fhir.js';
import { ok } from './support/graphql.js';

/**
 * The national form in and out over real HTTP against the real server (issue 12, "Write"): IKNL's
 * Hendrik Hartman forms imported as a transaction and as a QuestionnaireResponse, read back by
 * method 1 (the resources) and method 2 (the form), compared field by field with what GraphQL
 * shows; bad forms answered with an OperationOutcome and nothing written.
 */

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
const ACP_FORM = 'https://fhir.iknl.nl/fhir/Questionnaire/ACP-zib2020';
const HENDRIK = '123456782';
const COPY = '999999990';
const BAD = '100000009';
const enc = encodeURIComponent;

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`../packages/fhir/src/questionnaire/fixtures/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
const form2020 = () => fixture('QuestionnaireResponse-HendrikHartman-20201001.json');
const form2022 = () => fixture('QuestionnaireResponse-HendrikHartman-20221108.json');

let server: TestServer;
let gp: string;

/** The GP's requests unless a test says otherwise. */
const fhir = <T = Resource>(path: string, init: FhirRequest = {}) =>
  fhirRequest<T>(server.url, path, { token: gp, ...init });
const valid = validFhir;

const transaction = (bsn: string, form: Record<string, unknown>): Bundle =>
  ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:6f1c2a4e-0b7d-4c55-9a43-2f5d7c1e9b10',
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: BSN_SYSTEM, value: bsn }],
          name: [{ given: ['Hendrik'], family: 'Hartman' }],
          birthDate: '1961-01-01',
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: 'urn:uuid:0c7d3b9e-55a1-4f0e-8d2b-7e6a1c3f4b21',
        resource: { ...form, subject: { reference: 'urn:uuid:6f1c2a4e-0b7d-4c55-9a43-2f5d7c1e9b10' } },
        request: { method: 'POST', url: 'QuestionnaireResponse' },
      },
    ],
  }) as Bundle;

const withSubject = (form: Record<string, unknown>, bsn: string) => ({
  ...form,
  subject: { identifier: { system: BSN_SYSTEM, value: bsn } },
});

async function patientIdOf(bsn: string): Promise<string | undefined> {
  const bundle = valid(await fhir<Bundle>(`/Patient?identifier=${enc(`${BSN_SYSTEM}|${bsn}`)}`));
  return (bundle.entry?.[0]?.resource as Patient | undefined)?.id;
}

interface Shown {
  pzp: {
    version: number;
    patient: unknown;
    treatmentDirectives: { key: string; status: string; summary: string; treatment: { display: string } }[];
    lifeWishes: { text: string }[];
    medicalPolicyGoal: unknown;
    preferredPlaceOfDeath: unknown;
    representatives: { name: string; role: string; relationship: string; phone: string | null }[];
    sharingConsent: unknown;
    warnings: { code: string; message: string }[];
  } | null;
}
const shown = async (bsn: string) => ok(await server.graphql<Shown>(gp, PZP, { bsn })).pzp;

/** What a clinician reads in GraphQL, without the parts that differ between two patients' records. */
const clinical = (p: NonNullable<Shown['pzp']>) => ({
  patient: { ...(p.patient as object), bsn: undefined },
  directives: p.treatmentDirectives.map((d) => [d.treatment.display, d.status, d.summary]),
  lifeWishes: p.lifeWishes.map((w) => w.text).join('\n\n'),
  goal: p.medicalPolicyGoal,
  place: p.preferredPlaceOfDeath,
  representatives: p.representatives,
  sharing: p.sharingConsent,
  warnings: p.warnings.map((w) => w.code),
});

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-12-01T10:00:00+01:00' });
  gp = await server.token('gp', 'HIS Medicom');
});

afterAll(async () => {
  await server?.stop();
});

describe('importing the national form', () => {
  let version: number;
  let patientId: string;

  it('takes a transaction of the Patient and the form, and answers with the form as recorded', async () => {
    const response = valid(
      await fhir<Bundle>('', { method: 'POST', body: transaction(HENDRIK, form2020()) }),
    );
    expect(response.type).toBe('transaction-response');
    const [patient, form] = response.entry!;
    patientId = (await patientIdOf(HENDRIK))!;
    expect(patient!.response).toMatchObject({ status: '200 OK', location: `Patient/${patientId}` });
    expect(form!.response!.status).toBe('201 Created');
    version = Number(/^W\/"(\d+)"$/.exec(form!.response!.etag!)![1]);
    expect(form!.response!.location).toMatch(new RegExp(`/QuestionnaireResponse/[^/]+/_history/${version}$`));
    expect(form!.resource).toMatchObject({
      resourceType: 'QuestionnaireResponse',
      subject: { reference: `Patient/${patientId}` },
    });
  });

  it('is read back by method 1: every treatment limit, goal and observation of the form', async () => {
    const consents = valid(
      await fhir<Bundle>(
        `/Consent?patient=${patientId}&scope=${enc('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
          `&category=${enc('http://snomed.info/sct|129125009')}`,
      ),
    ).entry!.map((e) => e.resource as Consent);
    const byTreatment = new Map(
      consents.map((c) => [
        c.provision?.code?.[0]?.coding?.[0]?.code === 'OTH'
          ? c.provision.code[0]!.text
          : c.provision?.code?.[0]?.coding?.[0]?.code,
        c,
      ]),
    );
    for (const code of ['89666000', '40617009', '305351004', '32485007', '281789004', '116762002'])
      expect(byTreatment.get(code)?.provision?.type, code).toBe('permit');
    expect(byTreatment.get('Overige behandelingen')?.provision?.type).toBe('deny');
    // "Niet besproken": the ICD agreement without a type, the answer in SpecificationOther.
    const icd = [...byTreatment.entries()].find(([k]) => /400231000146108/.test(k ?? ''))?.[1];
    expect(icd?.provision?.type).toBeUndefined();
    expect(JSON.stringify(icd?.modifierExtension)).toContain('Niet besproken');

    const goal = valid(await fhir<Bundle>(`/Goal?patient=${patientId}`)).entry![0]!.resource as Goal;
    expect(goal.description.coding?.[0]?.code).toBe('1351964001');
    const observations = valid(await fhir<Bundle>(`/Observation?patient=${patientId}`)).entry!.map(
      (e) => e.resource as Observation,
    );
    const value = (code: string) => observations.find((o) => o.code.coding?.[0]?.code === code);
    expect(value('153851000146100')?.valueString).toMatch(/^Hendrik wil er alles aan doen/);
    expect(value('570801000146104')?.valueCodeableConcept?.coding?.[0]?.code).toBe('373066001');
    expect(value('247751003')?.valueString).toMatch(/^Michiel gaat nadenken/);
    // Form question 1200 "Ja": the guide's ACP-Communication, from the GP to the patient.
    const told = valid(
      await fhir<Bundle>(
        `/Communication?patient=${patientId}&reason-code=${enc('http://snomed.info/sct|713603004')}`,
      ),
    ).entry!.map(
      (e) => e.resource as Resource & { status: string; topic: { coding: { code: string }[] }; sent: string },
    );
    expect(told.map((c) => [c.status, c.topic.coding[0]!.code, c.sent])).toEqual([
      ['completed', '223449006', '2020-10-01'],
    ]);
    const patient = valid(await fhir<Patient>(`/Patient/${patientId}`));
    expect(patient.name?.[0]?.text ?? patient.name?.[0]?.family).toMatch(/Hartman/);
  });

  it('is read back by method 2, and that form imported for another patient makes the same plan in GraphQL', async () => {
    const search = valid(
      await fhir<Bundle>(
        `/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${enc(ACP_FORM)}`,
      ),
    );
    expect(search.total).toBe(1);
    const form = search.entry![0]!.resource as unknown as Record<string, unknown> & { id: string };
    const read = valid(await fhir<Record<string, unknown>>(`/QuestionnaireResponse/${form.id}`));
    expect(read).toMatchObject({ id: form.id, meta: { versionId: String(version) } });

    const copy = await fhir('/QuestionnaireResponse', {
      method: 'POST',
      body: withSubject({ ...form, id: undefined, subject: undefined }, COPY),
    });
    expect(copy.status, copy.text).toBe(201);
    // Name and birth date come from the form itself now: there is no Patient resource.
    expect(clinical((await shown(COPY))!)).toEqual(clinical((await shown(HENDRIK))!));
  });

  it('adds a follow-up form only with If-Match of the version read: 412 when stale, 409 when absent, nothing written', async () => {
    const body = withSubject(form2022(), HENDRIK);
    const stale = await fhir<OperationOutcome>('/QuestionnaireResponse', {
      method: 'POST',
      body,
      headers: { 'if-match': `W/"${version - 1}"` },
    });
    expect(stale.status, stale.text).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const absent = await fhir<OperationOutcome>('/QuestionnaireResponse', { method: 'POST', body });
    expect(absent.status, absent.text).toBe(409);
    expect((await shown(HENDRIK))!.version).toBe(version);

    const added = await fhir('/QuestionnaireResponse', {
      method: 'POST',
      body,
      headers: { 'if-match': `W/"${version}"` },
    });
    expect(added.status, added.text).toBe(201);
    expect(added.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    const plan = (await shown(HENDRIK))!;
    const cpr = plan.treatmentDirectives.find((d) => d.key === '89666000')!;
    expect(cpr.summary).toBe(
      'Alleen onder voorwaarden: Wel op OK met kans op goed herstel, niet thuis of op straat',
    );
    expect(plan.medicalPolicyGoal).toMatchObject({ code: 'SYMPTOM_RELIEF_ONLY' });
    // The same representative, not a second one beside them.
    expect(plan.representatives.map((r) => r.name)).toEqual(['Michiel Hartman']);
  });

  it('answers "as agreed on" a date from the forms\u2019 own dates, where "as held at" knows nothing yet', async () => {
    // Both forms were entered today; the first was agreed on 1 October 2020, the second on 8 November.
    const auditor = await server.token('auditor', 'Audit tool');
    const agreed = ok(
      await server.graphql<{ pzpAgreedOn: NonNullable<Shown['pzp']> | null }>(auditor, PZP_AGREED_ON, {
        bsn: HENDRIK,
        on: '2020-10-15',
      }),
    ).pzpAgreedOn!;
    expect(agreed.treatmentDirectives.find((d) => d.key === '89666000')!.summary).toBe('Wel uitvoeren');
    const held = ok(
      await server.graphql<{ pzpAsOf: unknown }>(auditor, PZP_AS_OF, {
        bsn: HENDRIK,
        at: '2020-10-15T12:00:00+02:00',
      }),
    ).pzpAsOf;
    expect(held).toBeNull();
    const before = ok(
      await server.graphql<{ pzpAgreedOn: unknown }>(auditor, PZP_AGREED_ON, {
        bsn: HENDRIK,
        on: '2020-09-30',
      }),
    ).pzpAgreedOn;
    expect(before).toBeNull();

    // The same question over FHIR, for the patient's own GP.
    const search = (q: string) =>
      fhir<Bundle>(`/Consent?patient=${patientId}&category=${enc('http://snomed.info/sct|129125009')}${q}`);
    const typeOfCpr = (b: Bundle) =>
      b
        .entry!.map((e) => e.resource as Consent)
        .find((c) => c.provision?.code?.[0]?.coding?.[0]?.code === '89666000')?.provision?.type;
    expect(typeOfCpr(valid(await search('&agreed-on=2020-10-15')))).toBe('permit');
    // Today: "Anders", so no type (the conditions in SpecificationOther).
    expect(typeOfCpr(valid(await search('')))).toBeUndefined();
    const both = await search(`&agreed-on=2020-10-15&_at=${enc('2026-12-01T10:00:00+01:00')}`);
    expect(both.status, both.text).toBe(400);
    const future = await search('&agreed-on=2027-01-01');
    expect(future.status, future.text).toBe(400);
  });

  it('declares the writes in the CapabilityStatement', async () => {
    const statement = valid(await fhir<CapabilityStatement>('/metadata'));
    const rest = statement.rest![0]!;
    expect(rest.interaction?.map((i) => i.code)).toEqual(['transaction']);
    const form = rest.resource!.find((r) => r.type === 'QuestionnaireResponse')!;
    expect(form.interaction!.map((i) => i.code).sort()).toEqual(['create', 'read', 'search-type']);
  });
});

describe('single Consents: zib 2020, zib 2017 and advance directives', () => {
  let patientId: string;
  let version: number;
  const versionOf = (r: FhirResponse<unknown>) =>
    Number(/^W\/"(\d+)"$/.exec(r.headers.get('etag') ?? '')?.[1]);
  const SPECIFICATION_OTHER =
    'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther';
  const directive = (
    code: string,
    provision: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => ({
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '129125009' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: '2026-11-30',
    provision: {
      actor: [{ reference: { reference: `Patient/${patientId}` } }],
      code: [{ coding: [{ system: 'http://snomed.info/sct', code }] }],
      ...provision,
    },
    ...extra,
  });
  const post = (body: unknown, ifMatch: number | null = version, token = gp) =>
    fhir<Consent>('/Consent', {
      method: 'POST',
      body,
      headers: {
        authorization: `Bearer ${token}`,
        ...(ifMatch === null ? {} : { 'if-match': `W/"${ifMatch}"` }),
      },
    });
  const cprOf = async () => (await shown(COPY))!.treatmentDirectives;

  beforeAll(async () => {
    patientId = (await patientIdOf(COPY))!;
    version = (await shown(COPY))!.version;
  });

  it('records an ACP-TreatmentDirective: deny is Niet uitvoeren, for a plan that exists, on the version read', async () => {
    const r = await post(directive('89666000', { type: 'deny' }));
    const consent = valid(r, 201);
    expect(consent).toMatchObject({ status: 'active', provision: { type: 'deny' } });
    expect(r.headers.get('location')).toContain(`/Consent/${consent.id}/_history/`);
    version = versionOf(r);
    expect((await cprOf()).find((d) => d.key === '89666000')!.summary).toBe('Niet uitvoeren');
  });

  it('takes a zib 2017 TreatmentDirective (JA_MAAR with Beperkingen) and stores it as zib 2020 Anders', async () => {
    const zib2017 = {
      resourceType: 'Consent',
      status: 'active',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '11291000146105' }] }],
      patient: { reference: `Patient/${patientId}` },
      dateTime: '2026-11-30T09:30:00+01:00',
      extension: [
        {
          url: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Treatment',
          valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '40617009' }] },
        },
        // zib 2017 says who agreed in Verification: here, with the patient.
        {
          url: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Verification',
          extension: [
            { url: 'Verified', valueBoolean: true },
            {
              url: 'VerifiedWith',
              valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '116154003' }] },
            },
          ],
        },
      ],
      modifierExtension: [
        {
          url: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-TreatmentPermitted',
          valueCodeableConcept: {
            coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4', code: 'JA_MAAR' }],
          },
        },
      ],
      except: [
        {
          extension: [
            {
              url: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Restrictions',
              valueString: 'Alleen bij een omkeerbare oorzaak, kort',
            },
          ],
        },
      ],
    };
    const r = await post(zib2017);
    const consent = valid(r, 201);
    version = versionOf(r);
    expect(consent.provision?.type).toBeUndefined();
    expect(consent.modifierExtension).toEqual([
      { url: SPECIFICATION_OTHER, valueString: 'Alleen bij een omkeerbare oorzaak, kort' },
    ]);
    expect((await cprOf()).find((d) => d.key === '40617009')!.summary).toBe(
      'Alleen onder voorwaarden: Alleen bij een omkeerbare oorzaak, kort',
    );
  });

  it('updates by the id the registry gives the treatment, and a nurse\u2019s change waits for a physician', async () => {
    const search = valid(
      await fhir<Bundle>(`/Consent?patient=${patientId}&category=${enc('http://snomed.info/sct|129125009')}`),
    );
    const icu = search
      .entry!.map((e) => e.resource as Consent)
      .find((c) => c.provision?.code?.[0]?.coding?.[0]?.code === '305351004')!;
    const nurse = await server.token('practice-nurse', 'HIS Medicom');
    const r = await fhir<Consent>(`/Consent/${icu.id}`, {
      method: 'PUT',
      body: directive('305351004', { type: 'deny' }, { id: icu.id }),
      headers: { authorization: `Bearer ${nurse}`, 'if-match': `W/"${version}"` },
    });
    expect(r.status, r.text).toBe(200);
    version = versionOf(r);
    // The confirmed Wel uitvoeren stays; the nurse's Niet uitvoeren is a proposed Consent beside it.
    const icuNow = (await cprOf()).find((d) => d.key === '305351004')!;
    expect(icuNow).toMatchObject({ status: 'CONFIRMED', summary: 'Wel uitvoeren' });
    const wrongId = await fhir(`/Consent/${icu.id}`, {
      method: 'PUT',
      body: directive('32485007', { type: 'deny' }),
      headers: { 'if-match': `W/"${version}"` },
    });
    expect(wrongId.status, wrongId.text).toBe(400);
  });

  it('ends a directive with period.end and the reason, and registers a written directive', async () => {
    const ended = await post(
      directive(
        '281789004',
        {
          type: 'permit',
          period: { end: '2026-11-30' },
          extension: [
            {
              url: 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.ReasonForEnding',
              valueString: 'Opnieuw bespreken',
            },
          ],
        },
        { status: 'inactive' },
      ),
    );
    const consent = valid(ended, 201);
    version = versionOf(ended);
    expect(consent).toMatchObject({ status: 'inactive', provision: { period: { end: '2026-11-30' } } });
    expect((await cprOf()).find((d) => d.key === '281789004')!.status).toBe('NO_AGREEMENT_RECORDED');

    const nr = await post({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'acd' }] },
      ],
      patient: { reference: `Patient/${patientId}` },
      dateTime: '2026-11-02',
      sourceAttachment: { title: 'Niet-reanimerenpenning' },
      provision: {
        code: [{ coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.3.11.60.40.4.14.1', code: 'NR' }] }],
      },
    });
    const ad = valid(nr, 201);
    version = versionOf(nr);
    expect(ad).toMatchObject({
      scope: { coding: [{ code: 'adr' }] },
      sourceAttachment: { title: 'Niet-reanimerenpenning' },
    });
  });

  it('refuses without If-Match, when stale, an unknown treatment, an unknown party or an older agreement, and writes nothing', async () => {
    const without = await post(directive('32485007', { type: 'deny' }), null);
    expect(without.status, without.text).toBe(428);
    const stale = await post(directive('32485007', { type: 'deny' }), version - 1);
    expect(stale.status, stale.text).toBe(412);
    const unknown = await post(directive('12345678', { type: 'deny' }));
    expect(unknown.status, unknown.text).toBe(422);
    expect(unknown.text).toContain('Consent.provision.code[0]');
    const stranger = await post(
      directive('32485007', {
        type: 'deny',
        actor: [{ reference: { reference: 'Practitioner/elsewhere-123' } }],
      }),
    );
    expect(stranger.status, stranger.text).toBe(422);
    expect(stranger.text).toContain('Consent.provision.actor[0].reference');
    // CPR was agreed on 2026-11-30 above: an agreement of 2025 cannot replace it.
    const older = await post(directive('89666000', { type: 'permit' }, { dateTime: '2025-01-01' }));
    expect(older.status, older.text).toBe(422);
    expect(older.text).toContain('Consent.dateTime');
    expect((await shown(COPY))!.version).toBe(version);
  });
});

describe('a bad import is an OperationOutcome and writes nothing', () => {
  const refused = async (r: Promise<FhirResponse<OperationOutcome>>, status: number) => {
    const response = await r;
    expect(response.status, response.text).toBe(status);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(r4Errors(response.body)).toEqual([]);
    // Nothing echoed: the BSN is in no answer.
    expect(response.text).not.toContain(BAD);
    expect(await patientIdOf(BAD)).toBeUndefined();
    return response.body;
  };
  const post = (body: unknown) => fhir<OperationOutcome>('/QuestionnaireResponse', { method: 'POST', body });
  const expressions = (o: OperationOutcome) => o.issue.flatMap((i) => i.expression ?? []);
  const editAnswer = (form: Record<string, unknown>, linkId: string, answer: unknown) =>
    JSON.parse(
      JSON.stringify(form, (_k, v: unknown) =>
        v && typeof v === 'object' && (v as { linkId?: string }).linkId === linkId
          ? { ...v, answer: [answer] }
          : v,
      ),
    ) as Record<string, unknown>;

  it('malformed JSON: 400', async () => {
    await refused(
      fhir('/QuestionnaireResponse', { method: 'POST', raw: '{"resourceType": "Questionn' }),
      400,
    );
  });

  it('a resource of the wrong type: 422', async () => {
    await refused(post({ resourceType: 'Patient', identifier: [{ system: BSN_SYSTEM, value: BAD }] }), 422);
  });

  it('a response to another questionnaire: 422', async () => {
    await refused(
      post(withSubject({ ...form2020(), questionnaire: 'https://example.org/Questionnaire/x' }, BAD)),
      422,
    );
  });

  it('no BSN: 422', async () => {
    const outcome = await refused(post({ ...form2020(), subject: { reference: 'Patient/x' } }), 422);
    expect(outcome.issue[0]!.diagnostics).toMatch(/BSN/);
  });

  it('unknown codes and conflicting answers: 422 naming every linkId', async () => {
    let form = editAnswer(form2020(), '1386', { valueCoding: { code: '9' } });
    form = editAnswer(form, '1006', { valueCoding: { system: 'http://snomed.info/sct', code: '373067005' } });
    const outcome = await refused(post(withSubject(form, BAD)), 422);
    expect(expressions(outcome).join(' ')).toContain("linkId='1386'");
    expect(expressions(outcome).join(' ')).toContain("linkId='1005'");
  });

  it('a rule of the domain (a patient without capacity needs a representative): 422 naming the question', async () => {
    let form = editAnswer(form2020(), '1406', { valueCoding: { code: '0', display: 'Nee' } });
    form = JSON.parse(
      JSON.stringify(form, (k, v: unknown) =>
        k === 'item' && Array.isArray(v) ? v.filter((i: { linkId: string }) => i.linkId !== '29') : v,
      ),
    ) as Record<string, unknown>;
    const outcome = await refused(post(withSubject(form, BAD)), 422);
    expect(expressions(outcome).join(' ')).toContain("linkId='1406'");
  });

  it('a transaction without the form: 422', async () => {
    const bundle = transaction(BAD, form2020());
    await refused(fhir('', { method: 'POST', body: { ...bundle, entry: bundle.entry!.slice(0, 1) } }), 422);
  });
});
