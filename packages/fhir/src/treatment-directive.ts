import type { Consent, ConsentProvision, Extension } from '@medplum/fhirtypes';
import {
  treatmentKey,
  type Decision,
  type DirectiveView,
  type EndedDirectiveView,
  type PlanView,
  type Treatment,
} from '@pzp/domain';
import { idFor } from './ids.js';
import { partyResource, patientReference, referenceTo, type PartyResource } from './parties.js';
import { DUTCH_LAW, EXTENSION, PROFILE, SYSTEM, TREATMENT_DIRECTIVE_CATEGORY } from './systems.js';

type Directive = Exclude<DirectiveView, { status: 'NO_AGREEMENT_RECORDED' }>;

/** A treatment directive as ACP-TreatmentDirective, with the resources its agreement parties are. */
export interface TreatmentDirectiveResources {
  readonly consent: Consent;
  readonly actors: readonly PartyResource[];
}

/**
 * The guide's decision mapping (Consent.fsh, ACPTreatmentDirective, provision.type comment): Ja →
 * permit, Nee → deny, "Ja maar met beperkingen" (ANDERS) → no type, the conditions in the modifier
 * extension SpecificationOther, which overrides provision.type (invariant zib-TreatmentDirective2-2).
 */
const PROVISION_TYPE: Record<Decision, 'permit' | 'deny' | undefined> = {
  WEL: 'permit',
  NIET: 'deny',
  ANDERS: undefined,
};

/** A coded treatment by its SNOMED code; any other by NullFlavor OTH and its name (guide's ICD example). */
const treatmentCode = (t: Treatment & { display: string }) =>
  t.code === 'OTH'
    ? { coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }], text: t.display }
    : { coding: [{ system: SYSTEM.snomed, code: t.code }], text: t.display };

export const treatmentDirectiveId = (pseudonym: string, d: Directive | EndedDirectiveView, ended: boolean) =>
  ended ? idFor(pseudonym, 'td-ended', d.key, d.provenance.changeId) : idFor(pseudonym, 'td', d.key);

/** The id of the current directive for a treatment: the same for every version of it (a PUT names it). */
export const treatmentDirectiveKeyId = (pseudonym: string, treatment: Treatment) =>
  idFor(pseudonym, 'td', treatmentKey(treatment));

function consentOf(
  pseudonym: string,
  d: Directive | EndedDirectiveView,
  view: PlanView,
  ending: { on: string; reason?: string | undefined } | undefined,
): TreatmentDirectiveResources {
  const actors = d.parties.map((p) => partyResource(pseudonym, p, view));
  const type = PROVISION_TYPE[d.decision];
  const provisionExtension: Extension[] = ending?.reason
    ? [{ url: EXTENSION.reasonForEnding, valueString: ending.reason }]
    : [];
  const provision: ConsentProvision = {
    ...(provisionExtension.length ? { extension: provisionExtension } : {}),
    ...(type ? { type } : {}),
    ...(ending ? { period: { end: ending.on } } : {}),
    actor: actors.map((a) => ({
      role: { coding: [{ system: SYSTEM.roleCode, code: 'CONSENTER' }] },
      reference: referenceTo(a),
    })),
    code: [treatmentCode(d.treatment)],
  };
  const consent: Consent = {
    resourceType: 'Consent',
    id: treatmentDirectiveId(pseudonym, d, ending !== undefined),
    meta: { profile: [PROFILE.treatmentDirective] },
    ...(d.comment ? { extension: [{ url: EXTENSION.comment, valueString: d.comment }] } : {}),
    ...(d.decision === 'ANDERS'
      ? { modifierExtension: [{ url: EXTENSION.specificationOther, valueString: d.specification ?? '' }] }
      : {}),
    // Ended: inactive (zib status guidance). Provisional: proposed, "not yet agreed to by all
    // parties"; Consent.status is a modifier element, so no receiver may read it as a confirmed limit.
    status: ending ? 'inactive' : d.status === 'PROVISIONAL' ? 'proposed' : 'active',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'treatment' }] },
    category: [{ coding: [{ system: SYSTEM.snomed, code: TREATMENT_DIRECTIVE_CATEGORY }] }],
    patient: patientReference(pseudonym),
    dateTime: d.decidedOn,
    policy: [{ uri: DUTCH_LAW }],
    provision,
  };
  return { consent, actors };
}

