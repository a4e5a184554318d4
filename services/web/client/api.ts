/**
 * The client's only way to the registry: the public GraphQL API with the caller's token, as any
 * integrator would call it. Answers are parsed with zod before the screen reads them.
 */
import { z } from 'zod';

const ORGANIZATION = 'organization { name type }';
const PROVENANCE = `provenance { recordedAt byRegiebehandelaar recordedBy { name profession ${ORGANIZATION} } }`;
const AGREEMENT = `__typename
  ... on Perform { specification }
  ... on DoNotPerform { specification }
  ... on OnlyUnderConditions { conditions }`;
const PARTIES = 'parties { kind name profession relationship }';
const CONTACT = 'contactId name role roleDisplay relationship phone';

/** The plan fields every screen that shows a plan reads (planView's input). */
const RECORD_FIELDS = `version asOf accessFlagged lastDiscussedOn reviewDueOn
    patient { bsn name birthDate }
    treatmentDirectives {
      key status summary decidedOn comment
      treatment { code text display }
      agreement { ${AGREEMENT} }
      ${PARTIES}
      ${PROVENANCE}
      confirmation { confirmedOn by { recordedBy { name } } }
      pendingRevision { decidedOn agreement { ${AGREEMENT} } provenance { recordedBy { name profession } } }
    }
    medicalPolicyGoal { display decidedOn }
    preferredPlaceOfDeath { code text display decidedOn }
    icd { value comment decidedOn }
    icdDeactivation { value decidedOn }
    capacity { hasCapacity assessedOn }
    contactPersons { ${CONTACT} }
    representatives { ${CONTACT} }
    regiebehandelaar { from practitioner { name profession } ${ORGANIZATION} }
    registeredGpPractice { from practice { name } }
    warnings { code message subject }`;

export const EMERGENCY_QUERY = `query Spoedoverzicht($bsn: BSN!, $purpose: AccessPurpose, $reason: String) {
  pzp(bsn: $bsn, purpose: $purpose, breakGlassReason: $reason) { ${RECORD_FIELDS} }
}`;

export const ME_QUERY = `query Me { me { name profession ${ORGANIZATION} } }`;

const Organization = z.object({ name: z.string(), type: z.string() });
const Actor = z.object({ name: z.string(), profession: z.string(), organization: Organization });

const Agreement = z.discriminatedUnion('__typename', [
  z.object({ __typename: z.literal('Perform'), specification: z.string().nullable() }),
  z.object({ __typename: z.literal('DoNotPerform'), specification: z.string().nullable() }),
  z.object({ __typename: z.literal('OnlyUnderConditions'), conditions: z.string().min(1) }),
]);
export type Agreement = z.infer<typeof Agreement>;

const Party = z.object({
  kind: z.string(),
  name: z.string().nullable(),
  profession: z.string().nullable(),
  relationship: z.string().nullable(),
});
export type Party = z.infer<typeof Party>;

const Directive = z.object({
  key: z.string(),
  status: z.enum(['CONFIRMED', 'PROVISIONAL', 'NO_AGREEMENT_RECORDED']),
  summary: z.string(),
  decidedOn: z.string().nullable(),
  comment: z.string().nullable(),
  treatment: z.object({ code: z.string(), text: z.string().nullable(), display: z.string() }),
  agreement: Agreement.nullable(),
  parties: z.array(Party),
  provenance: z
    .object({
      recordedAt: z.string(),
      byRegiebehandelaar: z.boolean().nullable(),
      recordedBy: Actor,
    })
    .nullable(),
  confirmation: z
    .object({ confirmedOn: z.string(), by: z.object({ recordedBy: z.object({ name: z.string() }) }) })
    .nullable(),
  pendingRevision: z
    .object({
      decidedOn: z.string(),
      agreement: Agreement,
      provenance: z.object({ recordedBy: z.object({ name: z.string(), profession: z.string() }) }),
    })
    .nullable(),
});
export type Directive = z.infer<typeof Directive>;

