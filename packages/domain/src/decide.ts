import type { z } from 'zod';
import {
  CARE_ROLES,
  DEFAULT_REVIEW_INTERVAL_MONTHS,
  REPRESENTATIVE_ROLES,
  isCareProfessional,
  isPhysician,
} from './codes.js';
import {
  CommandMetadata,
  CommandSchemas,
  type CommandData,
  type CommandType,
  type PzpCommand,
} from './commands.js';
import { RETENTION_YEARS, retentionEnded } from './destruction.js';
import type { EventDataOf, NewPzpEvent } from './events.js';
import type { PlanState } from './evolve.js';
import { treatmentKey, type Actor, type ContactPerson, type Party, type Treatment } from './model.js';
import { activeRepresentatives, activeRoles, type Plan } from './plan.js';
import { addMonths, amsterdamDate, type LocalDate } from './time.js';

export type DomainErrorCode = 'INVALID' | 'NOT_FOUND' | 'FORBIDDEN';

/** Why a command was refused for who the actor is: a stable code integrators can branch on. */
export type ForbiddenReason =
  | 'AUDITORS_DO_NOT_CHANGE_RECORDS'
  | 'PHYSICIANS_ONLY'
  | 'NOT_THE_AUTHOR'
  | 'NOT_ENTITLED_TO_VOID'
  | 'NOT_ENTITLED_TO_DESTROY';

/**
 * A command that breaks a rule. `path` points at the offending input field. A FORBIDDEN always
 * carries its reason (the type requires it): integrators branch on it, and the door logs it.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: DomainErrorCode;
  readonly path: readonly (string | number)[];
  readonly reason: ForbiddenReason | undefined;
  constructor(
    code: 'FORBIDDEN',
    message: string,
    path: readonly (string | number)[],
    reason: ForbiddenReason,
  );
  constructor(
    code: Exclude<DomainErrorCode, 'FORBIDDEN'>,
    message: string,
    path?: readonly (string | number)[],
  );
  constructor(
    code: DomainErrorCode,
    message: string,
    path: readonly (string | number)[] = [],
    reason?: ForbiddenReason,
  ) {
    super(message);
    this.code = code;
    this.path = path;
    this.reason = reason;
  }
}

const forbidden = (reason: ForbiddenReason, message: string) =>
  new DomainError('FORBIDDEN', message, [], reason);

interface Context {
  readonly actor: Actor;
  readonly now: string;
  /** `now`'s date in Amsterdam, worked out once: every date of a command is judged against it. */
  readonly today: LocalDate;
  readonly plan: Plan;
  readonly state: PlanState;
}

type Handler<T extends CommandType> = (data: CommandData<T>, ctx: Context) => NewPzpEvent[];

/**
 * decide(command, state) -> the events the command leads to, or a DomainError. Pure: the actor
 * and the clock come in the command's metadata. Input is validated here too, so the rules hold
 * for every caller, not only the API.
 */
export function decide(command: PzpCommand, state: PlanState): NewPzpEvent[] {
  const { actor, now } = parse(CommandMetadata, command.metadata, ['metadata']);
  if (!isCareProfessional(actor.profession) || actor.organization.type === 'AUDIT') {
    throw forbidden(
      'AUDITORS_DO_NOT_CHANGE_RECORDS',
      'Auditors read the record; they change nothing clinical',
    );
  }
  if (state.plan.destroyed) {
    // Its key is gone: a new entry would be personal data in a stream that was destroyed.
    throw new DomainError('NOT_FOUND', 'This record was lawfully destroyed; nothing can be recorded in it');
  }
  if (command.type !== 'RecordConversation' && !state.plan.patient) {
    throw new DomainError(
      'NOT_FOUND',
      'The registry holds no plan for this patient; record a conversation first',
    );
  }
  const data = parse(CommandSchemas[command.type], command.data, []);
  const handler = handlers[command.type] as Handler<CommandType>;
  const today = amsterdamDate(now);
  return handler(data as CommandData<CommandType>, { actor, now, today, plan: state.plan, state });
}

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly (string | number)[],
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new DomainError('INVALID', issue.message, [...prefix, ...(issue.path as (string | number)[])]);
}

const invalid = (message: string, ...path: (string | number)[]) => new DomainError('INVALID', message, path);

function notInFuture(ctx: Context, date: string, ...path: (string | number)[]) {
  if (date > ctx.today) throw invalid('Date lies in the future (judged in Europe/Amsterdam)', ...path);
}

