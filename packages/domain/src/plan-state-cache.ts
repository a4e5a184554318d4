import type { PlanState } from './evolve.js';

/**
 * What a reader keeps unless told otherwise, some 12 MiB. Rebuilding the 100,000-patient region
 * (seeded plaintext then; scripts/bench-rebuild.ts --cache-events) folded no stream twice with
 * 10,000 events, as with 65,000 (the old 5,000 patients), and took 61 s against 69 s and peaked
 * at 720 MB RSS against 1,001; a cache of one event folded 32,427 streams again. Live, the write
 * path's RecentPlanStates hands both readers the state of every write made on this node, so what
 * they keep serves writes from other nodes and catching up.
 */
export const DEFAULT_PLAN_STATE_CACHE_EVENTS = 10_000;

/**
 * The plan states a reader of `$all` (the projector, the outbox) keeps in memory, least recently
 * used dropped first, bounded by the events they hold rather than by patients: a state keeps its
 * stream's whole parsed log (evolve.ts), so a patient with 40 events weighs four times one with
 * 10. Measured on the seeded 100,000-patient region: 1.2 kB of heap per event held, 16 kB per
 * patient; 5,000 patients per cache were some 75 MiB each, and filled as writes reached new
 * patients.
 */
export class PlanStateCache {
  // Map iteration order is insertion order: the first key is the least recently used.
  private readonly states = new Map<string, PlanState>();
  private held = 0;

  constructor(private readonly maxEvents: number) {}

  get(streamName: string): PlanState | undefined {
    return this.states.get(streamName);
  }

  /** Keeps `state` as the latest of `streamName`; a state heavier than the whole budget is not kept. */
  set(streamName: string, state: PlanState): void {
    this.delete(streamName);
    const weight = weightOf(state);
    if (weight > this.maxEvents) return;
    this.states.set(streamName, state);
    this.held += weight;
    while (this.held > this.maxEvents) this.delete(this.states.keys().next().value!);
  }

  delete(streamName: string): void {
    const state = this.states.get(streamName);
    if (state === undefined) return;
    this.states.delete(streamName);
    this.held -= weightOf(state);
  }

  clear(): void {
    this.states.clear();
    this.held = 0;
  }

  /** Events held by the states kept (the budget's unit). */
  get events(): number {
    return this.held;
  }

  get size(): number {
    return this.states.size;
  }
}

// An empty stream's state still costs its Map entry and plan: it weighs one.
const weightOf = (state: PlanState): number => Math.max(1, state.log.length);
