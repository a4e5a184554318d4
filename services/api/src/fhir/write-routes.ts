import { randomUUID } from 'node:crypto';
import { VersionConflictError, type ChangeResult, type PatientRecords } from '@pzp/access';
import { Bsn, DomainError, type Actor, type PlanView } from '@pzp/domain';
import {
  advanceDirectiveId,
  advanceDirectives,
  commandOfConsent,
  consentCommandType,
  consentIdFor,
  ConsentRefused,
  conversationForm,
  conversationFromForm,
  FormResponse,
  icdDeactivationId,
  IncomingConsent,
  SYSTEM,
  treatmentDirectives,
  type ConsentCommand,
  type FormIssue,
  type Resource,
} from '@pzp/fhir';
import { z } from 'zod';
import { FhirError } from './outcome.js';
import { PatientId } from './params.js';

/**
 * The FHIR API's writes: the national form (a QuestionnaireResponse on Questionnaire/ACP-zib2020)
 * comes in alone or in a transaction Bundle with its Patient, and becomes one RecordConversation
 * through the same door, decider and rules as GraphQL's. The author is the token's, never the
 * resource's; the plan's version is the ETag and If-Match is the expected version.
 */

export interface WriteRequest {
  readonly records: PatientRecords;
  readonly actor: Actor;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** The logical id of an update (PUT). */
  readonly id: string;
  /** The plan version If-Match names; undefined when the request has none. */
  readonly ifMatch: number | undefined;
  readonly base: string;
}

export interface WriteResponse {
  readonly status: number;
  readonly resource: Resource;
  readonly location?: string;
  readonly etag?: string;
}

export interface FhirWriteRoute {
  /** The resource type posted to; undefined for the base (a transaction). */
  readonly type: 'QuestionnaireResponse' | 'Consent' | undefined;
  readonly interaction: 'create' | 'update' | 'transaction';
  readonly profiles: readonly string[];
  readonly documentation: string;
  readonly handle: (request: WriteRequest) => Promise<WriteResponse>;
}

/** `If-Match: W/"<version>"` (or without W/): the plan version the client read. */
export function ifMatchOf(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  if (!match)
    throw new FhirError(400, 'invalid', 'If-Match must be W/"<version>", the ETag of the plan read');
  return Number(match[1]);
}

export const etagOf = (version: number) => `W/"${version}"`;

/** Every problem with the form as one OperationOutcome, each issue naming its linkId. */
const formRefused = (issues: readonly FormIssue[]) =>
  new FhirError(
    422,
    'invalid',
    'The form was not recorded: see the issues',
    undefined,
    issues.map((i) => ({
      diagnostics: i.message,
      expression: i.linkId
        ? [`QuestionnaireResponse.item.descendants().where(linkId='${i.linkId}')`]
        : ['QuestionnaireResponse'],
    })),
  );

class FormRefusedError extends Error {
  constructor(readonly issues: readonly FormIssue[]) {
    super('The form was refused');
  }
}

const PatientResource = z.object({
  resourceType: z.literal('Patient'),
  identifier: z
    .array(z.object({ system: z.string().optional(), value: z.string().optional() }))
    .max(20)
    .optional(),
  name: z
    .array(
      z.object({
        text: z.string().max(200).optional(),
        given: z.array(z.string().max(100)).max(10).optional(),
        prefix: z.array(z.string().max(50)).max(5).optional(),
        family: z.string().max(200).optional(),
      }),
    )
    .max(10)
    .optional(),
  birthDate: z.string().max(10).optional(),
});
type PatientResource = z.infer<typeof PatientResource>;

/** The BSN a resource names with the BSN system; a missing or invalid one is refused without echoing it. */
function bsnOf(
  identifiers: readonly { system?: string | undefined; value?: string | undefined }[] | undefined,
  where: string,
): string {
  const value = identifiers?.find((i) => i.system === SYSTEM.bsn)?.value;
  if (value === undefined)
    throw new FhirError(
      422,
      'required',
      `${where} must carry the patient's BSN (identifier system ${SYSTEM.bsn})`,
    );
  const bsn = Bsn.safeParse(value);
  if (!bsn.success) throw new FhirError(422, 'value', `${where}: the BSN is not a valid BSN`);
  return bsn.data;
}

const nameOf = (p: PatientResource): string | undefined => {
  const n = p.name?.[0];
  if (!n) return undefined;
  const text = n.text?.trim() || [...(n.given ?? []), n.family].filter(Boolean).join(' ').trim();
  return text || undefined;
};

function parseForm(resource: unknown): FormResponse {
  const form = FormResponse.safeParse(resource);
  if (form.success) return form.data;
  const issue = form.error.issues[0]!;
  throw new FhirError(
    422,
    'structure',
    `Not a QuestionnaireResponse this server reads (at ${issue.path.join('.') || 'the resource'})`,
  );
}