function nextReview(
  from: string,
  d: { nextReviewOn?: string | undefined; reviewAfterMonths?: number | undefined },
  field: string,
): string {
  const next = d.nextReviewOn ?? addMonths(from, d.reviewAfterMonths ?? DEFAULT_REVIEW_INTERVAL_MONTHS);
  if (next <= from) throw invalid('The next review must come after this date', field);
  return next;
}

/** Set for a treatment without a current directive, Revised when it replaces the current one. */
function directiveEvent(
  ctx: Context,
  d: {
    treatment: Treatment;
    decision: EventDataOf<'TreatmentDirectiveSet'>['decision'];
    specification?: string | undefined;
    comment?: string | undefined;
    decidedOn: string;
    parties: Party[];
    conversationId?: string | undefined;
  },
  path: readonly (string | number)[],
): NewPzpEvent {
  const current = ctx.plan.treatmentDirectives[treatmentKey(d.treatment)];
  // Rule: an agreement never replaces a later one for the same treatment, nor revives one ended
  // later: a plan agreed in the past, entered now, must not overwrite what was agreed since.
  const since = current?.ended ? current.ended.on : current?.decidedOn;
  if (since && d.decidedOn < since) {
    throw invalid(
      current?.ended
        ? `The directive for this treatment ended on ${since}, after this agreement was made`
        : `A later agreement for this treatment (decided on ${since}) is in force: an earlier one cannot replace it`,
      ...path,
    );
  }
  // Rule: a directive recorded by a non-physician is provisional until a physician confirms it.
  const physician = isPhysician(ctx.actor.profession);
  const data = { ...d, status: physician ? 'CONFIRMED' : 'PROVISIONAL' } as const;
  if (!current || current.ended) return { type: 'TreatmentDirectiveSet', data };
  // Rule: a non-physician's change to a confirmed directive never replaces it: it is proposed.
  if (current.status === 'CONFIRMED' && !physician)
    return { type: 'TreatmentDirectiveRevisionProposed', data };
  return { type: 'TreatmentDirectiveRevised', data };
}

function pendingRevisionOf(ctx: Context, treatment: Treatment) {
  const pending = currentDirective(ctx, treatment).pendingRevision;
  if (!pending) throw new DomainError('NOT_FOUND', 'No pending revision for this treatment', ['treatment']);
  return pending;
}

function currentDirective(ctx: Context, treatment: Treatment) {
  const current = ctx.plan.treatmentDirectives[treatmentKey(treatment)];
  if (!current) throw new DomainError('NOT_FOUND', 'No directive recorded for this treatment', ['treatment']);
  if (current.ended) throw invalid('The directive for this treatment has ended', 'treatment');
  return current;
}

/** Rule: a patient without capacity must have a representative (existing, or designated alongside). */
function requireRepresentative(
  plan: Plan,
  alongside: readonly ContactPerson[],
  ...path: (string | number)[]
) {
  const has =
    activeRepresentatives(plan, REPRESENTATIVE_ROLES).length > 0 ||
    alongside.some((c) => REPRESENTATIVE_ROLES.includes(c.role));
  if (!has) {
    throw invalid(
      'A patient without capacity needs a representative (legal representative, curator or mentor)',
      ...path,
    );
  }
}

/** Index of the last void in the stream (-1 when none): what came before is not this plan. */
const lastVoid = (log: PlanState['log']): number => log.findLastIndex((e) => e.type === 'RecordVoided');

function requirePhysician(ctx: Context, what: string) {
  if (!isPhysician(ctx.actor.profession)) throw forbidden('PHYSICIANS_ONLY', `Only physicians may ${what}`);
}

