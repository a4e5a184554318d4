import type { PlanView } from '@pzp/domain';
import { advanceDirectives } from './advance-directive.js';
import { conversations } from './conversation.js';
import { contactPerson, type PartyResource } from './parties.js';
import { treatmentDirectives } from './treatment-directive.js';

type Referenced = Exclude<PartyResource, { resourceType: 'Patient' }>;

/**
 * Every RelatedPerson and PractitionerRole the plan's resources reference (agreement parties,
 * advance-directive representatives, conversation participants, the patient's contacts), once each: what a read by id may return.
 */
export function referencedResources(pseudonym: string, view: PlanView): Referenced[] {
  const all = [
    ...view.contactPersons.map((c) => contactPerson(pseudonym, c)),
    ...treatmentDirectives(pseudonym, view).flatMap((d) => d.actors),
    ...advanceDirectives(pseudonym, view).flatMap((d) => d.actors),
    ...conversations(pseudonym, view).flatMap((c) => c.parties),
  ];
  const byId = new Map<string, Referenced>();
  for (const r of all) if (r.resourceType !== 'Patient' && !byId.has(r.id!)) byId.set(r.id!, r);
  return [...byId.values()];
}