/**
 * Records the form as one conversation. The command is made from the plan as the door holds it
 * (a follow-up form names the same people), and a rule the domain refuses is named by its linkId.
 */
async function recordForm(
  r: WriteRequest,
  form: FormResponse,
  patient: { bsn: string; name?: string | undefined; birthDate?: string | undefined },
): Promise<{ result: ChangeResult; view: PlanView; pseudonym: string }> {
  let linkIdOf: ((path: readonly (string | number)[]) => string | undefined) | undefined;
  const result = await r.records
    .change(patient.bsn, {
      expectedVersion: r.ifMatch,
      type: 'RecordConversation',
      data: (current: PlanView | null) => {
        const read = conversationFromForm(form, { actor: r.actor, patient, newId: randomUUID, current });
        if (!read.ok) throw new FormRefusedError(read.issues);
        linkIdOf = read.linkIdOf;
        return read.command;
      },
    })
    .catch((e: unknown) => {
      if (e instanceof FormRefusedError) throw formRefused(e.issues);
      throw changeRefused(e, r.ifMatch, (path) => {
        const linkId = linkIdOf?.(path);
        return linkId
          ? `QuestionnaireResponse.item.descendants().where(linkId='${linkId}')`
          : 'QuestionnaireResponse';
      });
    });
  if (!result.record) throw new FhirError(409, 'conflict', 'The record was voided');
  return { result, view: result.record.view, pseudonym: result.record.pseudonym };
}

/**
 * A refusal of the change in FHIR's terms: a rule of the domain is a 422 naming where (`where`
 * maps the command's field path to the resource), a refusal by role a 403, a stale If-Match a 412,
 * a plan that exists when none was expected a 409.
 */
function changeRefused(
  e: unknown,
  ifMatch: number | undefined,
  where: (path: readonly (string | number)[]) => string,
): unknown {
  if (e instanceof DomainError && e.code === 'INVALID')
    return new FhirError(422, 'invalid', 'Not recorded: see the issues', undefined, [
      { diagnostics: e.message, expression: [where(e.path)] },
    ]);
  if (e instanceof DomainError && e.code === 'NOT_FOUND') return new FhirError(404, 'not-found', e.message);
  if (e instanceof DomainError && e.code === 'FORBIDDEN')
    return new FhirError(403, 'forbidden', e.message, e.reason);
  if (e instanceof VersionConflictError) {
    if (ifMatch === undefined)
      return new FhirError(
        409,
        'conflict',
        'The registry holds a plan for this patient: send If-Match with the version read',
      );
    return new FhirError(
      412,
      'conflict',
      e.actualVersion < 0 ? 'The registry holds no plan for this patient' : e.message,
    );
  }
  return e;
}

const sameTreatment = (
  c: { provision?: { code?: { coding?: { code?: string }[]; text?: string }[] } },
  command: ConsentCommand,
) => {
  if (command.type !== 'WithdrawTreatmentDirective') return false;
  const t = command.data.treatment as { code: string; text?: string };
  const code = c.provision?.code?.[0];
  return t.code === 'OTH' ? code?.text === t.text : code?.coding?.[0]?.code === t.code;
};

const created = (r: WriteRequest, pseudonym: string, view: PlanView, version: number) => {
  const form = conversationForm(pseudonym, view);
  return {
    form: { ...form, meta: { versionId: String(version) } },
    location: `${r.base}/QuestionnaireResponse/${form.id}/_history/${version}`,
    etag: etagOf(version),
  };
};

const Transaction = z.object({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z
    .array(
      z.object({
        fullUrl: z.string().max(500).optional(),
        resource: z.object({ resourceType: z.string().max(64) }).passthrough(),
        request: z.object({ method: z.string(), url: z.string().max(500) }).optional(),
      }),
    )
    .max(20),
});

/** What a transaction may hold besides the Patient and the form: the people the form references, read with it. */
const REFERENCED_TYPES = new Set(['Practitioner', 'PractitionerRole', 'RelatedPerson']);

/** Where in a Consent each field of its command came from, for a refusal by the domain's rules. */
const CONSENT_FIELD: Readonly<Record<string, string>> = {
  treatment: 'Consent.provision.code',
  decision: 'Consent.provision.type',
  specification: 'Consent.modifierExtension',
  decidedOn: 'Consent.dateTime',
  endedOn: 'Consent.provision.period.end',
  parties: 'Consent.provision.actor',
  type: 'Consent.provision.code',
  date: 'Consent.dateTime',
  answer: 'Consent.provision.type',
};

