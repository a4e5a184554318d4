/**
 * The registry's access policy (shared/domain.md, "Access"): who may see or change a patient's
 * PZP record, for which purpose. Pure: no I/O, no clock. The rules are one table,
 * {@link ACCESS_POLICY}, evaluated in order (the first row that decides wins), so the table in
 * code is the policy; policy.unit.spec.ts has a test for every cell.
 *
 * Profession rules for clinical changes (who may confirm a treatment limit, who assigns the
 * regiebehandelaar) are not here: they belong to the domain decider. This module only decides
 * whether the caller may touch this patient's record at all.
 *
 * Choices made here, beyond domain.md:
 * - An auditor is anyone at an AUDIT organisation or with the AUDITOR profession (also at a
 *   hospital). Auditors act for the purpose AUDIT only: any clinical purpose, and the
 *   organisation's reviews-due list, are for care professionals (NOT_A_CARE_PROFESSIONAL).
 * - History and as-of views are for auditors and for the patient's care team, that is the own GP
 *   practice and the current regiebehandelaar (person or organisation): they maintain the plan
 *   and must see how it came to be (who changed what, what was corrected). The access log is for
 *   auditors only: it says which colleagues looked at the record, which is review work for the
 *   registry's auditors, not for the care team.
 * - The break-the-glass review (the flagged accesses, their conclusions) is for auditors, as the
 *   access log is. The patient's regiebehandelaar learns of each break-the-glass access of their
 *   patient from a list of their own organisation (READ_BREAK_GLASS_NOTICES): each entry is
 *   decided by {@link decideBreakGlassNotice}, only for the current regiebehandelaar (person or
 *   organisation), not for the rest of the care team.
 * - EMERGENCY is a clinical purpose like TREATMENT (it is logged as such). BREAK_THE_GLASS is only
 *   for reading the current plan, and only counts when nothing else grants access: a physician
 *   who breaks the glass while consent was granted is simply granted by consent, unflagged.
 *   Breaking the glass never permits a change.
 * - Without a plan there is nothing to disclose but its absence: any care professional may learn
 *   that there is none (for any clinical purpose) and may start one.
 */
import {
  PROFESSIONS,
  isCareProfessional,
  isPhysician,
  visibleLength,
  type AccessAction,
  type AccessPurpose,
  type Actor,
  type ConsentOrganizationType,
  type PlanView,
} from '@pzp/domain';

export type { AccessAction, AccessPurpose };

export interface AccessRequest {
  /** The caller, from the verified token. */
  readonly actor: Actor;
  readonly action: AccessAction;
  readonly purpose: AccessPurpose;
  /** Required when the purpose is BREAK_THE_GLASS; ignored otherwise. */
  readonly breakGlassReason?: string | undefined;
}

export type ConsentState = 'GRANTED' | 'REFUSED' | 'WITHDRAWN' | 'UNKNOWN';

