import { AccessRecorded, type AccessAction, type AccessPurpose } from '@pzp/domain';
import type { CurrentPlanRow } from '@pzp/projections';
import { apiError, badInput } from '../graphql/errors.js';
import type { RequestContext } from '../graphql/context.js';
import { decideAccess, factsFromView, type AccessDecision } from './policy.js';

/** The longest break-the-glass reason an access record holds. */
const MAX_REASON = AccessRecorded.shape.data.shape.breakGlassReason.unwrap().maxLength ?? 4000;

export interface AccessRequest {
  readonly bsn: string;
  readonly action: AccessAction;
  readonly purpose: AccessPurpose;
  readonly breakGlassReason?: string | null | undefined;
}

export interface GrantedAccess {
  readonly pseudonym: string;
  /** The current plan, when there is one. */
  readonly plan: CurrentPlanRow | undefined;
  readonly decision: Extract<AccessDecision, { outcome: 'GRANTED' }>;
  /** Appends the NEN 7513 record; call before the response is sent, with the version shown. */
  readonly log: (planVersion: number | undefined) => Promise<void>;
}

/**
 * The one door to a patient's record: applies the access policy to the current plan, writes the
 * access record of a refusal before refusing, and hands a granted caller the means to log what it
 * showed. Resolvers never decide access themselves.
 */
export async function openRecord(ctx: RequestContext, request: AccessRequest): Promise<GrantedAccess> {
  const { services, principal } = ctx;
  const pseudonym = services.pseudonymOf(request.bsn);
  const plan = await ctx.loaders.plan.load(pseudonym);
  const breakGlassReason = request.breakGlassReason?.trim() || undefined;
  // The reason goes into the access record, which holds at most MAX_REASON characters: refuse a
  // longer one as bad input up front rather than fail while writing the record.
  if (breakGlassReason !== undefined && breakGlassReason.length > MAX_REASON) {
    throw badInput(`breakGlassReason is longer than ${MAX_REASON} characters`, ['breakGlassReason']);
  }
  const decision = decideAccess(
    { actor: principal.actor, action: request.action, purpose: request.purpose, breakGlassReason },
    plan ? factsFromView(plan.view) : undefined,
  );
  const log = async (
    outcome: 'GRANTED' | 'DENIED',
    basis: string,
    flagged: boolean,
    planVersion?: number,
  ) => {
    await services.accessLog.record({
      pseudonym,
      action: request.action,
      user: principal.actor,
      clientSystem: principal.clientSystem,
      purpose: request.purpose,
      outcome,
      basis,
      breakGlassReason,
      flagged,
      planVersion,
      requestId: ctx.requestId,
    });
  };
  if (decision.outcome === 'DENIED') {
    await log('DENIED', decision.reason, request.purpose === 'BREAK_THE_GLASS'); // a refused break-glass attempt is flagged too
    throw apiError('FORBIDDEN', decision.message, { reason: decision.reason });
  }
  return {
    pseudonym,
    plan,
    decision,
    log: (planVersion) => log('GRANTED', decision.basis, decision.flagged, planVersion),
  };
}
