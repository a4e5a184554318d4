import {
  isCareProfessional,
  isPhysician,
  type AccessAction,
  type AccessPurpose,
  type Actor,
  type ConsentOrganizationType,
  type PlanView,
} from '@pzp/domain';

export type { AccessAction, AccessPurpose };

export interface AccessRequest {
  readonly actor: Actor;
  readonly action: AccessAction;
  readonly purpose: AccessPurpose;
  readonly breakGlassReason?: string | undefined;
}

export type ConsentState = 'GRANTED' | 'REFUSED' | 'WITHDRAWN' | 'UNKNOWN';

/** What the registry knows about the patient, from the current plan (undefined: no plan yet). */
export interface PatientFacts {
  readonly consent: (organizationType: ConsentOrganizationType) => ConsentState;
  /** The patient's own GP practice(s): holding an active role, or having recorded a PZP conversation. */
  readonly gpPracticeIds: readonly string[];
  readonly regiebehandelaar?:
    { readonly practitionerId: string; readonly organizationId: string } | undefined;
}

export type GrantBasis =
  | 'CONSENT'
  | 'OWN_GP_PRACTICE'
  | 'REGIEBEHANDELAAR'
  | 'BREAK_THE_GLASS'
  | 'AUDITOR'
  | 'NEW_PATIENT'
  | 'OWN_ORGANIZATION';
export type DenialReason =
  | 'NOT_A_CARE_PROFESSIONAL'
  | 'NO_CONSENT'
  | 'CONSENT_REFUSED'
  | 'BREAK_GLASS_PHYSICIANS_ONLY'
  | 'BREAK_GLASS_REASON_REQUIRED'
  | 'AUDITORS_DO_NOT_CHANGE_RECORDS'
  | 'AUDIT_ROLE_REQUIRED';

export type AccessDecision =
  | { readonly outcome: 'GRANTED'; readonly basis: GrantBasis; readonly flagged: boolean }
  | { readonly outcome: 'DENIED'; readonly reason: DenialReason; readonly message: string };

/** A stated reason must say something: at least this many characters. */
export const MIN_BREAK_GLASS_REASON = 10;

const MESSAGES: Record<DenialReason, string> = {
  NOT_A_CARE_PROFESSIONAL: 'Only care professionals may see or change a PZP plan',
  NO_CONSENT:
    'The patient has not consented to sharing with this kind of organisation; a physician may break the glass with a reason',
  CONSENT_REFUSED: 'The patient refused sharing with this kind of organisation',
  BREAK_GLASS_PHYSICIANS_ONLY: 'Only physicians may break the glass',
  BREAK_GLASS_REASON_REQUIRED: `Breaking the glass needs a stated reason (at least ${MIN_BREAK_GLASS_REASON} characters)`,
  AUDITORS_DO_NOT_CHANGE_RECORDS: 'Auditors read the record; they change nothing clinical',
  AUDIT_ROLE_REQUIRED:
    "History, as-of views and the access log are for auditors and the patient's own care team",
};

const deny = (reason: DenialReason): AccessDecision => ({
  outcome: 'DENIED',
  reason,
  message: MESSAGES[reason],
});
const grant = (basis: GrantBasis, flagged = false): AccessDecision => ({
  outcome: 'GRANTED',
  basis,
  flagged,
});

const isAuditor = (actor: Actor) => actor.organization.type === 'AUDIT' || actor.profession === 'AUDITOR';

/** The care team that maintains the plan: the patient's own GP practice and the regiebehandelaar. */
function careTeamBasis(actor: Actor, patient: PatientFacts): GrantBasis | undefined {
  if (patient.gpPracticeIds.includes(actor.organization.id)) return 'OWN_GP_PRACTICE';
  const regie = patient.regiebehandelaar;
  if (regie && (regie.practitionerId === actor.id || regie.organizationId === actor.organization.id)) {
    return 'REGIEBEHANDELAAR';
  }
  return undefined;
}

interface Input {
  readonly request: AccessRequest;
  readonly patient: PatientFacts | undefined;
}

/**
 * The access policy as a table (domain.md, "Access"): rules are tried in order and the first
 * that applies decides. Each row is one sentence of the policy; the tests cover every cell.
 */
