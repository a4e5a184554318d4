import { randomUUID } from 'node:crypto';
import { handleCommand } from '@pzp/application';
import {
  REPRESENTATIVE_ROLES,
  streamNameFor,
  type CommandType,
  type ContactRole,
  type PzpCommand,
} from '@pzp/domain';
import { openRecord } from '../../access/patient-access.js';
import type { RequestContext } from '../context.js';
import { apiError, badInput, toApiError } from '../errors.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';
import type { MutationResultModel } from '../models.js';
import { correctedChangeIds, toChange, toRecord } from './record.js';

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
 * The write path of every mutation: authorize, decide and append with the caller's expected
 * version, wait until this node's read models include the append, then return the plan as it now
 * is and the changes made, logging that the caller was shown the record.
 */
async function change<T extends CommandType>(
  ctx: RequestContext,
  input: { bsn: string; expectedVersion?: number | null },
  type: T,
  // The domain's zod schema for `type` checks every field (codes, lengths, dates, rules).
  data: object,
): Promise<MutationResultModel> {
  const access = await openRecord(ctx, { bsn: input.bsn, action: 'WRITE', purpose: 'TREATMENT' });
  const { services, principal } = ctx;
  const command = {
    type,
    data: withoutNulls(data),
    metadata: { actor: principal.actor, now: services.clock().toISOString() },
  } as PzpCommand;
  let handled;
  try {
    handled = await handleCommand(services.store, {
      streamName: streamNameFor(access.pseudonym),
      command,
      // A new plan is expected not to exist: a second "first conversation" is a conflict, not a merge.
      expectedVersion: input.expectedVersion ?? -1,
      sourceSystem: principal.clientSystem,
      correlationId: ctx.requestId,
    });
  } catch (e) {
    throw toApiError(e);
  }
  if (handled.position !== undefined) await services.projector.waitFor(handled.position);
  const plan = services.queries.currentPlan(access.pseudonym);
  if (!plan) throw apiError('NOT_FOUND', 'The registry holds no plan for this patient');
  const before = handled.version - handled.events.length;
  const changes = services.queries.history(access.pseudonym, before, handled.events.length).items;
  await access.log(plan.version);
  const corrected = correctedChangeIds(plan.view);
  return {
    record: toRecord(access.pseudonym, plan.version, plan.view, services.clock(), false),
    changes: changes.map((row) => toChange(row, corrected)),
  };
}

export const Mutation: MutationResolvers = {
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
