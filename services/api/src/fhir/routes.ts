import type { PatientRecords, PlanRecord } from '@pzp/access';
import type { AccessPurpose } from '@pzp/domain';
import {
  patientResource,
  PROFILE,
  searchset,
  SYSTEM,
  TREATMENT_DIRECTIVE_CATEGORY,
  treatmentDirectives,
  type Resource,
  type SearchEntry,
} from '@pzp/fhir';
import type { z } from 'zod';
import { FhirError } from './outcome.js';
import { BsnIdentifier, exactToken, PatientId, PatientReference } from './params.js';

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
  readonly type: 'Patient' | 'Consent';
  readonly interaction: Extract<Interaction, 'read' | 'search-type'>;
  /** The guide's profile the resources conform to, for the CapabilityStatement. */
  readonly profile: string;
  readonly searchParams: readonly SearchParam[];
  readonly includes: readonly string[];
  readonly documentation: string;
  readonly handle: (request: RouteRequest) => Promise<Resource>;
}

const current = (r: RouteRequest, patient: string | { pseudonym: string }): Promise<PlanRecord | null> =>
  r.records.current(patient, r.access);

const notFound = () => new FhirError(404, 'not-found', 'No resource with this id');

/**
 * The FHIR API: every route it answers. The router dispatches only to these and the
 * CapabilityStatement is made from them, so what /metadata declares is what answers.
 */
export const ROUTES: readonly FhirRoute[] = [
  {
    type: 'Patient',
    interaction: 'search-type',
    profile: PROFILE.patient,
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
    profile: PROFILE.patient,
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
    profile: PROFILE.treatmentDirective,
    documentation:
      'Treatment directives (ACP-TreatmentDirective), current and ended (inactive); provisional ones have status proposed',
    searchParams: [
      {
        name: 'patient',
        type: 'reference',
        required: true,
        documentation: 'The patient: <id> or Patient/<id>',
        value: PatientReference,
      },
      {
        name: 'scope',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.consentScope}|treatment (advance directives, scope adr, are not served yet)`,
        value: exactToken(SYSTEM.consentScope, 'treatment'),
      },
      {
        name: 'category',
        type: 'token',
        required: false,
        documentation: `${SYSTEM.snomed}|${TREATMENT_DIRECTIVE_CATEGORY}`,
        value: exactToken(SYSTEM.snomed, TREATMENT_DIRECTIVE_CATEGORY),
      },
    ],
    includes: ['Consent:actor'],
    async handle(r) {
      const record = await current(r, { pseudonym: r.params.get('patient')! });
      if (!record?.view.patient) return searchset(r.base, []);
      const directives = treatmentDirectives(record.pseudonym, record.view);
      const entries: SearchEntry[] = directives.map((d) => ({ resource: d.consent, mode: 'match' }));
      if (r.includes.has('Consent:actor')) {
        for (const actor of directives.flatMap((d) => d.actors)) {
          entries.push({
            resource:
              actor.resourceType === 'Patient' ? patientResource(record.pseudonym, record.view) : actor,
            mode: 'include',
          });
        }
      }
      return searchset(r.base, entries);
    },
  },
];