export const ACCESS_POLICY: readonly {
  readonly rule: string;
  readonly decide: (i: Input) => AccessDecision | undefined;
}[] = [
  {
    rule: 'Auditors read history, as-of views, the access log and the current plan (for audit); they change nothing',
    decide: ({ request: { actor, action } }) => {
      if (!isAuditor(actor)) return undefined;
      if (action === 'WRITE') return deny('AUDITORS_DO_NOT_CHANGE_RECORDS');
      if (action === 'READ_REVIEWS_DUE') return deny('NOT_A_CARE_PROFESSIONAL');
      return grant('AUDITOR');
    },
  },
  {
    rule: 'Everyone else must be a care professional',
    decide: ({ request: { actor } }) =>
      isCareProfessional(actor.profession) ? undefined : deny('NOT_A_CARE_PROFESSIONAL'),
  },
  {
    rule: 'Care professionals see the reviews due of their own organisation',
    decide: ({ request: { action } }) =>
      action === 'READ_REVIEWS_DUE' ? grant('OWN_ORGANIZATION') : undefined,
  },
  {
    rule: 'Without a plan, care professionals may start one and may learn that there is none',
    decide: ({ request: { action }, patient }) =>
      patient === undefined && (action === 'WRITE' || action === 'READ_CURRENT')
        ? grant('NEW_PATIENT')
        : undefined,
  },
  {
    rule: "The patient's own GP practice and the regiebehandelaar always may, whatever the consent (they maintain the plan)",
    decide: ({ request: { actor }, patient }) => {
      const basis = patient && careTeamBasis(actor, patient);
      return basis ? grant(basis) : undefined;
    },
  },
  {
    rule: "History, as-of views and the access log are for auditors and the patient's own care team",
    decide: ({ request: { action } }) =>
      action === 'READ_HISTORY' || action === 'READ_AS_OF' || action === 'READ_ACCESS_LOG'
        ? deny('AUDIT_ROLE_REQUIRED')
        : undefined,
  },
  {
    rule: 'Clinicians read and update the plan when the patient consented to sharing with their kind of organisation',
    decide: ({ request: { actor }, patient }) =>
      actor.organization.type !== 'AUDIT' && patient?.consent(actor.organization.type) === 'GRANTED'
        ? grant('CONSENT')
        : undefined,
  },
  {
    rule: 'Refused or withdrawn consent is final: no break-the-glass',
    decide: ({ request: { actor }, patient }) => {
      const consent =
        actor.organization.type === 'AUDIT' ? 'UNKNOWN' : patient?.consent(actor.organization.type);
      return consent === 'REFUSED' || consent === 'WITHDRAWN' ? deny('CONSENT_REFUSED') : undefined;
    },
  },
  {
    rule: 'Consent unknown: a physician may break the glass to read the current plan, with a stated reason; flagged',
    decide: ({ request: { actor, action, purpose, breakGlassReason } }) => {
      if (purpose !== 'BREAK_THE_GLASS' || action !== 'READ_CURRENT') return undefined;
      if (!isPhysician(actor.profession)) return deny('BREAK_GLASS_PHYSICIANS_ONLY');
      if ((breakGlassReason?.trim().length ?? 0) < MIN_BREAK_GLASS_REASON)
        return deny('BREAK_GLASS_REASON_REQUIRED');
      return grant('BREAK_THE_GLASS', true);
    },
  },
  {
    rule: 'Otherwise: no consent, no access',
    decide: () => deny('NO_CONSENT'),
  },
];

export function decideAccess(request: AccessRequest, patient: PatientFacts | undefined): AccessDecision {
  for (const row of ACCESS_POLICY) {
    const decision = row.decide({ request, patient });
    if (decision) return decision;
  }
  return deny('NO_CONSENT');
}

/** The facts the policy needs, from the domain's current view of the plan. */
export function factsFromView(view: PlanView): PatientFacts {
  const consent = new Map(view.sharingConsent.map((c) => [c.organizationType, c.decision] as const));
  const regie = view.regiebehandelaar;
  return {
    consent: (type) => consent.get(type) ?? 'UNKNOWN',
    // The patient's own practice: a GP practice that holds a role for them or recorded a PZP conversation.
    gpPracticeIds: [
      ...new Set(
        [
          ...view.roles.map((r) => r.organization),
          ...view.conversations.map((c) => c.provenance.recordedBy.organization),
        ]
          .filter((o) => o.type === 'HUISARTSENPRAKTIJK')
          .map((o) => o.id),
      ),
    ],
    regiebehandelaar: regie
      ? { practitionerId: regie.practitioner.id, organizationId: regie.organization.id }
      : undefined,
  };
}
