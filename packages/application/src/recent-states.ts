import type { FoldedState, FoldedStates } from '@pzp/domain';

/**
 * The states the write path folded from verified streams, for the readers of `$all` that follow
 * it on this node (the projector and the outbox, through the domain's FoldedStates): each would otherwise
 * read, decrypt and fold the whole stream again moments after a write to a patient it does not
 * hold (most writes, on a registry of many patients), to fold only the events just appended. A
 * reader uses a state only for the event that follows it (the next revision, linking to its hash),
 * so the state is exactly the fold of the events that event follows. Small: the readers keep what
 * they fold themselves, so only the last few hundred writes' states are held.
 */
export class RecentPlanStates implements FoldedStates {
  private readonly states = new Map<string, FoldedState>();

  constructor(private readonly capacity = 256) {}

  put(streamName: string, known: FoldedState): void {
    this.states.delete(streamName);
    this.states.set(streamName, known);
    if (this.states.size > this.capacity) this.states.delete(this.states.keys().next().value!);
  }

  /** The latest state of `streamName` the write path folded, while it is still held. */
  get(streamName: string): FoldedState | undefined {
    return this.states.get(streamName);
  }
}
