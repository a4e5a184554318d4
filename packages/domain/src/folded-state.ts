import type { PlanState } from './evolve.js';

/** A patient's plan state folded from a stream that was read and verified as a hash chain. */
export interface FoldedState {
  readonly state: PlanState;
  /** The hash of the stream's event at state.version (null: an event from before the chain). */
  readonly hash: string | null;
}

/**
 * States this node folded a moment ago from streams it read and verified itself (the write path's
 * RecentPlanStates, @pzp/application): it reads, verifies and folds a patient's whole stream
 * before every decision, which is what the projector and the outbox would otherwise do again for
 * the events that decision appended, their caches rarely holding a patient written at random
 * among many. A reader takes a state only for the event that follows it: the next revision,
 * whose chain link names the state's hash.
 */
export interface FoldedStates {
  /** The latest state of `streamName` this node folded, if it still holds one. */
  get(streamName: string): FoldedState | undefined;
}
