import type { PatientRecords, PlanRecord } from '@pzp/access';
import type { AccessPurpose } from '@pzp/domain';
import {
  ACP_PROCEDURE_CODE,
  acpObservations,
  ADVANCE_DIRECTIVE_CATEGORY,
  advanceDirectives,
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
} from '@pzp/fhir';
import { z } from 'zod';
import { FhirError } from './outcome.js';
import { BsnIdentifier, exactToken, oneOfTokens, PatientId, PatientReference, tokenList } from './params.js';

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
  readonly type: 'token' | 'reference';
  readonly documentation: string;
  /** The one modifier the parameter is searched with (`description:in`), if the guide uses one. */
  readonly modifier?: string;
  readonly required: boolean;
  /** The raw value to what the handler gets; a value it refuses is a 400. */
  readonly value: z.ZodType<string, string>;
}

/** What a handler gets: the caller's records through the door, and the request, parsed. */
export interface RouteRequest {
  readonly records: PatientRecords;
  readonly access: { readonly purpose: AccessPurpose; readonly breakGlassReason?: string | undefined };
  /** The logical id of a read. */
  readonly id: string;
  /** Search parameter values by name, as the route's schemas made them. */
  readonly params: ReadonlyMap<string, string>;
  readonly includes: ReadonlySet<string>;
  /** The absolute base of the FHIR API, for fullUrl. */
  readonly base: string;
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
    | 'PractitionerRole';
  readonly interaction: Extract<Interaction, 'read' | 'search-type'>;
  /** The guide's profiles the resources conform to, for the CapabilityStatement. */
  readonly profiles: readonly string[];
  readonly searchParams: readonly SearchParam[];
  readonly includes: readonly string[];
  readonly documentation: string;
  readonly handle: (request: RouteRequest) => Promise<Resource>;
}

const current = (r: RouteRequest, patient: string | { pseudonym: string }): Promise<PlanRecord | null> =>
  r.records.current(patient, r.access);

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
  const record = await current(r, { pseudonym: r.params.get('patient')! });
  return record?.view.patient ? record : null;
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

/**
 * A read of a resource the bundles reference, by its patient-scoped id: the id names the one
 * patient whose record is opened through the door (policy and access record as any read), and
 * only a resource that record references is returned.
 */
const referencedRead = (type: 'RelatedPerson' | 'PractitionerRole', profile: string): FhirRoute => ({
  type,
  interaction: 'read',
  profiles: [profile],
  documentation: `A ${type} a searchset references, by the id in that reference`,
  searchParams: [],
  includes: [],
  async handle(r) {
    const pseudonym = pseudonymOfScopedId(r.id);
    if (!pseudonym) throw notFound();
    const record = await current(r, { pseudonym });
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
      const record = await current(r, r.params.get('identifier')!);
      const entries: SearchEntry[] = record?.view.patient
        ? [{ resource: patientResource(record.pseudonym, record.view), mode: 'match' }]
        : [];
      return searchset(r.base, entries);
    },
  },
  {
    type: 'Patient',
    interaction: 'read',
    profiles: [PROFILE.patient],
    documentation: 'The patient by logical id (the id a Patient search returned)',
    searchParams: [],
    includes: [],
    async handle(r) {
      if (!PatientId.safeParse(r.id).success) throw notFound();
      const record = await current(r, { pseudonym: r.id });
      if (!record?.view.patient) throw notFound();
      return patientResource(record.pseudonym, record.view);
    },
  },
  {
    type: 'Consent',
    interaction: 'search-type',
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
    async handle(r) {
      const record = await searchedPlan(r);
      if (!record) return searchset(r.base, []);
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
    },
  },
  {
    type: 'Goal',
    interaction: 'search-type',
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
    async handle(r) {
      const record = await searchedPlan(r);
      const goal = record && medicalPolicyGoal(record.pseudonym, record.view);
      return searchset(r.base, goal ? [{ resource: goal, mode: 'match' }] : []);
    },
  },
  {
    type: 'Observation',
    interaction: 'search-type',
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
    async handle(r) {
      const record = await searchedPlan(r);
      if (!record) return searchset(r.base, []);
      const codes = r.params.get('code')?.split(',');
      const found = acpObservations(record.pseudonym, record.view).filter(
        (o) => !codes || codes.includes(o.code.coding![0]!.code!),
      );
      return searchset(
        r.base,
        found.map((o) => ({ resource: o, mode: 'match' })),
      );
    },
  },
  {
    type: 'Procedure',
    interaction: 'search-type',
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
    async handle(r) {
      const record = await searchedPlan(r);
      if (!record) return searchset(r.base, []);
      const found = conversations(record.pseudonym, record.view);
      const entries: SearchEntry[] = found.map((c) => ({ resource: c.procedure, mode: 'match' }));
      if (r.includes.has('Procedure:encounter'))
        entries.push(...found.map((c): SearchEntry => ({ resource: c.encounter, mode: 'include' })));
      return searchset(r.base, entries);
    },
  },
  {
    type: 'Encounter',
    interaction: 'search-type',
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
    async handle(r) {
      const record = await searchedPlan(r);
      if (!record) return searchset(r.base, []);
      // `patient` searches Encounter.subject: a conversation without the patient is not found (guide, 1b).
      const found = conversations(record.pseudonym, record.view).filter((c) => c.encounter.subject);
      const entries: SearchEntry[] = found.map((c) => ({ resource: c.encounter, mode: 'match' }));
      if (r.includes.has('Encounter:reason-reference'))
        entries.push(...found.map((c): SearchEntry => ({ resource: c.procedure, mode: 'include' })));
      return searchset(r.base, entries);
    },
  },
  referencedRead('RelatedPerson', PROFILE.contactPerson),
  referencedRead('PractitionerRole', PROFILE.healthProfessionalRole),
];
