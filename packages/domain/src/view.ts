import {
  ADVANCE_DIRECTIVE_TYPES,
  CONSENT_ORGANIZATION_TYPES,
  REPRESENTATIVE_ROLES,
  STANDARD_TREATMENT_CODES,
  TREATMENTS,
  type ConsentOrganizationType,
  type Decision,
} from './codes.js';
import type { PlanState } from './evolve.js';
import { treatmentKey, type Treatment } from './model.js';
import {
  activeRepresentatives,
  activeRoles,
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
  | 'PATIENT_NOT_READY';

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
  | (Omit<TreatmentDirectiveItem, 'treatment' | 'ended'> & {
      readonly treatment: Treatment & { readonly display: string };
      readonly summary: string;
    });

export interface PlanView {
  readonly patient: Plan['patient'];
  /** The six coded treatments always, in a fixed order, then any other treatments with a directive. */
  readonly treatmentDirectives: readonly DirectiveView[];
  readonly lifeWishes: readonly Plan['lifeWishes'][string][];
  readonly advanceDirectives: readonly (Plan['advanceDirectives'][string] & { readonly display: string })[];
  readonly medicalPolicyGoal: Plan['medicalPolicyGoal'];
  readonly preferredPlaceOfDeath: Plan['preferredPlaceOfDeath'];
  readonly euthanasiaPosition: Plan['euthanasiaPosition'];
  readonly organDonation: Plan['organDonation'];
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

const display = (t: Treatment): string =>
  t.code === 'OTH' ? (t.text ?? TREATMENTS.OTH) : TREATMENTS[t.code];

function directiveView(item: TreatmentDirectiveItem): DirectiveView {
  const { ended: _ended, ...current } = item;
  const summary =
    item.decision === 'ANDERS'
      ? `${DECISION_TEXT.ANDERS}: ${item.specification}`
      : `${DECISION_TEXT[item.decision]}${item.specification ? ` (${item.specification})` : ''}`;
  return {
    ...current,
    treatment: { ...item.treatment, display: display(item.treatment) },
    summary:
      item.status === 'PROVISIONAL' ? `${summary} — VOORLOPIG, nog niet door een arts bevestigd` : summary,
  };
}

const noAgreement = (treatment: Treatment): DirectiveView => ({
  key: treatmentKey(treatment),
  treatment: { ...treatment, display: display(treatment) },
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
        message: `${display(d.treatment)}: voorlopig, vastgelegd door ${d.provenance.recordedBy.name}; nog niet door een arts bevestigd`,
      });
    }
    if (d.decision === 'ANDERS') {
      warnings.push({
        code: 'CONDITIONS_APPLY',
        subject,
        message: `${display(d.treatment)}: alleen onder voorwaarden: ${d.specification}`,
      });
    }
  }
  const changedByOther = [
    ...current.map((d) => [d.key, d.provenance, display(d.treatment)] as const),
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
    lifeWishes,
    advanceDirectives,
    medicalPolicyGoal: plan.medicalPolicyGoal,
    preferredPlaceOfDeath: plan.preferredPlaceOfDeath,
    euthanasiaPosition: plan.euthanasiaPosition,
    organDonation: plan.organDonation,
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
