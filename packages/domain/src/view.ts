import {
  ADVANCE_DIRECTIVE_TYPES,
  CONSENT_ORGANIZATION_TYPES,
  EUTHANASIA_DIRECTIVE_TYPES,
  REFUSAL_DIRECTIVE_TYPES,
  REPRESENTATIVE_ROLES,
  STANDARD_TREATMENT_CODES,
  TREATMENTS,
  type ConsentOrganizationType,
  type Decision,
  type EuthanasiaPosition,
} from './codes.js';
import type { PlanState } from './evolve.js';
import { treatmentKey, type Treatment } from './model.js';
import {
  activeRepresentatives,
  activeRoles,
  type AdvanceDirectiveItem,
  type Ending,
  type PendingRevision,
  type Plan,
  type Provenance,
  type RoleAssignmentItem,
  type TreatmentDirectiveItem,
} from './plan.js';

export type WarningCode =
  | 'PROVISIONAL'
  | 'CONDITIONS_APPLY'
  | 'REVIEW_OVERDUE'
  | 'REVIEW_REQUESTED'
  | 'NO_CAPACITY_WITHOUT_REPRESENTATIVE'
  | 'CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR'
  | 'NO_REGIEBEHANDELAAR'
  | 'PATIENT_NOT_READY'
  | 'PENDING_REVISION'
  | 'DIRECTIVE_CONFLICT';

export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
  /** The item it is about, e.g. the treatment key "89666000". */
  readonly subject?: string | undefined;
}

/** The directive shown for one treatment. A treatment without a current directive is never yes or no. */
export type DirectiveView =
  | {
      readonly key: string;
      readonly treatment: Treatment & { readonly display: string };
      readonly status: 'NO_AGREEMENT_RECORDED';
      readonly decision: null;
      /** What a clinician reads first. */
      readonly summary: string;
    }
  | (Omit<TreatmentDirectiveItem, 'treatment' | 'ended' | 'pendingRevision'> & {
      readonly treatment: Treatment & { readonly display: string };
      readonly summary: string;
      /** A non-physician's revision waiting for a physician; the directive above stays current. */
      readonly pendingRevision?: (PendingRevision & { readonly summary: string }) | undefined;
    });

/** A directive that is no longer current: shown for the record, never as the agreement. */
export type EndedDirectiveView = Omit<TreatmentDirectiveItem, 'treatment' | 'ended' | 'pendingRevision'> & {
  readonly treatment: Treatment & { readonly display: string };
  readonly summary: string;
  readonly endedOn: string;
  readonly endReason?: string | undefined;
  readonly ended: Ending;
};

export interface PlanView {
  readonly patient: Plan['patient'];
  /** The six coded treatments always, in a fixed order, then any other treatments with a directive. */
  readonly treatmentDirectives: readonly DirectiveView[];
  /** Directives that ended (withdrawn), with when and why. */
  readonly endedTreatmentDirectives: readonly EndedDirectiveView[];
  readonly lifeWishes: readonly Plan['lifeWishes'][string][];
  readonly advanceDirectives: readonly (Plan['advanceDirectives'][string] & { readonly display: string })[];
  readonly medicalPolicyGoal: Plan['medicalPolicyGoal'];
  readonly preferredPlaceOfDeath: Plan['preferredPlaceOfDeath'];
  readonly euthanasiaPosition: Plan['euthanasiaPosition'];
  readonly organDonation: Plan['organDonation'];
  /** Whether the patient has an ICD (an agreement on switching it off implies one). */
  readonly icd: Plan['icd'];
  readonly icdDeactivation: Plan['icdDeactivation'];
  readonly capacity: Plan['capacity'];
  readonly otherInformation: Plan['otherInformation'];
  readonly contactPersons: readonly Plan['contactPersons'][string][];
  /** Contacts who decide when the patient lacks capacity (legal representative, curator, mentor). */
  readonly representatives: readonly Plan['contactPersons'][string][];
  readonly roles: readonly RoleAssignmentItem[];
  readonly regiebehandelaar: RoleAssignmentItem | null;
  readonly sharingConsent: readonly {
    readonly organizationType: ConsentOrganizationType;
    /** UNKNOWN when the patient was never asked about this kind of organisation. */
    readonly decision: 'GRANTED' | 'REFUSED' | 'WITHDRAWN' | 'UNKNOWN';
    readonly on?: string | undefined;
    readonly provenance?: Provenance | undefined;
  }[];
  readonly conversations: Plan['conversations'];
  readonly registeredGpPractice: Plan['registeredGpPractice'];
  readonly lastDiscussedOn: string | null;
  readonly lastReviewedOn: string | null;
  readonly reviewDueOn: string | null;
  readonly corrections: Plan['corrections'];
  readonly warnings: readonly Warning[];
}