/** The patient a Consent is about: `Patient/<id>` as this registry hands out, or the BSN as identifier. */
function consentPatient(c: IncomingConsent): string | { pseudonym: string } {
  const ref = c.patient.reference;
  if (ref !== undefined) {
    const id = ref.startsWith('Patient/') ? ref.slice('Patient/'.length) : undefined;
    if (!id || !PatientId.safeParse(id).success)
      throw new FhirError(
        422,
        'value',
        'Consent.patient must be Patient/<id> as this server returns it, or the BSN as identifier',
      );
    return { pseudonym: id };
  }
  return bsnOf(c.patient.identifier ? [c.patient.identifier] : undefined, 'Consent.patient');
}

/**
 * A single Consent as the command it means (consent-import.ts), through the door with the plan's
 * version from If-Match, which is required: a directive changes a plan that exists. An update (PUT)
 * must name the id the registry gives that treatment's directive.
 */
async function writeConsent(r: WriteRequest, update: boolean): Promise<WriteResponse> {
  const parsed = IncomingConsent.safeParse(r.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FhirError(
      422,
      'structure',
      `Not a Consent this server reads (at ${issue.path.join('.') || 'the resource'})`,
    );
  }
  const consent = parsed.data;
  if (update && consent.id !== undefined && consent.id !== r.id)
    throw new FhirError(400, 'invalid', 'The resource id differs from the id in the URL');
  if (r.ifMatch === undefined)
    throw new FhirError(428, 'conflict', 'If-Match is required: W/"<version>", the ETag of the plan read');
  const refusedAs = (e: ConsentRefused) =>
    new FhirError(422, 'invalid', 'The Consent was not recorded: see the issues', undefined, [
      { diagnostics: e.message, expression: [e.expression] },
    ]);
  let type: ConsentCommand['type'];
  try {
    type = consentCommandType(consent);
  } catch (e) {
    if (e instanceof ConsentRefused) throw refusedAs(e);
    throw e;
  }
  if (update && (type === 'RegisterAdvanceDirective' || type === 'AnswerIcdDeactivation'))
    throw new FhirError(405, 'not-supported', 'Only a treatment directive is updated by id; POST this one');
  let command: ConsentCommand | undefined;
  const result = await r.records
    .change(consentPatient(consent), {
      expectedVersion: r.ifMatch,
      type,
      data: (current: PlanView | null, pseudonym: string) => {
        if (!current)
          throw new FhirError(
            404,
            'not-found',
            'The registry holds no plan for this patient: send the national form first',
          );
        command = commandOfConsent(consent, { pseudonym, view: current, actor: r.actor, newId: randomUUID });
        if (update && consentIdFor(pseudonym, command) !== r.id)
          throw new FhirError(
            400,
            'invalid',
            'This id is not the directive for the treatment the Consent carries',
          );
        return command.data;
      },
    })
    .catch((e: unknown) => {
      if (e instanceof ConsentRefused) throw refusedAs(e);
      throw changeRefused(e, r.ifMatch, (path) => CONSENT_FIELD[String(path[0])] ?? 'Consent');
    });
  if (!result.record || !command) throw new FhirError(409, 'conflict', 'The record was voided');
  const { pseudonym, view } = result.record;
  const id =
    command.type === 'RegisterAdvanceDirective'
      ? advanceDirectiveId(pseudonym, command.data.advanceDirectiveId)
      : command.type === 'AnswerIcdDeactivation'
        ? icdDeactivationId(pseudonym)
        : consentIdFor(pseudonym, command);
  const served = [...treatmentDirectives(pseudonym, view), ...advanceDirectives(pseudonym, view)].map(
    (d) => d.consent,
  );
  // A withdrawn directive is served as an ended one (its own id); the answer is then the ended Consent.
  const resource =
    served.find((c) => c.id === id) ??
    served.find(
      (c) =>
        c.status === 'inactive' &&
        command?.type === 'WithdrawTreatmentDirective' &&
        sameTreatment(c, command),
    );
  if (!resource)
    throw new FhirError(500, 'exception', 'The change was recorded but its Consent is not served');
  return {
    status: update ? 200 : 201,
    resource: { ...resource, meta: { ...resource.meta, versionId: String(result.version) } },
    location: `${r.base}/Consent/${resource.id}/_history/${result.version}`,
    etag: etagOf(result.version),
  };
}

