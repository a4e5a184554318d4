import type { PatientRecords, PlanRecord } from '@pzp/access';
import type { AccessPurpose } from '@pzp/domain';
import {
  ACP_PROCEDURE_CODE,
  acpObservations,
  ADVANCE_DIRECTIVE_CATEGORY,
  advanceDirectives,
  auditEvent,
  COMMUNICATION_PROFILE,
  COMMUNICATION_REASON_CODE,
  DEVICE_PROFILE,
  ICD_PRODUCT_TYPE_VALUE_SET,
  icdDeviceUse,
  conversations,
  medicalPolicyGoal,
  OBSERVATION_CODES,
  patientResource,
  PROFILE,
  pseudonymOfScopedId,
  referencedResources,
  searchset,
  SYSTEM,
  TREATMENT_DIRECTIVE_CATEGORY,
  treatmentDirectives,
  VALUE_SET,
  type PartyResource,
  type Resource,
  type SearchEntry,
  ACP_FORM,
  acpCommunications,
  conversationForm,
} from '@pzp/fhir';
import { z } from 'zod';
import { FhirError } from './outcome.js';
import type { Rendered, RenderCache } from './render-cache.js';
import {
  BsnIdentifier,
  countOf,
  DateSearch,
  dateFilterOf,
  exactToken,
  inDateRange,
  oneOfTokens,
  PagePosition,
  PatientId,
  PatientReference,
  tokenList,
} from './params.js';

/** The FHIR interactions this API can have (http://hl7.org/fhir/restful-interaction). */
export type Interaction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'search-type';

export interface SearchParam {
  readonly name: string;
  readonly type: 'token' | 'reference' | 'date' | 'number' | 'string';
  readonly documentation: string;
  /** The one modifier the parameter is searched with (`description:in`), if the guide uses one. */
  readonly modifier?: string;
  /** The query key when it is not `name[:modifier]`: a chain (`device.type:in`). */
  readonly key?: string;
  readonly required: boolean;
  /** How often it may be given (FHIR ANDs repeats: `date=ge...&date=le...`); once when absent. */
  readonly repeats?: number;
  /** The raw value to what the handler gets; a value it refuses is a 400. */
  readonly value: z.ZodType<string, string>;
}

/** What a handler gets: the caller's records through the door, and the request, parsed. */
export interface RouteRequest {
  readonly records: PatientRecords;
  readonly access: {
    readonly purpose: AccessPurpose;
    readonly breakGlassReason?: string | undefined;
    /** Whether the caller named the purpose (the header), rather than taking the default. */
    readonly explicitPurpose?: boolean;
  };
  /** The logical id of a read. */
  readonly id: string;
  /** Search parameter values by name, as the route's schemas made them (the first of a repeated one). */
  readonly params: ReadonlyMap<string, string>;
  /** Every value of each parameter given, in order (for the ones that may repeat). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** `_at` of a point-in-time route: the plan as the registry held it at that instant. */
  readonly at: Date | undefined;
  /** `agreed-on` of a point-in-time route: the plan as agreed on that date (valid time). */
  readonly agreedOn?: string | undefined;
  readonly includes: ReadonlySet<string>;
  /** The absolute base of the FHIR API, for fullUrl. */
  readonly base: string;
  /** Answers already rendered, by plan version and question (see planSearch). */
  readonly cache: RenderCache;
}

export interface FhirRoute {
  readonly type:
    | 'Patient'
    | 'Consent'
    | 'Goal'
    | 'Observation'
    | 'Procedure'
    | 'Encounter'
    | 'RelatedPerson'
    | 'PractitionerRole'
    | 'DeviceUseStatement'
    | 'Device'
    | 'Communication'
    | 'AuditEvent'
    | 'QuestionnaireResponse';
  readonly interaction: Extract<Interaction, 'read' | 'search-type'>;
  /** Reads the plan: answers `_at` (POINT_IN_TIME) with the plan as held then, through planOf. */
  readonly pointInTime?: boolean;
  /** The guide's profiles the resources conform to, for the CapabilityStatement. */
  readonly profiles: readonly string[];
  readonly searchParams: readonly SearchParam[];
  readonly includes: readonly string[];
  /** Other spellings of an include that the guide writes (its search 6 misspells DeviceUseStatement). */
  readonly includeAliases?: Readonly<Record<string, string>>;
  readonly documentation: string;
  /** The answer: a resource, or one already serialised (from the render cache). */
  readonly handle: (request: RouteRequest) => Promise<Resource | Rendered>;
}

