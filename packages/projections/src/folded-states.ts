import type { PlanState } from '@pzp/domain';

/** A patient's plan state folded from a stream that was read and verified as a hash chain. */
export interface FoldedState {
  readonly state: PlanState;
  /** The hash of the stream's event at state.version (null: an event from before the chain). */
  readonly hash: string | null;
}

/**
 * States this node folded a moment ago from streams it read and verified itself (@pzp/application's
 * RecentPlanStates): the write path reads, verifies and folds a patient's whole stream before every
 * decision, which is what the projector would otherwise do again for the events that decision
 * appended, its cache rarely holding a patient written at random among many. Used only while
 * following live appends, as the cache is.
 */
export interface FoldedStates {
  /** The latest state of `streamName` this node folded, if it still holds one. */
  get(streamName: string): FoldedState | undefined;
}
