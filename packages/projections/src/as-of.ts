import { amsterdamDate, fold, parseEvent, viewOf, type PlanState, type PlanView } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';

export interface PlanAsOf {
  readonly state: PlanState;
  readonly view: PlanView;
  /** Stream revision of the last event the registry held at that instant. */
  readonly version: number;
  readonly asOf: Date;
}

/**
 * The plan exactly as the registry held it at `at`: the stream's events recorded by then, folded with the same evolve() as everything else. Corrections recorded later
 * are not applied, because the registry did not hold them yet. Undefined when there was no plan.
 */
export async function planAsOf(
  store: EventStore,
  streamName: string,
  at: Date,
): Promise<PlanAsOf | undefined> {
  const events = await store.readStream(streamName);
  const held = [];
  for (const e of events) {
    const event = parseEvent(e);
    // recordedAt is the server's time of the write, the same instant history shows; the first
    // event after `at` ends the prefix, so a later event can never appear in an earlier view.
    if (Date.parse(event.metadata.recordedAt) > at.getTime()) break;
    held.push(event);
  }
  if (held.length === 0) return undefined;
  const state = fold(held);
  return { state, view: viewOf(state, amsterdamDate(at)), version: state.version, asOf: at };
}