export const icdDeactivationId = (pseudonym: string) => idFor(pseudonym, 'td', 'icd-deactivation');

/** The guide's text for the ICD agreement (Consent.fsh, example F1-ACP-TreatmentDirective-400231000146108). */
export const ICD_DEACTIVATION_TEXT =
  'Uitzetten van cardioverter-defibrillator in laatste levensfase (verrichting) (SNOMED CT - 400231000146108)';

/**
 * The ICD agreement (dataset 637/638) as the guide maps it: 400231000146108 is not in
 * provision.code's value set, so the code is NullFlavor OTH with the text; "Wel uitvoeren" →
 * permit, nothing maps to deny, and "Nee, nog geen besluit genomen" / "Niet besproken" → no type,
 * the answer in SpecificationOther (the provision.type comment of ACPTreatmentDirective).
 */
function icdDeactivation(pseudonym: string, view: PlanView): Consent | undefined {
  const icd = view.icdDeactivation;
  if (!icd) return undefined;
  const other = {
    YES: undefined,
    NOT_YET_DECIDED: 'Nee, nog geen besluit genomen',
    NOT_DISCUSSED: 'Niet besproken',
  }[icd.value];
  return {
    resourceType: 'Consent',
    id: icdDeactivationId(pseudonym),
    meta: { profile: [PROFILE.treatmentDirective] },
    ...(icd.comment ? { extension: [{ url: EXTENSION.comment, valueString: icd.comment }] } : {}),
    ...(other ? { modifierExtension: [{ url: EXTENSION.specificationOther, valueString: other }] } : {}),
    status: 'active',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'treatment' }] },
    category: [{ coding: [{ system: SYSTEM.snomed, code: TREATMENT_DIRECTIVE_CATEGORY }] }],
    patient: patientReference(pseudonym),
    dateTime: icd.decidedOn,
    policy: [{ uri: DUTCH_LAW }],
    provision: {
      ...(other ? {} : { type: 'permit' as const }),
      code: [{ coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }], text: ICD_DEACTIVATION_TEXT }],
    },
  };
}

/**
 * A non-physician's revision of a confirmed directive, waiting for a physician, as a Consent of its
 * own beside the confirmed one: `proposed`, like a provisional limit (Consent.status is a modifier,
 * so no receiver can take it for the agreement), with the revision's decision, parties and date.
 * The confirmed directive stays `active`: it is the agreement until a physician decides.
 */
function pendingRevisionOf(pseudonym: string, d: Directive, view: PlanView): TreatmentDirectiveResources[] {
  const p = d.pendingRevision;
  if (!p) return [];
  const { pendingRevision: _p, ...confirmed } = d;
  const { consent, actors } = consentOf(
    pseudonym,
    {
      ...confirmed,
      decision: p.decision,
      specification: p.specification,
      decidedOn: p.decidedOn,
      parties: p.parties,
      comment: p.comment,
      provenance: p.provenance,
      status: 'PROVISIONAL',
    },
    view,
    undefined,
  );
  return [
    { consent: { ...consent, id: idFor(pseudonym, 'td-pending', d.key, p.provenance.changeId) }, actors },
  ];
}

/**
 * Every treatment directive of the plan: the current ones (a treatment without an agreement has
 * none: "no agreement recorded" is never a permit or a deny), pending revisions of them (proposed),
 * the ICD agreement, and the ended ones, inactive.
 */
export function treatmentDirectives(pseudonym: string, view: PlanView): TreatmentDirectiveResources[] {
  const current = view.treatmentDirectives.flatMap((d) =>
    d.status === 'NO_AGREEMENT_RECORDED'
      ? []
      : [consentOf(pseudonym, d, view, undefined), ...pendingRevisionOf(pseudonym, d, view)],
  );
  const ended = view.endedTreatmentDirectives.map((d) =>
    consentOf(pseudonym, d, view, { on: d.endedOn, reason: d.endReason }),
  );
  const icd = icdDeactivation(pseudonym, view);
  // The ICD answer records no agreement parties: its Consent has no actors to include.
  return [...current, ...(icd ? [{ consent: icd, actors: [] }] : []), ...ended];
}