const DECISION_TEXT: Record<Decision, string> = {
  WEL: 'Wel uitvoeren',
  NIET: 'Niet uitvoeren',
  ANDERS: 'Alleen onder voorwaarden',
};

const CPR = '89666000';

const EUTHANASIA_POSITION_TEXT: Record<EuthanasiaPosition, string> = {
  HAS_DECLARATION: 'heeft een verklaring',
  DOES_NOT_WANT: 'wil geen euthanasie',
  MAY_REQUEST: 'kan om euthanasie vragen',
  UNKNOWN: 'onbekend',
};

/** A treatment's name as clinicians read it. */
export const treatmentDisplay = (t: Treatment): string =>
  t.code === 'OTH' ? (t.text ?? TREATMENTS.OTH) : TREATMENTS[t.code];

/** What was agreed, in words: ANDERS always with its conditions. */
export const agreementText = (d: { decision: Decision; specification?: string | undefined }): string =>
  d.decision === 'ANDERS'
    ? `${DECISION_TEXT.ANDERS}: ${d.specification}`
    : `${DECISION_TEXT[d.decision]}${d.specification ? ` (${d.specification})` : ''}`;

/** A current directive as clinicians read it (the history's items use it too). */
export function directiveView(item: TreatmentDirectiveItem): DirectiveView {
  const { ended: _ended, pendingRevision, ...current } = item;
  const summary = agreementText(item);
  return {
    ...current,
    treatment: { ...item.treatment, display: treatmentDisplay(item.treatment) },
    summary:
      item.status === 'PROVISIONAL' ? `${summary} — VOORLOPIG, nog niet door een arts bevestigd` : summary,
    ...(pendingRevision
      ? { pendingRevision: { ...pendingRevision, summary: agreementText(pendingRevision) } }
      : {}),
  };
}

/** A directive that ended, with when, why and by whom. */
export function endedDirectiveView(item: TreatmentDirectiveItem, ended: Ending): EndedDirectiveView {
  const { ended: _e, pendingRevision: _p, ...rest } = item;
  return {
    ...rest,
    treatment: { ...item.treatment, display: treatmentDisplay(item.treatment) },
    summary: agreementText(item),
    endedOn: ended.on,
    endReason: ended.reason,
    ended,
  };
}

/**
 * Contradictions between written directives and treatment directives: the clinician must see both
 * and that they disagree, never one of them silently.
 */
