import {
  ADVANCE_DIRECTIVE_TYPES,
  directiveView,
  endedDirectiveView,
  type ItemChange,
  type Plan,
  type TreatmentDirectiveItem,
} from '@pzp/domain';
import type { Resolvers } from '../generated/resolvers-types.js';

/** The GraphQL type each section's items are read in (the same as in the plan itself). */
// `destroyed` is never in a diff: a destruction's history row lists no changes (describeChange).
const TYPE_OF_SECTION: Readonly<
  Record<Exclude<keyof Plan, 'corrections' | 'treatmentDirectives' | 'destroyed'>, string>
> = {
  patient: 'Patient',
  lifeWishes: 'LifeWish',
  advanceDirectives: 'AdvanceDirective',
  medicalPolicyGoal: 'MedicalPolicyGoal',
  preferredPlaceOfDeath: 'PreferredPlaceOfDeath',
  euthanasiaPosition: 'EuthanasiaPositionAnswer',
  organDonation: 'OrganDonationAnswer',
  icd: 'IcdAnswer',
  icdDeactivation: 'IcdDeactivationAnswer',
  capacity: 'Capacity',
  otherInformation: 'OtherInformation',
  contactPersons: 'ContactPerson',
  roles: 'RoleAssignment',
  sharingConsent: 'SharingConsent',
  conversations: 'Conversation',
  registeredGpPractice: 'RegisteredGpPractice',
  lastDiscussedOn: 'PlanDate',
  lastReviewedOn: 'PlanDate',
  reviewDueOn: 'PlanDate',
  reviewRequested: 'ReviewRequest',
};

/**
 * One item of the plan as history recorded it (the plan's own shape, see diffPlans), in the type
 * the API reads it in, tagged with that type for the PlanItem union. A directive reads as the
 * current plan shows directives, or, once ended, as an ended directive with when and why.
 */
function planItem(section: ItemChange['section'], value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (section === 'treatmentDirectives') {
    const item = value as TreatmentDirectiveItem;
    return item.ended
      ? { __typename: 'EndedTreatmentDirective', ...endedDirectiveView(item, item.ended) }
      : { __typename: 'TreatmentDirective', ...directiveView(item) };
  }
  if (section === 'corrections') return null; // never diffed: corrections are changes of their own
  if (section === 'destroyed') return null;
  const __typename = TYPE_OF_SECTION[section];
  if (__typename === 'PlanDate') return { __typename, date: value };
  if (section === 'advanceDirectives') {
    const a = value as Plan['advanceDirectives'][string];
    return { __typename, ...a, display: ADVANCE_DIRECTIVE_TYPES[a.type] };
  }
  return { __typename, ...(value as object) };
}

export const historyResolvers: Resolvers = {
  ItemChange: {
    // The generated types know the union's members, not that these are shaped as them.
    before: (c) => planItem(c.section, c.before) as never,
    after: (c) => planItem(c.section, c.after) as never,
  },
  PlanItem: {
    __resolveType: (item) => (item as { __typename: string }).__typename as never,
  },
};
