import {
  AccessDeniedError,
  decideAccess,
  decideListedPlan,
  type AccessDecision,
  type PatientFacts,
} from '@pzp/access';
import type { Actor } from '@pzp/domain';

/**
 * Who may be told what, in the access policy's own terms (no second policy): notices are for care
 * professionals of an organisation, by the policy's row for an organisation's own lists (the reviews
 * due), and a change is told only to a caller who may read the plan as the change left it, by the
 * rule the reviews-due list applies to each plan (decideListedPlan).
 */
export function decideNotices(actor: Actor): AccessDecision {
  return decideAccess({ actor, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' }, undefined);
}

/** Throws the policy's refusal when `actor` may not subscribe to or manage notices. */
export function requireNotices(actor: Actor): void {
  const decision = decideNotices(actor);
  if (decision.outcome === 'DENIED') throw new AccessDeniedError(decision.reason, decision.message);
}

export const mayBeTold = (actor: Actor, facts: PatientFacts): boolean =>
  decideListedPlan(actor, facts).outcome === 'GRANTED';