/**
 * The point-in-time parameter of every route that reads the plan. FHIR R4 has no search parameter
 * for "as the server held it then"; `_at` is the name its history interaction gives the same
 * question (http.html#history), and the guide defines none.
 */
export const POINT_IN_TIME = {
  name: '_at',
  documentation:
    'An instant with offset (2026-03-09T14:00:00+01:00), not in the future: the answer as the registry held the plan ' +
    "then (corrections recorded later not applied). Access as for the plan's history: auditors and the patient's own " +
    'GP practice and regiebehandelaar, purpose TREATMENT, EMERGENCY or AUDIT; access-logged as a read as of that instant',
} as const;

/**
 * The valid-time parameter beside `_at`: the plan as agreed on a date, by the changes' own decision
 * dates (a plan agreed in 2020 and entered in 2026 answers for 2021). The guide defines none either.
 */
export const AGREED_ON = {
  name: 'agreed-on',
  documentation:
    'A date (2021-06-01), not after today: the answer from every change agreed on or before it (by its own decision ' +
    'date, as the registry knows it now). Access and access record as for _at; not together with _at',
} as const;

/**
 * The plan through the door, for every route that reads it: the current plan, with `_at` the plan
 * exactly as the registry held it then (the door's as-of read), with `agreed-on` the plan as agreed
 * on that date; each with its own policy and access record.
 */
const planOf = (r: RouteRequest, patient: string | { pseudonym: string }): Promise<PlanRecord | null> =>
  r.agreedOn
    ? r.records.agreedOn(patient, r.agreedOn, { purpose: r.access.purpose })
    : r.at
      ? r.records.asOf(patient, r.at, { purpose: r.access.purpose })
      : r.records.current(patient, r.access);

const DEFAULT_AUDIT_PAGE = 50;
const MAX_AUDIT_PAGE = 100;

const notFound = () => new FhirError(404, 'not-found', 'No resource with this id');

const patientParam: SearchParam = {
  name: 'patient',
  type: 'reference',
  required: true,
  documentation: 'The patient: <id> or Patient/<id>',
  value: PatientReference,
};

/** The plan of the `patient` searched, through the door; null when the registry holds none. */
async function searchedPlan(r: RouteRequest): Promise<PlanRecord | null> {
  const record = await planOf(r, { pseudonym: r.params.get('patient')! });
  return record?.view.patient ? record : null;
}

/**
 * The question a search asks, whatever the order or spelling of its query: the route, the values
 * as the route's schemas made them, the includes and the base (fullUrl carries it). JSON, so that
 * no value can run into the next.
 */