/** What the registry knows about the patient, from the current plan (undefined when there is no plan yet). */
export interface PatientFacts {
  /** The patient's answer about sharing with this kind of organisation; UNKNOWN when never asked. */
  readonly consent: (organizationType: ConsentOrganizationType) => ConsentState;
  /** The patient's own GP practice(s): see {@link factsFromView} for how they are derived. */
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
  | 'AUDIT_ROLE_REQUIRED'
  | 'PURPOSE_NOT_ALLOWED'
  | 'NOT_THE_REGIEBEHANDELAAR';

export type AccessDecision =
  | { readonly outcome: 'GRANTED'; readonly basis: GrantBasis; readonly flagged: boolean }
  | { readonly outcome: 'DENIED'; readonly reason: DenialReason; readonly message: string };

/** What each row of the policy sees. */
export interface PolicyInput {
  readonly request: AccessRequest;
  readonly patient: PatientFacts | undefined;
}

/** One row of the policy: a sentence for people, and the check that decides it (or passes). */
export interface PolicyRule {
  readonly id: string;
  readonly rule: string;
  readonly decide: (input: PolicyInput) => AccessDecision | undefined;
}

/**
 * A stated reason must say something: at least this many visible characters (whitespace and
 * invisible characters such as U+200B do not count; see the domain's free-text rules).
 */
export const MIN_BREAK_GLASS_REASON = 10;

/** Purposes a care professional may state, per action (auditors state AUDIT, see the table). */
export const CLINICAL_PURPOSES: Readonly<Record<AccessAction, readonly AccessPurpose[]>> = {
  READ_CURRENT: ['TREATMENT', 'EMERGENCY', 'BREAK_THE_GLASS'],
  WRITE: ['TREATMENT', 'EMERGENCY'],
  READ_REVIEWS_DUE: ['TREATMENT', 'EMERGENCY'],
  // The API defaults history and as-of queries to AUDIT: the care team reviewing the plan's history.
  READ_HISTORY: ['TREATMENT', 'EMERGENCY', 'AUDIT'],
  READ_AS_OF: ['TREATMENT', 'EMERGENCY', 'AUDIT'],
  READ_ACCESS_LOG: [],
  READ_BREAK_GLASS_ACCESSES: [],
  REVIEW_BREAK_GLASS_ACCESS: [],
  READ_BREAK_GLASS_NOTICES: ['TREATMENT'],
};

/** Plain sentences without personal data: they end up in API errors and logs. */
const MESSAGES: Readonly<Record<DenialReason, string>> = {
  NOT_A_CARE_PROFESSIONAL:
    'Only care professionals of a care organisation may do this; auditors read the record for the purpose AUDIT',
  NO_CONSENT:
    'The patient has not consented to sharing the plan with this kind of organisation; in an emergency a physician may break the glass with a stated reason',
  CONSENT_REFUSED:
    'The patient refused or withdrew consent to sharing the plan with this kind of organisation',
  BREAK_GLASS_PHYSICIANS_ONLY: 'Only physicians may break the glass',
  BREAK_GLASS_REASON_REQUIRED: `Breaking the glass needs a stated reason of at least ${MIN_BREAK_GLASS_REASON} visible characters`,
  AUDITORS_DO_NOT_CHANGE_RECORDS: 'Auditors read the record; they change nothing clinical',
  AUDIT_ROLE_REQUIRED:
    "History and as-of views are for auditors and the patient's own GP practice and regiebehandelaar; the access log and the break-the-glass review are for auditors",
  PURPOSE_NOT_ALLOWED:
    'This purpose does not fit this request: treatment or emergency for reading and changing the plan, break the glass only for reading the current plan',
  NOT_THE_REGIEBEHANDELAAR:
    "Break-the-glass accesses of a patient are told to the patient's current regiebehandelaar only",
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

const isKnownProfession = (actor: Actor): boolean => Object.hasOwn(PROFESSIONS, actor.profession);
const isAuditor = (actor: Actor): boolean =>
  actor.organization.type === 'AUDIT' || actor.profession === 'AUDITOR';
/** Lists of an organisation's own patients: decided per patient afterwards. */
const isOwnOrganizationList = (action: AccessAction): boolean =>
  action === 'READ_REVIEWS_DUE' || action === 'READ_BREAK_GLASS_NOTICES';
/** Audit work on who accessed whom: the access log and the break-the-glass review. */
const isAuditWork = (action: AccessAction): boolean =>
  action === 'READ_ACCESS_LOG' ||
  action === 'READ_BREAK_GLASS_ACCESSES' ||
  action === 'REVIEW_BREAK_GLASS_ACCESS';
const isPatientHistory = (action: AccessAction): boolean =>
  action === 'READ_HISTORY' || action === 'READ_AS_OF';

/** Whether the caller belongs to the patient's care team, and as what. */
function careTeamBasis(actor: Actor, patient: PatientFacts | undefined): GrantBasis | undefined {
  if (!patient) return undefined;
  if (patient.gpPracticeIds.includes(actor.organization.id)) return 'OWN_GP_PRACTICE';
  const regie = patient.regiebehandelaar;
  if (regie && (regie.practitionerId === actor.id || regie.organizationId === actor.organization.id))
    return 'REGIEBEHANDELAAR';
  return undefined;
}

/** The patient's answer for the caller's kind of organisation (auditors are never asked about). */
function consentFor(actor: Actor, patient: PatientFacts | undefined): ConsentState | undefined {
  const type = actor.organization.type;
  return patient && type !== 'AUDIT' ? patient.consent(type) : undefined;
}

/**
 * The access policy, in order; the first row that returns a decision decides. First the
 * auditors; then who may ask what, for which purpose; then the grants; last consent and the glass.
 */
export const ACCESS_POLICY: readonly PolicyRule[] = [
  {
    id: 'auditors-change-nothing',
    rule: 'An auditor never changes a record (AUDITORS_DO_NOT_CHANGE_RECORDS)',
    decide: ({ request: { actor, action } }) =>
      isAuditor(actor) && action === 'WRITE' ? deny('AUDITORS_DO_NOT_CHANGE_RECORDS') : undefined,
  },
  {
    id: 'auditors-act-for-audit-only',
    rule: "An auditor asking for an organisation's list (reviews due, break-the-glass notices), or stating a purpose other than AUDIT, is no care professional (NOT_A_CARE_PROFESSIONAL)",
    decide: ({ request: { actor, action, purpose } }) =>
      isAuditor(actor) && (isOwnOrganizationList(action) || purpose !== 'AUDIT')
        ? deny('NOT_A_CARE_PROFESSIONAL')
        : undefined,
  },
  {
    id: 'auditors-read',
    rule: 'An auditor reads the current plan, as-of views, history and the access log, and reviews break-the-glass accesses, for AUDIT, whatever the consent (AUDITOR)',
    decide: ({ request: { actor } }) => (isAuditor(actor) ? grant('AUDITOR') : undefined),
  },
  {
    id: 'care-professionals-only',
    rule: 'Anyone else must have a known care profession (NOT_A_CARE_PROFESSIONAL)',
    decide: ({ request: { actor } }) =>
      isKnownProfession(actor) && isCareProfessional(actor.profession)
        ? undefined
        : deny('NOT_A_CARE_PROFESSIONAL'),
  },
  {
    id: 'access-log-auditors-only',
    rule: 'The access log and the break-the-glass review are for auditors only (AUDIT_ROLE_REQUIRED)',
    decide: ({ request: { action } }) => (isAuditWork(action) ? deny('AUDIT_ROLE_REQUIRED') : undefined),
  },
  {
    id: 'history-for-care-team',
    rule: "History and as-of views are for the patient's own GP practice and regiebehandelaar, not other clinicians (AUDIT_ROLE_REQUIRED)",
    decide: ({ request: { actor, action }, patient }) =>
      isPatientHistory(action) && !careTeamBasis(actor, patient) ? deny('AUDIT_ROLE_REQUIRED') : undefined,
  },
  {
    id: 'purpose-fits-action',
    rule: 'A care professional states treatment or emergency; break the glass only to read the current plan; AUDIT only for history and as-of (PURPOSE_NOT_ALLOWED)',
    decide: ({ request: { action, purpose } }) =>
      CLINICAL_PURPOSES[action].includes(purpose) ? undefined : deny('PURPOSE_NOT_ALLOWED'),
  },
  {
    id: 'reviews-due-own-organisation',
    rule: 'A care professional may ask for the reviews due and the break-the-glass notices of their own organisation; each entry is decided on its own, see decideListedPlan and decideBreakGlassNotice (OWN_ORGANIZATION)',
    decide: ({ request: { action } }) =>
      isOwnOrganizationList(action) ? grant('OWN_ORGANIZATION') : undefined,
  },
  {
    id: 'new-patient',
    rule: 'Without a plan, a care professional may learn there is none and may start one (NEW_PATIENT)',
    decide: ({ patient }) => (patient === undefined ? grant('NEW_PATIENT') : undefined),
  },
  {
    id: 'care-team',
    rule: "The patient's own GP practice and the current regiebehandelaar always may, whatever the consent (OWN_GP_PRACTICE, REGIEBEHANDELAAR)",
    decide: ({ request: { actor }, patient }) => {
      const basis = careTeamBasis(actor, patient);
      return basis ? grant(basis) : undefined;
    },
  },
  {
    id: 'consent-granted',
    rule: 'A clinician reads and updates the plan when the patient consented to sharing with their kind of organisation (CONSENT)',
    decide: ({ request: { actor }, patient }) =>
      consentFor(actor, patient) === 'GRANTED' ? grant('CONSENT') : undefined,
  },
  {
    id: 'consent-refused',
    rule: 'Refused or withdrawn consent is final, also for breaking the glass (CONSENT_REFUSED)',
    decide: ({ request: { actor }, patient }) => {
      const consent = consentFor(actor, patient);
      return consent === 'REFUSED' || consent === 'WITHDRAWN' ? deny('CONSENT_REFUSED') : undefined;
    },
  },
  {
    id: 'break-glass-physicians-only',
    rule: 'Consent unknown: only a physician may break the glass (BREAK_GLASS_PHYSICIANS_ONLY)',
    decide: ({ request: { actor, purpose } }) =>
      purpose === 'BREAK_THE_GLASS' && !isPhysician(actor.profession)
        ? deny('BREAK_GLASS_PHYSICIANS_ONLY')
        : undefined,
  },
  {
    id: 'break-glass-reason-required',
    rule: `Breaking the glass needs a stated reason of at least ${MIN_BREAK_GLASS_REASON} visible characters (BREAK_GLASS_REASON_REQUIRED)`,
    decide: ({ request: { purpose, breakGlassReason } }) =>
      purpose === 'BREAK_THE_GLASS' && visibleLength(breakGlassReason ?? '') < MIN_BREAK_GLASS_REASON
        ? deny('BREAK_GLASS_REASON_REQUIRED')
        : undefined,
  },
  {
    id: 'break-glass',
    rule: 'Consent unknown: a physician with a stated reason breaks the glass to read the current plan; flagged for review (BREAK_THE_GLASS)',
    decide: ({ request: { purpose } }) =>
      purpose === 'BREAK_THE_GLASS' ? grant('BREAK_THE_GLASS', true) : undefined,
  },
  {
    id: 'no-consent',
    rule: 'Otherwise: no consent, no access (NO_CONSENT)',
    decide: () => deny('NO_CONSENT'),
  },
];

/** The decision and the row of {@link ACCESS_POLICY} that made it (for tests and diagnostics). */
export function explainAccess(
  request: AccessRequest,
  patient: PatientFacts | undefined,
): { readonly rule: PolicyRule; readonly decision: AccessDecision } {
  for (const rule of ACCESS_POLICY) {
    const decision = rule.decide({ request, patient });
    if (decision) return { rule, decision };
  }
  // Unreachable while the last row decides every case; a table edited without one fails closed.
  throw new Error('The access policy has no final rule');
}

export function decideAccess(request: AccessRequest, patient: PatientFacts | undefined): AccessDecision {
  return explainAccess(request, patient).decision;
}

/**
 * A plan on a list (the reviews due) is shown exactly as the plan itself would be: as the current
 * plan read for TREATMENT, decided by the same table. The list's own row only decides whether the
 * caller may ask for the list; refused plans are left out of it.
 */
export function decideListedPlan(actor: Actor, patient: PatientFacts): AccessDecision {
  return decideAccess({ actor, action: 'READ_CURRENT', purpose: 'TREATMENT' }, patient);
}

/**
 * A break-the-glass access on the organisation's notice list is shown only to the patient's
 * current regiebehandelaar (the person, or anyone at their organisation): they answer for the
 * plan and must know who read it without consent. The own GP practice as such is not told: it is
 * not the one treating when someone else holds the role.
 */
export function decideBreakGlassNotice(actor: Actor, patient: PatientFacts): AccessDecision {
  const regie = patient.regiebehandelaar;
  return regie && (regie.practitionerId === actor.id || regie.organizationId === actor.organization.id)
    ? grant('REGIEBEHANDELAAR')
    : deny('NOT_THE_REGIEBEHANDELAAR');
}

/**
 * The facts the policy needs, from the domain's current view of the plan.
 *
 * The own GP practice: the practice the patient is registered with (a recorded fact of the plan,
 * with history), and any GP practice that holds an active role for the patient. Handing the
 * regiebehandelaar role to a nursing home or hospital does not take the registered practice's
 * access away; a change of GP is recorded as a new registered practice.
 *
 * Plans recorded before the registered practice existed have none: for them, the GP practices
 * holding an active role count, or, while nobody holds any role yet, the GP practices that
 * recorded the plan's conversations.
 */
export function factsFromView(view: PlanView): PatientFacts {
  const consent = new Map(view.sharingConsent.map((c) => [c.organizationType, c.decision] as const));
  const registered = view.registeredGpPractice?.practice;
  const careOrganizations = [
    ...(registered ? [registered] : []),
    ...(view.roles.length > 0 || registered
      ? view.roles.map((r) => r.organization)
      : view.conversations.map((c) => c.provenance.recordedBy.organization)),
  ];
  const regie = view.regiebehandelaar;
  return {
    consent: (type) => consent.get(type) ?? 'UNKNOWN',
    gpPracticeIds: [
      ...new Set(careOrganizations.filter((o) => o.type === 'HUISARTSENPRAKTIJK').map((o) => o.id)),
    ],
    regiebehandelaar: regie
      ? { practitionerId: regie.practitioner.id, organizationId: regie.organization.id }
      : undefined,
  };
}