function conflictWarnings(
  current: readonly TreatmentDirectiveItem[],
  advanceDirectives: readonly AdvanceDirectiveItem[],
  euthanasiaPosition: Plan['euthanasiaPosition'],
): Warning[] {
  const byKey = new Map(current.map((d) => [d.key, d]));
  const agreed = (key: string) => {
    const d = byKey.get(key);
    return d ? `"${agreementText(d)}"` : 'geen afspraak';
  };
  const warnings: Warning[] = [];
  for (const a of advanceDirectives) {
    const written = `${ADVANCE_DIRECTIVE_TYPES[a.type]} van ${a.date}`;
    if (a.type === 'NR' && byKey.get(CPR)?.decision !== 'NIET') {
      warnings.push({
        code: 'DIRECTIVE_CONFLICT',
        subject: CPR,
        message: `Tegenstrijdig: ${written}, maar voor reanimatie is ${agreed(CPR)} vastgelegd`,
      });
    }
    if (REFUSAL_DIRECTIVE_TYPES.includes(a.type)) {
      for (const t of a.refusedTreatments ?? []) {
        const key = treatmentKey(t);
        if (byKey.get(key)?.decision === 'NIET') continue;
        warnings.push({
          code: 'DIRECTIVE_CONFLICT',
          subject: key,
          message: `Tegenstrijdig: ${written} weigert ${treatmentDisplay(t)}, maar daarvoor is ${agreed(key)} vastgelegd`,
        });
      }
    }
    if (
      EUTHANASIA_DIRECTIVE_TYPES.includes(a.type) &&
      (euthanasiaPosition?.value === 'DOES_NOT_WANT' || euthanasiaPosition?.value === 'UNKNOWN')
    ) {
      warnings.push({
        code: 'DIRECTIVE_CONFLICT',
        subject: 'euthanasiaPosition',
        message: `Tegenstrijdig: ${written}, maar als standpunt over euthanasie is "${EUTHANASIA_POSITION_TEXT[euthanasiaPosition.value]}" vastgelegd`,
      });
    }
  }
  return warnings;
}

const noAgreement = (treatment: Treatment): DirectiveView => ({
  key: treatmentKey(treatment),
  treatment: { ...treatment, display: treatmentDisplay(treatment) },
  status: 'NO_AGREEMENT_RECORDED',
  decision: null,
  summary: 'Geen afspraak vastgelegd',
});

/**
 * What a clinician sees: per treatment the current directive or "no agreement recorded", the
 * current wishes and contacts, and warnings. Derived only from the folded plan; the warnings that
 * depend on today's date are added by withTimeWarnings so this part can be stored by projections.
 */