const Contact = z.object({
  contactId: z.string(),
  name: z.string(),
  role: z.string(),
  roleDisplay: z.string(),
  relationship: z.string(),
  phone: z.string().nullable(),
});
export type Contact = z.infer<typeof Contact>;

export const PzpRecord = z.object({
  version: z.number().int(),
  asOf: z.string(),
  accessFlagged: z.boolean(),
  lastDiscussedOn: z.string().nullable(),
  reviewDueOn: z.string().nullable(),
  patient: z.object({ bsn: z.string(), name: z.string(), birthDate: z.string() }),
  treatmentDirectives: z.array(Directive),
  medicalPolicyGoal: z.object({ display: z.string(), decidedOn: z.string() }).nullable(),
  preferredPlaceOfDeath: z
    .object({ code: z.string(), text: z.string().nullable(), display: z.string(), decidedOn: z.string() })
    .nullable(),
  icd: z.object({ value: z.string(), comment: z.string().nullable(), decidedOn: z.string() }).nullable(),
  icdDeactivation: z.object({ value: z.string(), decidedOn: z.string() }).nullable(),
  capacity: z.object({ hasCapacity: z.boolean(), assessedOn: z.string() }).nullable(),
  contactPersons: z.array(Contact),
  representatives: z.array(Contact),
  regiebehandelaar: z
    .object({
      from: z.string(),
      practitioner: z.object({ name: z.string(), profession: z.string() }),
      organization: Organization,
    })
    .nullable(),
  registeredGpPractice: z.object({ from: z.string(), practice: z.object({ name: z.string() }) }).nullable(),
  warnings: z.array(z.object({ code: z.string(), message: z.string(), subject: z.string().nullable() })),
});
export type PzpRecord = z.infer<typeof PzpRecord>;
export type Me = z.infer<typeof Actor>;
export { Actor, RECORD_FIELDS };

const GraphQLError = z.object({
  message: z.string(),
  extensions: z
    .object({
      code: z.string().optional(),
      reason: z.string().optional(),
      field: z.string().optional(),
      currentVersion: z.number().int().nullable().optional(),
    })
    .optional(),
});
const Envelope = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z.array(GraphQLError).optional(),
});

/**
 * A refusal or failure the screen explains; `reason` is the door's code for FORBIDDEN, `field` the
 * input path of a BAD_USER_INPUT, `currentVersion` the plan's version on a CONFLICT.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly reason?: string,
    readonly field?: string,
    readonly currentVersion?: number | null,
  ) {
    super(message);
  }
}

export async function call(token: string, query: string, variables: Record<string, unknown>) {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('Het register is niet bereikbaar', 'NETWORK');
  }
  const parsed = Envelope.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new ApiError(`Onverwacht antwoord (HTTP ${response.status})`, 'BAD_RESPONSE');
  const error = parsed.data.errors?.[0];
  if (error) {
    const ext = error.extensions;
    throw new ApiError(error.message, ext?.code ?? 'UNKNOWN', ext?.reason, ext?.field, ext?.currentVersion);
  }
  return parsed.data.data ?? {};
}

export interface Lookup {
  readonly bsn: string;
  readonly purpose: 'EMERGENCY' | 'TREATMENT' | 'BREAK_THE_GLASS';
  readonly breakGlassReason?: string;
}

/** The current plan, or null when the registry holds none for this BSN. */
export async function fetchPlan(token: string, lookup: Lookup): Promise<PzpRecord | null> {
  const data = await call(token, EMERGENCY_QUERY, {
    bsn: lookup.bsn,
    purpose: lookup.purpose,
    reason: lookup.breakGlassReason ?? null,
  });
  const record = z.object({ pzp: PzpRecord.nullable() }).safeParse(data);
  if (!record.success) throw new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');
  return record.data.pzp;
}

export async function fetchMe(token: string): Promise<Me> {
  const me = z.object({ me: Actor }).safeParse(await call(token, ME_QUERY, {}));
  if (!me.success) throw new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');
  return me.data.me;
}
