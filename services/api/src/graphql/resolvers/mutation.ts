import { randomUUID } from 'node:crypto';
import type { ChangeResult } from '@pzp/access';
import { REPRESENTATIVE_ROLES, type CommandType, type ContactRole } from '@pzp/domain';
import type { RequestContext } from '../context.js';
import { viaDoor } from '../door-errors.js';
import { apiError, badInput } from '../errors.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';
import type { MutationResultModel } from '../models.js';
import { breakGlassMutations } from './break-glass.js';
import { shown } from './shown.js';

/** GraphQL gives null for absent optional fields; the domain's schemas expect them left out. */
function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    ) as T;
  }
  return value;
}

const orNew = (id: string | null | undefined) => id ?? randomUUID();

/**
 * Every mutation: the contract's input as the command's data, through the door, which authorizes,
 * decides and appends with the caller's expected version, waits until this node's read models
 * include the append, logs the access and returns the plan as it now is with the changes made.
 */
function changed<T extends CommandType>(
  ctx: RequestContext,
  input: { bsn: string; expectedVersion?: number | null },
  type: T,
  // The domain's zod schema for `type` checks every field (codes, lengths, dates, rules).
  data: object,
): Promise<ChangeResult> {
  return viaDoor(
    ctx.records.change(input.bsn, {
      // Omitted: a new plan, expected not to exist yet.
      expectedVersion: input.expectedVersion ?? undefined,
      type,
      data: withoutNulls(data),
    }),
  );
}

async function change<T extends CommandType>(
  ctx: RequestContext,
  input: { bsn: string; expectedVersion?: number | null },
  type: T,
  data: object,
): Promise<MutationResultModel> {
  const result = await changed(ctx, input, type, data);
  if (!result.record) throw apiError('NOT_FOUND', 'The registry holds no plan for this patient');
  return { record: shown(result.record), changes: result.changes };
}

export const Mutation: MutationResolvers = {
  ...breakGlassMutations,
  recordConversation: (_, { input }, ctx) => {
    const { bsn: _b, expectedVersion: _e, ...rest } = input;
    return change(ctx, input, 'RecordConversation', {
      ...rest,
      conversationId: orNew(input.conversationId),
      lifeWishes: input.lifeWishes?.map((w) => ({ ...w, wishId: orNew(w.wishId) })),
      advanceDirectives: input.advanceDirectives?.map((a) => ({
        ...a,
        advanceDirectiveId: orNew(a.advanceDirectiveId),
      })),
      contactPersons: input.contactPersons?.map((c) => ({
        ...c,
        contactId: orNew(c.contactId),
      })),
    });
  },
  setTreatmentDirective: (_, { input }, ctx) => change(ctx, input, 'SetTreatmentDirective', strip(input)),
  withdrawTreatmentDirective: (_, { input }, ctx) =>
    change(ctx, input, 'WithdrawTreatmentDirective', strip(input)),
  confirmTreatmentDirective: (_, { input }, ctx) =>
    change(ctx, input, 'ConfirmTreatmentDirective', strip(input)),
  rejectTreatmentDirectiveRevision: (_, { input }, ctx) =>
    change(ctx, input, 'RejectTreatmentDirectiveRevision', strip(input)),
  withdrawTreatmentDirectiveRevision: (_, { input }, ctx) =>
    change(ctx, input, 'WithdrawTreatmentDirectiveRevision', strip(input)),
  recordLifeWish: (_, { input }, ctx) =>
    change(ctx, input, 'RecordLifeWish', { text: input.text, wishId: orNew(input.wishId) }),
  withdrawLifeWish: (_, { input }, ctx) => change(ctx, input, 'WithdrawLifeWish', strip(input)),
  setMedicalPolicyGoal: (_, { input }, ctx) => change(ctx, input, 'SetMedicalPolicyGoal', strip(input)),
  registerAdvanceDirective: (_, { input }, ctx) =>
    change(ctx, input, 'RegisterAdvanceDirective', {
      ...strip(input),
      advanceDirectiveId: orNew(input.advanceDirectiveId),
    }),
  revokeAdvanceDirective: (_, { input }, ctx) => change(ctx, input, 'RevokeAdvanceDirective', strip(input)),
  setPreferredPlaceOfDeath: (_, { input }, ctx) =>
    change(ctx, input, 'SetPreferredPlaceOfDeath', strip(input)),
  setEuthanasiaPosition: (_, { input }, ctx) => change(ctx, input, 'SetEuthanasiaPosition', strip(input)),
  setOrganDonation: (_, { input }, ctx) => change(ctx, input, 'SetOrganDonation', strip(input)),
  recordIcdPresence: (_, { input }, ctx) => change(ctx, input, 'RecordIcdPresence', strip(input)),
  answerIcdDeactivation: (_, { input }, ctx) => change(ctx, input, 'AnswerIcdDeactivation', strip(input)),
  assessCapacity: (_, { input }, ctx) => change(ctx, input, 'AssessCapacity', strip(input)),
  designateRepresentative: (_, { input }, ctx) => {
    if (!REPRESENTATIVE_ROLES.includes(input.contact.role as ContactRole)) {
      throw badInput(
        `A representative has role ${REPRESENTATIVE_ROLES.join(', ')} (legal representative, curator, mentor)`,
        ['input', 'contact', 'role'],
      );
    }
    return change(ctx, input, 'DesignateContactPerson', contact(input.contact));
  },
  designateContactPerson: (_, { input }, ctx) =>
    change(ctx, input, 'DesignateContactPerson', contact(input.contact)),
  removeContactPerson: (_, { input }, ctx) => change(ctx, input, 'RemoveContactPerson', strip(input)),
  assignRole: (_, { input }, ctx) =>
    change(ctx, input, 'AssignRole', {
      ...strip(input),
      assignmentId: orNew(input.assignmentId),
    }),
  endRole: (_, { input }, ctx) => change(ctx, input, 'EndRole', strip(input)),
  recordSharingConsent: (_, { input }, ctx) => change(ctx, input, 'RecordSharingConsent', strip(input)),
  withdrawSharingConsent: (_, { input }, ctx) => change(ctx, input, 'WithdrawSharingConsent', strip(input)),
  markEnteredInError: (_, { input }, ctx) => change(ctx, input, 'MarkEnteredInError', strip(input)),
  setRegisteredGpPractice: (_, { input }, ctx) => change(ctx, input, 'SetRegisteredGpPractice', strip(input)),
  // Afterwards there is no current plan to show: the version and the changes say what happened.
  voidRecord: async (_, { input }, ctx) => {
    const { version, changes } = await changed(ctx, input, 'VoidRecord', strip(input));
    return { version, changes };
  },
  confirmPlanReviewed: (_, { input }, ctx) => change(ctx, input, 'ConfirmPlanReviewed', strip(input)),
};

/** The command's fields are the input's minus the routing fields. */
function strip<I extends { bsn: string; expectedVersion?: number | null }>(
  input: I,
): Omit<I, 'bsn' | 'expectedVersion'> {
  const { bsn: _b, expectedVersion: _e, ...rest } = input;
  return rest;
}

function contact(c: { contactId?: string | null }) {
  return { ...c, contactId: orNew(c.contactId) };
}
