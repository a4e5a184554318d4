import type { Goal } from '@medplum/fhirtypes';
import { MEDICAL_POLICY_GOALS, type PlanView } from '@pzp/domain';
import { idFor } from './ids.js';
import { patientReference } from './parties.js';
import { PROFILE, SYSTEM } from './systems.js';

/**
 * The medical policy goal as ACP-Medical-Policy-Goal (Goal.fsh): the SNOMED code of
 * ACP-MedicalPolicyGoal in description, the decision date as startDate (dataset 596) and
 * statusDate, the comment as note (598).
 */
export function medicalPolicyGoal(pseudonym: string, view: PlanView): Goal | undefined {
  const goal = view.medicalPolicyGoal;
  if (!goal) return undefined;
  return {
    resourceType: 'Goal',
    id: idFor(pseudonym, 'goal', 'medical-policy'),
    meta: { profile: [PROFILE.medicalPolicyGoal] },
    lifecycleStatus: 'active',
    description: {
      coding: [{ system: SYSTEM.snomed, code: goal.value, display: MEDICAL_POLICY_GOALS[goal.value] }],
    },
    subject: patientReference(pseudonym),
    startDate: goal.decidedOn,
    statusDate: goal.decidedOn,
    ...(goal.comment ? { note: [{ text: goal.comment }] } : {}),
  };
}