export function currentView(plan: Plan): PlanView {
  const current = Object.values(plan.treatmentDirectives).filter((d) => !d.ended);
  const byKey = new Map(current.map((d) => [d.key, d]));
  const directives: DirectiveView[] = STANDARD_TREATMENT_CODES.map((code) => {
    const d = byKey.get(code);
    return d ? directiveView(d) : noAgreement({ code });
  });
  for (const d of current) if (d.treatment.code === 'OTH') directives.push(directiveView(d));

  const representatives = activeRepresentatives(plan, REPRESENTATIVE_ROLES);
  const regiebehandelaar = activeRoles(plan, 'REGIEBEHANDELAAR')[0] ?? null;
  const lifeWishes = Object.values(plan.lifeWishes).filter((w) => !w.withdrawn);
  const advanceDirectives = Object.values(plan.advanceDirectives)
    .filter((a) => !a.revoked)
    .map((a) => ({ ...a, display: ADVANCE_DIRECTIVE_TYPES[a.type] }));

  const warnings: Warning[] = [];
  for (const d of current) {
    const subject = d.key;
    if (d.status === 'PROVISIONAL') {
      warnings.push({
        code: 'PROVISIONAL',
        subject,
        message: `${treatmentDisplay(d.treatment)}: voorlopig, vastgelegd door ${d.provenance.recordedBy.name}; nog niet door een arts bevestigd`,
      });
    }
    if (d.decision === 'ANDERS') {
      warnings.push({
        code: 'CONDITIONS_APPLY',
        subject,
        message: `${treatmentDisplay(d.treatment)}: alleen onder voorwaarden: ${d.specification}`,
      });
    }
    const pending = d.pendingRevision;
    if (pending) {
      warnings.push({
        code: 'PENDING_REVISION',
        subject,
        message: `${treatmentDisplay(d.treatment)}: ${pending.provenance.recordedBy.name} legde op ${pending.decidedOn} vast dat de patiënt nu "${agreementText(pending)}" wil; nog niet door een arts bevestigd. De bevestigde afspraak "${agreementText(d)}" blijft geldig tot een arts beslist`,
      });
    }
  }
  warnings.push(...conflictWarnings(current, advanceDirectives, plan.euthanasiaPosition));
  const changedByOther = [
    ...current.map((d) => [d.key, d.provenance, treatmentDisplay(d.treatment)] as const),
    ...lifeWishes.map((w) => [w.wishId, w.provenance, 'Wens'] as const),
    ...advanceDirectives.map((a) => [a.advanceDirectiveId, a.provenance, a.display] as const),
  ];
  for (const [subject, provenance, label] of changedByOther) {
    if (provenance.byRegiebehandelaar === false) {
      warnings.push({
        code: 'CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR',
        subject,
        message: `${label}: gewijzigd door ${provenance.recordedBy.name}, niet door de regiebehandelaar`,
      });
    }
  }
  if (plan.capacity && !plan.capacity.hasCapacity && representatives.length === 0) {
    warnings.push({
      code: 'NO_CAPACITY_WITHOUT_REPRESENTATIVE',
      message: 'Patiënt is wilsonbekwaam maar er is geen vertegenwoordiger vastgelegd',
    });
  }
  if (plan.reviewRequested) {
    warnings.push({
      code: 'REVIEW_REQUESTED',
      message:
        plan.reviewRequested.reason === 'REGIEBEHANDELAAR_CHANGED'
          ? 'Nieuwe regiebehandelaar: het plan moet opnieuw worden besproken'
          : 'Zorgtransitie: het plan moet opnieuw worden besproken',
    });
  }
  if (!regiebehandelaar && plan.patient) {
    warnings.push({ code: 'NO_REGIEBEHANDELAAR', message: 'Er is geen regiebehandelaar vastgelegd' });
  }
  // A conversation may be entered late: the latest by date, not by entry, says where the patient is.
  const lastConversation = plan.conversations.reduce<(typeof plan.conversations)[number] | undefined>(
    (latest, c) => (!latest || c.date >= latest.date ? c : latest),
    undefined,
  );
  if (lastConversation && !lastConversation.patientReady) {
    warnings.push({
      code: 'PATIENT_NOT_READY',
      message: `Patiënt was op ${lastConversation.date} nog niet toe aan het gesprek`,
    });
  }

  return {
    patient: plan.patient,
    treatmentDirectives: directives,
    endedTreatmentDirectives: Object.values(plan.treatmentDirectives).flatMap((d) =>
      d.ended ? [endedDirectiveView(d, d.ended)] : [],
    ),
    lifeWishes,
    advanceDirectives,
    medicalPolicyGoal: plan.medicalPolicyGoal,
    preferredPlaceOfDeath: plan.preferredPlaceOfDeath,
    euthanasiaPosition: plan.euthanasiaPosition,
    organDonation: plan.organDonation,
    icd: plan.icd,
    icdDeactivation: plan.icdDeactivation,
    capacity: plan.capacity,
    otherInformation: plan.otherInformation,
    contactPersons: Object.values(plan.contactPersons).filter((c) => !c.removed),
    representatives,
    roles: activeRoles(plan),
    regiebehandelaar,
    sharingConsent: CONSENT_ORGANIZATION_TYPES.map((organizationType) => {
      const c = plan.sharingConsent[organizationType];
      return c
        ? { organizationType, decision: c.decision, on: c.on, provenance: c.provenance }
        : { organizationType, decision: 'UNKNOWN' as const };
    }),
    conversations: plan.conversations,
    registeredGpPractice: plan.registeredGpPractice,
    lastDiscussedOn: plan.lastDiscussedOn,
    lastReviewedOn: plan.lastReviewedOn,
    reviewDueOn: plan.reviewDueOn,
    corrections: plan.corrections,
    warnings,
  };
}

/** Adds the warnings that depend on the date the plan is looked at (Amsterdam "today"). */
export function withTimeWarnings(view: PlanView, today: string): PlanView {
  if (!view.reviewDueOn || view.reviewDueOn >= today) return view;
  return {
    ...view,
    warnings: [
      ...view.warnings,
      { code: 'REVIEW_OVERDUE', message: `Herbespreking was gepland op ${view.reviewDueOn} en is verlopen` },
    ],
  };
}

export const viewOf = (state: PlanState, today?: string): PlanView =>
  today === undefined ? currentView(state.plan) : withTimeWarnings(currentView(state.plan), today);