export const WRITE_ROUTES: readonly FhirWriteRoute[] = [
  {
    type: 'Consent',
    interaction: 'create',
    profiles: [],
    documentation:
      'An ACP-TreatmentDirective (permit, deny, or the conditions in SpecificationOther; inactive with period.end and ' +
      'ReasonForEnding ends it; the ICD agreement as the guide codes it), a zib 2017 TreatmentDirective ' +
      '(BehandelingToegestaan JA / NEE / JA_MAAR with Beperkingen, stored as zib 2020), or an ACP-AdvanceDirective, ' +
      'for a plan that exists (patient Patient/<id> or the BSN as identifier). If-Match: W/"<version>" is required (428 without, ' +
      '412 when stale). Agreement parties: the Patient and the RelatedPerson/PractitionerRole ids this server returns; ' +
      'without a professional among them, the caller is that party',
    async handle(r) {
      return writeConsent(r, false);
    },
  },
  {
    type: 'Consent',
    interaction: 'update',
    profiles: [],
    documentation:
      "A treatment directive by the id this server gives that treatment's current directive; as create otherwise",
    async handle(r) {
      return writeConsent(r, true);
    },
  },
  {
    type: 'QuestionnaireResponse',
    interaction: 'create',
    profiles: [],
    documentation:
      'The national form (Questionnaire/ACP-zib2020) whose subject carries the BSN as identifier: recorded as one conversation. ' +
      'If-Match: W/"<version>" to add to an existing plan (412 when it changed); without it only a new plan is made (409 when one exists). ' +
      'A form the rules refuse is a 422 naming every offending linkId and changes nothing',
    async handle(r) {
      const form = parseForm(r.body);
      const bsn = bsnOf(
        form.subject?.identifier ? [form.subject.identifier] : undefined,
        'QuestionnaireResponse.subject',
      );
      const { result, view, pseudonym } = await recordForm(r, form, { bsn });
      const out = created(r, pseudonym, view, result.version);
      return { status: 201, resource: out.form, location: out.location, etag: out.etag };
    },
  },
  {
    type: undefined,
    interaction: 'transaction',
    profiles: [],
    documentation:
      'A transaction Bundle with the Patient (BSN identifier) and the national form about it (subject: the Patient entry), ' +
      'optionally the Practitioner, PractitionerRole and RelatedPerson the form references (read with the form, not stored apart). ' +
      'All or nothing: one conversation, the Patient and form answered in the transaction-response',
    async handle(r) {
      const parsed = Transaction.safeParse(r.body);
      if (!parsed.success) throw new FhirError(422, 'structure', 'Expected a Bundle of type transaction');
      const bundle = parsed.data;
      if (bundle.type !== 'transaction')
        throw new FhirError(422, 'not-supported', 'Only a transaction Bundle is accepted at the base');
      const patients = bundle.entry.filter((e) => e.resource.resourceType === 'Patient');
      const forms = bundle.entry.filter((e) => e.resource.resourceType === 'QuestionnaireResponse');
      const others = bundle.entry.filter(
        (e) => !['Patient', 'QuestionnaireResponse'].includes(e.resource.resourceType),
      );
      if (patients.length !== 1 || forms.length !== 1)
        throw new FhirError(
          422,
          'invalid',
          'A transaction holds exactly one Patient and one QuestionnaireResponse',
        );
      if (others.some((e) => !REFERENCED_TYPES.has(e.resource.resourceType)))
        throw new FhirError(
          422,
          'not-supported',
          `Besides the Patient and the form a transaction may hold only ${[...REFERENCED_TYPES].join(', ')}`,
        );
      const patientEntry = patients[0]!;
      const patient = PatientResource.safeParse(patientEntry.resource);
      if (!patient.success)
        throw new FhirError(422, 'structure', 'The Patient entry is not a Patient this server reads');
      const form = parseForm(forms[0]!.resource);
      const subject = form.subject?.reference;
      if (subject !== undefined && subject !== patientEntry.fullUrl)
        throw new FhirError(
          422,
          'invalid',
          'The form\u2019s subject must reference the Patient entry (its fullUrl)',
        );
      const bsn = bsnOf(patient.data.identifier, 'Patient');
      const { result, view, pseudonym } = await recordForm(r, form, {
        bsn,
        name: nameOf(patient.data),
        birthDate: patient.data.birthDate,
      });
      const out = created(r, pseudonym, view, result.version);
      return {
        status: 200,
        resource: {
          resourceType: 'Bundle',
          type: 'transaction-response',
          entry: bundle.entry.map((e) => {
            if (e.resource.resourceType === 'Patient')
              return {
                response: {
                  status: '200 OK',
                  location: `Patient/${pseudonym}`,
                  etag: etagOf(result.version),
                },
              };
            if (e.resource.resourceType === 'QuestionnaireResponse')
              return {
                resource: out.form,
                response: { status: '201 Created', location: out.location, etag: out.etag },
              };
            return {
              response: {
                status: '200 OK',
                outcome: {
                  resourceType: 'OperationOutcome',
                  issue: [
                    {
                      severity: 'information',
                      code: 'informational',
                      diagnostics:
                        'Accepted with the form, not stored: the registry records the people as the form names them',
                    },
                  ],
                },
              },
            };
          }),
        },
      };
    },
  },
];