const handlers: { [T in CommandType]: Handler<T> } = {
  RecordConversation(d, ctx) {
    const { plan } = ctx;
    if (!plan.patient && !d.patient)
      throw invalid('The first conversation must identify the patient', 'patient');
    if (plan.patient && d.patient && plan.patient.bsn !== d.patient.bsn) {
      throw invalid('The patient does not match this plan', 'patient', 'bsn');
    }
    notInFuture(ctx, d.date, 'date');
    const conversationId = d.conversationId;
    if (plan.conversations.some((c) => c.conversationId === conversationId))
      throw invalid('A conversation with this id exists', 'conversationId');
    const seen = new Set<string>();
    d.treatmentDirectives.forEach((t, i) => {
      const key = treatmentKey(t.treatment);
      if (seen.has(key))
        throw invalid('The same treatment appears twice', 'treatmentDirectives', i, 'treatment');
      seen.add(key);
    });
    d.lifeWishes.forEach((w, i) => {
      if (plan.lifeWishes[w.wishId])
        throw invalid('A life wish with this id exists', 'lifeWishes', i, 'wishId');
    });
    d.advanceDirectives.forEach((a, i) => {
      notInFuture(ctx, a.date, 'advanceDirectives', i, 'date');
      if (plan.advanceDirectives[a.advanceDirectiveId]) {
        throw invalid(
          'An advance directive with this id exists',
          'advanceDirectives',
          i,
          'advanceDirectiveId',
        );
      }
    });
    if (d.capacity && !d.capacity.hasCapacity)
      requireRepresentative(plan, d.contactPersons, 'capacity', 'hasCapacity');
    const hasIcd = d.icd?.present ?? plan.icd?.value;
    if (d.icdDeactivation && hasIcd === 'NO')
      throw invalid(
        'An agreement on switching off the ICD needs a patient with an ICD',
        'icdDeactivation',
        'answer',
      );

    const events: NewPzpEvent[] = [];
    if (
      d.patient &&
      (!plan.patient ||
        plan.patient.name !== d.patient.name ||
        plan.patient.birthDate !== d.patient.birthDate)
    ) {
      events.push({ type: 'PatientIdentified', data: d.patient });
    }
    events.push({
      type: 'ConversationRecorded',
      data: {
        conversationId,
        date: d.date,
        location: d.location,
        participants: d.participants,
        topics: d.topics,
        patientReady: d.patientReady,
        summary: d.summary,
        nextReviewOn: nextReview(d.date, d, 'nextReviewOn'),
        ...(d.earlierAgreements ? { earlierAgreements: d.earlierAgreements } : {}),
        ...(d.patientInformedToShare === undefined
          ? {}
          : { patientInformedToShare: d.patientInformedToShare }),
      },
    });
    // The practice the patient is registered with: given, or on a new plan recorded by a GP
    // practice, that practice.
    const practice =
      d.registeredGpPractice ??
      (!plan.patient && ctx.actor.organization.type === 'HUISARTSENPRAKTIJK'
        ? ctx.actor.organization
        : undefined);
    if (practice && plan.registeredGpPractice?.practice.id !== practice.id) {
      events.push({ type: 'RegisteredGpPracticeSet', data: { practice, from: d.date, conversationId } });
    }
    const decidedOn = d.date;
    for (const c of d.contactPersons)
      events.push({ type: 'ContactPersonDesignated', data: { ...c, conversationId } });
    d.treatmentDirectives.forEach((t, i) => {
      events.push(
        directiveEvent(ctx, { ...t, decidedOn, parties: d.participants, conversationId }, [
          'treatmentDirectives',
          i,
          'treatment',
        ]),
      );
    });
    for (const w of d.lifeWishes) events.push({ type: 'LifeWishRecorded', data: { ...w, conversationId } });
    if (d.medicalPolicyGoal) {
      events.push({
        type: 'MedicalPolicyGoalSet',
        data: { ...d.medicalPolicyGoal, decidedOn, conversationId },
      });
    }
    for (const a of d.advanceDirectives) {
      events.push({ type: 'AdvanceDirectiveRegistered', data: { ...a, conversationId } });
    }
    if (d.preferredPlaceOfDeath) {
      events.push({
        type: 'PreferredPlaceOfDeathSet',
        data: { ...d.preferredPlaceOfDeath, decidedOn, conversationId },
      });
    }
    if (d.euthanasiaPosition) {
      events.push({
        type: 'EuthanasiaPositionSet',
        data: { ...d.euthanasiaPosition, decidedOn, conversationId },
      });
    }
    if (d.organDonation) {
      events.push({ type: 'OrganDonationSet', data: { ...d.organDonation, decidedOn, conversationId } });
    }
    if (d.icd) {
      events.push({ type: 'IcdPresenceRecorded', data: { ...d.icd, decidedOn, conversationId } });
    }
    if (d.icdDeactivation) {
      events.push({
        type: 'IcdDeactivationAnswered',
        data: { ...d.icdDeactivation, decidedOn, conversationId },
      });
    }
    if (d.capacity) {
      events.push({
        type: 'CapacityAssessed',
        data: { ...d.capacity, assessedOn: decidedOn, conversationId },
      });
    }
    for (const s of d.sharingConsents) {
      events.push({ type: 'SharingConsentRecorded', data: { ...s, recordedOn: decidedOn, conversationId } });
    }
    if (d.otherInformation) {
      events.push({ type: 'OtherInformationRecorded', data: { text: d.otherInformation, conversationId } });
    }
    return events;
  },

  SetTreatmentDirective(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [directiveEvent(ctx, d, ['decidedOn'])];
  },

  WithdrawTreatmentDirective(d, ctx) {
    const current = currentDirective(ctx, d.treatment);
    if (current.status === 'CONFIRMED') requirePhysician(ctx, 'end a confirmed treatment directive');
    notInFuture(ctx, d.endedOn, 'endedOn');
    if (d.endedOn < current.decidedOn)
      throw invalid('A directive cannot end before it was decided', 'endedOn');
    return [{ type: 'TreatmentDirectiveWithdrawn', data: d }];
  },

  ConfirmTreatmentDirective(d, ctx) {
    requirePhysician(ctx, 'confirm a treatment directive');
    const current = currentDirective(ctx, d.treatment);
    // A confirmed directive with a pending revision: confirming means the revision replaces it.
    const version = current.status === 'CONFIRMED' ? current.pendingRevision : current;
    if (!version) throw invalid('This directive is already confirmed', 'treatment');
    notInFuture(ctx, d.confirmedOn, 'confirmedOn');
    if (d.confirmedOn < version.decidedOn)
      throw invalid('A directive cannot be confirmed before it was decided', 'confirmedOn');
    return [
      {
        type: 'TreatmentDirectiveConfirmed',
        data: { ...d, confirmedChangeId: version.provenance.changeId },
      },
    ];
  },

  RejectTreatmentDirectiveRevision(d, ctx) {
    requirePhysician(ctx, 'reject a pending revision');
    const pending = pendingRevisionOf(ctx, d.treatment);
    return [
      {
        type: 'TreatmentDirectiveRevisionRejected',
        data: { ...d, proposalChangeId: pending.provenance.changeId },
      },
    ];
  },

  WithdrawTreatmentDirectiveRevision(d, ctx) {
    const pending = pendingRevisionOf(ctx, d.treatment);
    if (pending.provenance.recordedBy.id !== ctx.actor.id) {
      throw forbidden(
        'NOT_THE_AUTHOR',
        'Only the author of a pending revision may withdraw it; a physician may reject it',
      );
    }
    return [
      {
        type: 'TreatmentDirectiveRevisionWithdrawn',
        data: { ...d, proposalChangeId: pending.provenance.changeId },
      },
    ];
  },

  RecordLifeWish(d, ctx) {
    if (ctx.plan.lifeWishes[d.wishId]) throw invalid('A life wish with this id exists', 'wishId');
    return [{ type: 'LifeWishRecorded', data: d }];
  },

  WithdrawLifeWish(d, ctx) {
    const wish = ctx.plan.lifeWishes[d.wishId];
    if (!wish) throw new DomainError('NOT_FOUND', 'No such life wish', ['wishId']);
    if (wish.withdrawn) throw invalid('This life wish was already withdrawn', 'wishId');
    return [{ type: 'LifeWishWithdrawn', data: d }];
  },

  SetMedicalPolicyGoal(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [{ type: 'MedicalPolicyGoalSet', data: d }];
  },

  RegisterAdvanceDirective(d, ctx) {
    if (ctx.plan.advanceDirectives[d.advanceDirectiveId]) {
      throw invalid('An advance directive with this id exists', 'advanceDirectiveId');
    }
    notInFuture(ctx, d.date, 'date');
    return [{ type: 'AdvanceDirectiveRegistered', data: d }];
  },

  RevokeAdvanceDirective(d, ctx) {
    const directive = ctx.plan.advanceDirectives[d.advanceDirectiveId];
    if (!directive) throw new DomainError('NOT_FOUND', 'No such advance directive', ['advanceDirectiveId']);
    if (directive.revoked) throw invalid('This advance directive was already revoked', 'advanceDirectiveId');
    notInFuture(ctx, d.revokedOn, 'revokedOn');
    return [{ type: 'AdvanceDirectiveRevoked', data: d }];
  },

  SetPreferredPlaceOfDeath(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [{ type: 'PreferredPlaceOfDeathSet', data: d }];
  },

  SetEuthanasiaPosition(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [{ type: 'EuthanasiaPositionSet', data: d }];
  },

  SetOrganDonation(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [{ type: 'OrganDonationSet', data: d }];
  },

  // An ICD may be explanted: "no ICD" after an agreement on switching it off is not refused.
  RecordIcdPresence(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    return [{ type: 'IcdPresenceRecorded', data: d }];
  },

  AnswerIcdDeactivation(d, ctx) {
    notInFuture(ctx, d.decidedOn, 'decidedOn');
    if (ctx.plan.icd?.value === 'NO')
      throw invalid('The plan says the patient has no ICD: record that they have one first', 'answer');
    return [{ type: 'IcdDeactivationAnswered', data: d }];
  },

  AssessCapacity(d, ctx) {
    notInFuture(ctx, d.assessedOn, 'assessedOn');
    if (!d.hasCapacity) requireRepresentative(ctx.plan, [], 'hasCapacity');
    return [{ type: 'CapacityAssessed', data: d }];
  },

  RecordOtherInformation(d) {
    return [{ type: 'OtherInformationRecorded', data: d }];
  },

  DesignateContactPerson(d) {
    return [{ type: 'ContactPersonDesignated', data: d }];
  },

  RemoveContactPerson(d, ctx) {
    const contact = ctx.plan.contactPersons[d.contactId];
    if (!contact) throw new DomainError('NOT_FOUND', 'No such contact person', ['contactId']);
    if (contact.removed) throw invalid('This contact person was already removed', 'contactId');
    return [{ type: 'ContactPersonRemoved', data: d }];
  },

  AssignRole(d, ctx) {
    const role = CARE_ROLES[d.role];
    if (d.role === 'REGIEBEHANDELAAR' || role.physicianOnly)
      requirePhysician(ctx, `assign the ${role.label} role`);
    if (role.physicianOnly && !isPhysician(d.practitioner.profession)) {
      throw invalid(`The ${role.label} must be a physician`, 'practitioner', 'profession');
    }
    if (ctx.plan.roles[d.assignmentId])
      throw invalid('A role assignment with this id exists', 'assignmentId');
    notInFuture(ctx, d.from, 'from');
    const holders = activeRoles(ctx.plan, d.role);
    if (holders.some((h) => h.practitioner.id === d.practitioner.id)) {
      throw invalid(`This practitioner already holds the ${role.label} role`, 'practitioner');
    }
    const events: NewPzpEvent[] = [];
    // Rule: one holder at a time for single roles; the new one takes over from the old, which
    // cannot happen before the old one started (the handover would end a role before it began).
    if (role.single) {
      if (holders.some((h) => d.from < h.from))
        throw invalid(`The handover cannot precede the start of the current ${role.label}`, 'from');
      for (const h of holders) {
        events.push({
          type: 'RoleEnded',
          data: {
            assignmentId: h.assignmentId,
            endedOn: d.from,
            reason: `Overgedragen aan ${d.practitioner.name}`,
            transition: d.transition,
            successorAssignmentId: d.assignmentId,
          },
        });
      }
    }
    events.push({ type: 'RoleAssigned', data: d });
    if (d.role === 'REGIEBEHANDELAAR' && holders.length > 0) {
      events.push({
        type: 'PlanReviewRequested',
        data: { reason: 'REGIEBEHANDELAAR_CHANGED', dueOn: d.from },
      });
    } else if (d.transition) {
      events.push({ type: 'PlanReviewRequested', data: { reason: 'TRANSITION', dueOn: d.from } });
    }
    return events;
  },

  EndRole(d, ctx) {
    const assignment = ctx.plan.roles[d.assignmentId];
    if (!assignment) throw new DomainError('NOT_FOUND', 'No such role assignment', ['assignmentId']);
    if (assignment.ended) throw invalid('This role assignment has already ended', 'assignmentId');
    const role = CARE_ROLES[assignment.role];
    if (assignment.role === 'REGIEBEHANDELAAR' || role.physicianOnly)
      requirePhysician(ctx, `end the ${role.label} role`);
    notInFuture(ctx, d.endedOn, 'endedOn');
    if (d.endedOn < assignment.from) throw invalid('A role cannot end before it started', 'endedOn');
    return [{ type: 'RoleEnded', data: d }];
  },

  RecordSharingConsent(d, ctx) {
    notInFuture(ctx, d.recordedOn, 'recordedOn');
    return [{ type: 'SharingConsentRecorded', data: d }];
  },

  WithdrawSharingConsent(d, ctx) {
    const consent = ctx.plan.sharingConsent[d.organizationType];
    if (!consent)
      throw new DomainError('NOT_FOUND', 'No consent recorded for this organisation type', [
        'organizationType',
      ]);
    if (consent.decision !== 'GRANTED')
      throw invalid('There is no granted consent to withdraw', 'organizationType');
    notInFuture(ctx, d.withdrawnOn, 'withdrawnOn');
    return [{ type: 'SharingConsentWithdrawn', data: d }];
  },

  MarkEnteredInError(d, ctx) {
    const { log, inError, inErrorConversations } = ctx.state;
    const index = log.findIndex((e) => e.metadata.eventId === d.changeId);
    const target = log[index];
    if (!target) throw new DomainError('NOT_FOUND', 'No such change in this plan', ['changeId']);
    if (
      target.type === 'ChangeMarkedEnteredInError' ||
      target.type === 'PatientIdentified' ||
      target.type === 'RecordVoided'
    ) {
      throw invalid(
        target.type === 'PatientIdentified'
          ? 'A patient cannot be marked entered-in-error; void the record if it was entered on the wrong patient'
          : 'This kind of change cannot be marked entered-in-error',
        'changeId',
      );
    }
    if (index < lastVoid(log)) throw invalid('This change belongs to a record that was voided', 'changeId');
    if (inError.has(d.changeId)) throw invalid('This change is already marked entered-in-error', 'changeId');
    const conversationId = (target.data as { conversationId?: string }).conversationId;
    if (conversationId !== undefined && inErrorConversations.has(conversationId))
      throw invalid('This change came from a conversation already marked entered-in-error', 'changeId');
    // A correction needs the authority of the original: a physician's entry is corrected by a physician.
    if (isPhysician(target.metadata.recordedBy.profession))
      requirePhysician(ctx, "correct a physician's entry");
    return [{ type: 'ChangeMarkedEnteredInError', data: { ...d, changeType: target.type } }];
  },

  SetRegisteredGpPractice(d, ctx) {
    notInFuture(ctx, d.from, 'from');
    return [{ type: 'RegisteredGpPracticeSet', data: d }];
  },

  VoidRecord(d, ctx) {
    // Rule: physicians, and the organisation that entered the record, may void it.
    const identified = ctx.state.log
      .slice(lastVoid(ctx.state.log) + 1)
      .find((e) => e.type === 'PatientIdentified');
    const authorOrganization = identified?.metadata.recordedBy.organization.id;
    if (!isPhysician(ctx.actor.profession) && ctx.actor.organization.id !== authorOrganization) {
      throw forbidden(
        'NOT_ENTITLED_TO_VOID',
        'Only physicians, or the organisation that entered the record, may void it',
      );
    }
    notInFuture(ctx, d.voidedOn, 'voidedOn');
    return [{ type: 'RecordVoided', data: d }];
  },

  DestroyRecord(d, ctx) {
    // Rule: the record is destroyed by those who answer for it to the patient: the current
    // regiebehandelaar, or a physician of the practice the patient is registered with.
    const { actor, plan } = ctx;
    const regiebehandelaar = activeRoles(plan, 'REGIEBEHANDELAAR').some(
      (r) => r.practitioner.id === actor.id,
    );
    const registeredGp =
      isPhysician(actor.profession) && plan.registeredGpPractice?.practice.id === actor.organization.id;
    if (!regiebehandelaar && !registeredGp) {
      throw forbidden(
        'NOT_ENTITLED_TO_DESTROY',
        "Only the patient's regiebehandelaar, or a physician of the practice the patient is registered with, may destroy the record",
      );
    }
    const last = ctx.state.log.at(-1)?.metadata.recordedAt;
    if (d.grounds === 'RETENTION_PERIOD_ENDED' && last !== undefined && !retentionEnded(last, ctx.now)) {
      throw invalid(
        `The retention period (${RETENTION_YEARS} years after the last change) has not ended`,
        'grounds',
      );
    }
    return [{ type: 'RecordDestroyed', data: d }];
  },

  ConfirmPlanReviewed(d, ctx) {
    notInFuture(ctx, d.reviewedOn, 'reviewedOn');
    return [
      {
        type: 'PlanReviewConfirmed',
        data: {
          reviewedOn: d.reviewedOn,
          comment: d.comment,
          nextReviewOn: nextReview(d.reviewedOn, d, 'nextReviewOn'),
        },
      },
    ];
  },
};
