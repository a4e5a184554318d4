import type { PlanState } from '@pzp/domain';

/** A patient's folded state and the hash-chain link it ends at. */
export interface KnownPlanState {
  readonly state: PlanState;
  /** The hash of the stream's event at `state.version`; null for an empty stream. */
  readonly hash: string | null;
}

/**
 * The states the write path folded from verified streams, for the readers of `$all` that follow
 * it on this node (the projector's FoldedStates, the outbox's KnownStates): each would otherwise
 * read, decrypt and fold the whole stream again moments after a write to a patient it does not
 * hold (most writes, on a registry of many patients), to fold only the events just appended. A
 * reader uses a state only for the event that follows it (the next revision, linking to its hash),
 * so the state is exactly the fold of the events that event follows. Small: the readers keep what
 * they fold themselves, so only the last few hundred writes' states are held.
 */
export class RecentPlanStates {
  private readonly states = new Map<string, KnownPlanState>();

  constructor(private readonly capacity = 256) {}

  put(streamName: string, known: KnownPlanState): void {
    this.states.delete(streamName);
    this.states.set(streamName, known);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value!);
  }

  /** The latest state of `streamName` the write path folded, while it is still held. */
  get(streamName: string): KnownPlanState | undefined {
    return this.states.get(streamName);
  }
}