const questionOf = (type: string, r: RouteRequest) =>
  JSON.stringify([
    type,
    r.base,
    [...r.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    [...r.includes].sort(),
  ]);

/**
 * A search of the searched patient's plan. The door is asked on every request (the policy for this
 * caller, the access record made durable, the version the read model holds now); the answer for
 * the current plan is rendered once per version and question and then served from the cache. A
 * read of the past (`_at`, `agreed-on`) is rendered every time.
 */
async function planSearch(
  r: RouteRequest,
  type: FhirRoute['type'],
  render: (record: PlanRecord) => Resource,
): Promise<Resource | Rendered> {
  const record = await searchedPlan(r);
  if (!record) return searchset(r.base, []);
  if (r.at !== undefined || r.agreedOn !== undefined) return render(record);
  return r.cache.get(`${record.pseudonym} ${record.version} ${questionOf(type, r)}`, () => render(record));
}

/** Which Consents a search asks for: scope and category each narrow to treatment or advance directives. */
type ConsentKind = 'treatment' | 'adr';
const CONSENT_CATEGORY = z.union([
  exactToken(SYSTEM.snomed, TREATMENT_DIRECTIVE_CATEGORY).transform((): ConsentKind => 'treatment'),
  exactToken(SYSTEM.consentCategory, ADVANCE_DIRECTIVE_CATEGORY).transform((): ConsentKind => 'adr'),
]);

const consentKinds = (r: RouteRequest): Set<ConsentKind> =>
  new Set(
    (['treatment', 'adr'] as const).filter((k) =>
      [r.params.get('scope'), r.params.get('category')].every((v) => v === undefined || v === k),
    ),
  );

/** The plan as the national form (the guide's method 2): searched by subject and questionnaire, or read by its id. */
const FORM_ROUTES: readonly FhirRoute[] = [
  {
    type: 'QuestionnaireResponse',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [],
    documentation: `The plan as the national form ${ACP_FORM} (data-exchange page, method 2); one response per patient`,
    searchParams: [
      { ...patientParam, name: 'subject', documentation: 'The patient: <id> or Patient/<id>' },
      {
        name: 'questionnaire',
        type: 'reference',
        required: false,
        documentation: `${ACP_FORM} (optionally |<version>)`,
        value: z.string().refine((v) => v.split('|')[0] === ACP_FORM),
      },
    ],
    includes: [],
    async handle(r) {
      const record = await planOf(r, { pseudonym: r.params.get('subject')! });
      if (!record?.view.patient) return searchset(r.base, []);
      return searchset(r.base, [
        { resource: conversationForm(record.pseudonym, record.view), mode: 'match' },
      ]);
    },
  },
  {
    type: 'QuestionnaireResponse',
    interaction: 'read',
    pointInTime: true,
    profiles: [],
    documentation: 'The plan as the national form, by the id a search or an import returned',
    searchParams: [],
    includes: [],
    async handle(r) {
      const pseudonym = pseudonymOfScopedId(r.id);
      if (!pseudonym) throw notFound();
      const record = await planOf(r, { pseudonym });
      if (!record?.view.patient) throw notFound();
      const form = conversationForm(record.pseudonym, record.view);
      if (form.id !== r.id) throw notFound();
      return { ...form, meta: { versionId: String(record.version) } };
    },
  },
];

/**
 * A read of a resource the bundles reference, by its patient-scoped id: the id names the one
 * patient whose record is opened through the door (policy and access record as any read), and
 * only a resource that record references is returned.
 */
const referencedRead = (type: 'RelatedPerson' | 'PractitionerRole', profile: string): FhirRoute => ({
  type,
  interaction: 'read',
  pointInTime: true,
  profiles: [profile],
  documentation: `A ${type} a searchset references, by the id in that reference`,
  searchParams: [],
  includes: [],
  async handle(r) {
    const pseudonym = pseudonymOfScopedId(r.id);
    if (!pseudonym) throw notFound();
    const record = await planOf(r, { pseudonym });
    if (!record?.view.patient) throw notFound();
    const found = referencedResources(record.pseudonym, record.view).find(
      (x) => x.resourceType === type && x.id === r.id,
    );
    if (!found) throw notFound();
    return found;
  },
});

const includeActors = (record: PlanRecord, actors: readonly PartyResource[]): SearchEntry[] =>
  actors.map((actor) => ({
    resource: actor.resourceType === 'Patient' ? patientResource(record.pseudonym, record.view) : actor,
    mode: 'include',
  }));

/**
 * The FHIR API: every route it answers. The router dispatches only to these and the
 * CapabilityStatement is made from them, so what /metadata declares is what answers.
 */
export const ROUTES: readonly FhirRoute[] = [
  {
    type: 'Patient',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [PROFILE.patient],
    documentation:
      'The patient by BSN: the first request of every exchange (data-exchange page, "Patient Context")',
    searchParams: [
      {
        name: 'identifier',
        type: 'token',
        required: true,
        documentation: `${SYSTEM.bsn}|<BSN> (only the BSN system)`,
        value: BsnIdentifier,
      },
    ],
    includes: [],
    async handle(r) {
      const record = await planOf(r, r.params.get('identifier')!);
      const entries: SearchEntry[] = record?.view.patient
        ? [{ resource: patientResource(record.pseudonym, record.view), mode: 'match' }]
        : [];
      return searchset(r.base, entries);
    },
  },
  {
    type: 'Patient',
    interaction: 'read',
    pointInTime: true,
    profiles: [PROFILE.patient],
    documentation: 'The patient by logical id (the id a Patient search returned)',
    searchParams: [],
    includes: [],
    async handle(r) {
      if (!PatientId.safeParse(r.id).success) throw notFound();
      const record = await planOf(r, { pseudonym: r.id });
      if (!record?.view.patient) throw notFound();
      return patientResource(record.pseudonym, record.view);
    },
  },
  {
    type: 'Consent',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [PROFILE.treatmentDirective, PROFILE.advanceDirective],
    documentation:
      'Treatment directives (ACP-TreatmentDirective: scope treatment, category 129125009), current and ended (inactive), ' +
      'provisional ones with status proposed; advance directives (ACP-AdvanceDirective: scope adr, category acd) in force',
    searchParams: [
      patientParam,
      {
        name: 'scope',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.consentScope}|treatment or ${SYSTEM.consentScope}|adr`,
        value: oneOfTokens(SYSTEM.consentScope, ['treatment', 'adr']),
      },
      {
        name: 'category',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.snomed}|${TREATMENT_DIRECTIVE_CATEGORY} or ${SYSTEM.consentCategory}|${ADVANCE_DIRECTIVE_CATEGORY}`,
        value: CONSENT_CATEGORY,
      },
    ],
    includes: ['Consent:actor'],
    handle: (r) =>
      planSearch(r, 'Consent', (record) => {
        const kinds = consentKinds(r);
        const found = [
          ...(kinds.has('treatment') ? treatmentDirectives(record.pseudonym, record.view) : []),
          ...(kinds.has('adr') ? advanceDirectives(record.pseudonym, record.view) : []),
        ];
        const entries: SearchEntry[] = found.map((d) => ({ resource: d.consent, mode: 'match' }));
        if (r.includes.has('Consent:actor'))
          entries.push(
            ...includeActors(
              record,
              found.flatMap((d) => d.actors),
            ),
          );
        return searchset(r.base, entries);
      }),
  },
  {
    type: 'Goal',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [PROFILE.medicalPolicyGoal],
    documentation: 'The medical policy goal (ACP-Medical-Policy-Goal), data-exchange search 4',
    searchParams: [
      patientParam,
      {
        name: 'description',
        modifier: 'in',
        type: 'token',
        required: false,
        documentation: `${VALUE_SET.medicalPolicyGoal} (the R5 parameter the guide applies to R4)`,
        value: z.literal(VALUE_SET.medicalPolicyGoal),
      },
    ],
    includes: [],
    handle: (r) =>
      planSearch(r, 'Goal', (record) => {
        const goal = medicalPolicyGoal(record.pseudonym, record.view);
        return searchset(r.base, goal ? [{ resource: goal, mode: 'match' }] : []);
      }),
  },
  {
    type: 'Observation',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [
      PROFILE.specificCareWishes,
      PROFILE.preferredPlaceOfDeath,
      PROFILE.positionRegardingEuthanasia,
      PROFILE.otherImportantInformation,
      PROFILE.organDonationChoiceRegistration,
    ],
    documentation:
      'Specific care wishes, preferred place of death, position on euthanasia, other important information ' +
      '(data-exchange search 5) and the organ donation choice (ACP-OrganDonationChoiceRegistration)',
    searchParams: [
      patientParam,
      {
        name: 'code',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.snomed}|<code>[,<code>...] of ${OBSERVATION_CODES.join(', ')}`,
        value: tokenList(SYSTEM.snomed, OBSERVATION_CODES as [string, ...string[]]),
      },
    ],
    includes: [],
    handle: (r) =>
      planSearch(r, 'Observation', (record) => {
        const codes = r.params.get('code')?.split(',');
        const found = acpObservations(record.pseudonym, record.view).filter(
          (o) => !codes || codes.includes(o.code.coding![0]!.code!),
        );
        return searchset(
          r.base,
          found.map((o) => ({ resource: o, mode: 'match' })),
        );
      }),
  },
  {
    type: 'Procedure',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [PROFILE.procedure],
    documentation: 'The ACP conversations as ACP-Procedure (data-exchange search 1a), with their Encounter',
    searchParams: [
      patientParam,
      {
        name: 'code',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.snomed}|${ACP_PROCEDURE_CODE}`,
        value: exactToken(SYSTEM.snomed, ACP_PROCEDURE_CODE),
      },
    ],
    includes: ['Procedure:encounter'],
    handle: (r) =>
      planSearch(r, 'Procedure', (record) => {
        const found = conversations(record.pseudonym, record.view);
        const entries: SearchEntry[] = found.map((c) => ({ resource: c.procedure, mode: 'match' }));
        if (r.includes.has('Procedure:encounter'))
          entries.push(...found.map((c): SearchEntry => ({ resource: c.encounter, mode: 'include' })));
        return searchset(r.base, entries);
      }),
  },
  {
    type: 'Encounter',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [PROFILE.encounter],
    documentation:
      'The ACP conversations as ACP-Encounter (data-exchange search 1b); only those the patient attended have the patient as subject',
    searchParams: [
      patientParam,
      {
        name: 'reason-reference',
        modifier: 'Procedure.code',
        type: 'reference',
        required: false,
        documentation: `Chained to the reason's code: ${SYSTEM.snomed}|${ACP_PROCEDURE_CODE}`,
        value: exactToken(SYSTEM.snomed, ACP_PROCEDURE_CODE),
      },
    ],
    includes: ['Encounter:reason-reference'],
    handle: (r) =>
      planSearch(r, 'Encounter', (record) => {
        // `patient` searches Encounter.subject: a conversation without the patient is not found (guide, 1b).
        const found = conversations(record.pseudonym, record.view).filter((c) => c.encounter.subject);
        const entries: SearchEntry[] = found.map((c) => ({ resource: c.encounter, mode: 'match' }));
        if (r.includes.has('Encounter:reason-reference'))
          entries.push(...found.map((c): SearchEntry => ({ resource: c.procedure, mode: 'include' })));
        return searchset(r.base, entries);
      }),
  },
  referencedRead('RelatedPerson', PROFILE.contactPerson),
  referencedRead('PractitionerRole', PROFILE.healthProfessionalRole),
  ...FORM_ROUTES,
  {
    type: 'DeviceUseStatement',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [DEVICE_PROFILE.medicalDevice],
    documentation:
      'The ICD (ACP-MedicalDevice, data-exchange search 6) with its Device: stated when the plan holds the ICD ' +
      'deactivation answer, which the national form asks only of a patient with an ICD. The registry records no more ' +
      'of the device than that: no product id, type beyond ICD, dates, indication or body site',
    searchParams: [
      patientParam,
      {
        name: 'device',
        key: 'device.type:in',
        type: 'reference',
        required: false,
        documentation: `Chained to the device's type, with :in only: device.type:in=${ICD_PRODUCT_TYPE_VALUE_SET}`,
        value: z.literal(ICD_PRODUCT_TYPE_VALUE_SET),
      },
    ],
    includes: ['DeviceUseStatement:device'],
    includeAliases: { 'DeviceUseSatement:device': 'DeviceUseStatement:device' },
    handle: (r) =>
      planSearch(r, 'DeviceUseStatement', (record) => {
        const icd = icdDeviceUse(record.pseudonym, record.view);
        if (!icd) return searchset(r.base, []);
        const entries: SearchEntry[] = [{ resource: icd.statement, mode: 'match' }];
        if (r.includes.has('DeviceUseStatement:device'))
          entries.push({ resource: icd.device, mode: 'include' });
        return searchset(r.base, entries);
      }),
  },
  {
    type: 'Device',
    interaction: 'read',
    pointInTime: true,
    profiles: [DEVICE_PROFILE.productIcd],
    documentation: 'The ICD a DeviceUseStatement references, by the id in that reference',
    searchParams: [],
    includes: [],
    async handle(r) {
      const pseudonym = pseudonymOfScopedId(r.id);
      if (!pseudonym) throw notFound();
      const record = await planOf(r, { pseudonym });
      const icd = record?.view.patient ? icdDeviceUse(record.pseudonym, record.view) : undefined;
      if (icd?.device.id !== r.id) throw notFound();
      return icd.device;
    },
  },
  {
    type: 'Communication',
    interaction: 'search-type',
    pointInTime: true,
    profiles: [COMMUNICATION_PROFILE],
    documentation:
      'ACP-Communication (data-exchange search 7): per conversation that answered form question 1200, whether the ' +
      'patient was told to discuss the agreements with their relatives (completed; not-done when not)',
    searchParams: [
      patientParam,
      {
        name: 'reason-code',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.snomed}|${COMMUNICATION_REASON_CODE} (the guide's SearchParameter Communication-reason-code)`,
        value: exactToken(SYSTEM.snomed, COMMUNICATION_REASON_CODE),
      },
    ],
    includes: [],
    handle: (r) =>
      planSearch(r, 'Communication', (record) =>
        searchset(
          r.base,
          acpCommunications(record.pseudonym, record.view).map((c) => ({ resource: c, mode: 'match' })),
        ),
      ),
  },
  {
    type: 'AuditEvent',
    interaction: 'search-type',
    profiles: [],
    documentation:
      "The patient's NEN 7513 access log, oldest first, one AuditEvent per access record (IHE BALP style). " +
      'For auditors, as GraphQL accessLog: purpose AUDIT (other purposes are refused), and the read is access-logged. ' +
      'Pages of _count (at most 100) follow Bundle.link next; the date filter applies within each page',
    searchParams: [
      patientParam,
      {
        name: 'date',
        type: 'date',
        required: false,
        repeats: 2,
        documentation:
          'When it was recorded: [eq|ge|le|gt|lt]<YYYY-MM-DD (Amsterdam) or instant with offset>; given twice, both apply',
        value: DateSearch,
      },
      {
        name: '_count',
        type: 'number',
        required: false,
        documentation: `Records per page, 1 to ${MAX_AUDIT_PAGE} (default ${DEFAULT_AUDIT_PAGE})`,
        value: countOf(MAX_AUDIT_PAGE),
      },
      {
        name: 'page-after',
        type: 'string',
        required: false,
        documentation: 'Opaque: the position a next link carries',
        value: PagePosition,
      },
    ],
    includes: [],
    async handle(r) {
      if (r.access.purpose !== 'AUDIT' && r.access.explicitPurpose)
        throw new FhirError(400, 'value', 'The access log is read for the purpose AUDIT only');
      const pseudonym = r.params.get('patient')!;
      const limit = Number(r.params.get('_count') ?? DEFAULT_AUDIT_PAGE);
      const after = r.params.get('page-after');
      const page = await r.records.accessLog(
        { pseudonym },
        { after: after === undefined ? undefined : BigInt(after), limit },
      );
      const filters = (r.values.get('date') ?? []).map((v) => dateFilterOf(v)!);
      const entries: SearchEntry[] = page.items
        .filter((row) => filters.every((f) => inDateRange(Date.parse(row.record.at), f)))
        .map((row) => ({ resource: auditEvent(row.record), mode: 'match' }));
      const query = (position?: bigint) => {
        const q = new URLSearchParams({ patient: pseudonym });
        for (const d of r.values.get('date') ?? []) q.append('date', d);
        q.set('_count', String(limit));
        if (position !== undefined) q.set('page-after', position.toString());
        return `${r.base}/AuditEvent?${q.toString()}`;
      };
      const last = page.items.at(-1);
      // `total` would count every match of every page, which one page of the log cannot know.
      const { total: _pageOnly, ...bundle } = searchset(r.base, entries);
      return {
        ...bundle,
        link: [
          { relation: 'self', url: query(after === undefined ? undefined : BigInt(after)) },
          ...(page.hasMore && last ? [{ relation: 'next', url: query(last.position) }] : []),
        ],
      };
    },
  },
];
