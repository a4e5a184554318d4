import {
  agreedOnEvents,
  currentView,
  fold,
  readStoredEvent,
  type PlanState,
  type PlanView,
} from '@pzp/domain';
import { readVerifiedStream, type EventStore } from '@pzp/event-store';

export interface PlanAsOf {
  readonly state: PlanState;
  /**
   * The plan's view from the events held at `asOf`, exactly as the read models store a current
   * plan: without the warnings that depend on the date (REVIEW_OVERDUE). Whoever shows it judges
   * those once, at `asOf`, as for a current plan; adding them here too showed them twice.
   */
  readonly view: PlanView;
  /** Stream revision of the last event the registry held at that instant. */
  readonly version: number;
  readonly asOf: Date;
}

/**
 * The plan exactly as the registry held it at `at`: the stream's events recorded by then, folded
 * with the same evolve() as everything else. Corrections recorded later are not applied, because
 * the registry did not hold them yet. Undefined when there was no plan (none yet, or voided). It reads the event store,
 * not the read models, so it belongs with the write path rather than the projections. The whole
 * stream's hash chain is checked first (a change after the instant can break it too): a broken
 * one throws BrokenChainError rather than show a plan from changed events.
 */
export async function planAsOf(
  store: EventStore,
  streamName: string,
  at: Date,
): Promise<PlanAsOf | undefined> {
  const events = await readVerifiedStream(store, streamName);
  const held = [];
  for (const e of events) {
    // Its link was checked above: the store's own event at this schema version is taken as written.
    const event = readStoredEvent(e);
    // recordedAt is the server's time of the write, the same instant history shows; the first
    // event after `at` ends the prefix, so a later event can never appear in an earlier view.
    if (Date.parse(event.metadata.recordedAt) > at.getTime()) break;
    held.push(event);
  }
  const state = fold(held);
  // No events yet, or a record voided as entered on the wrong patient: no plan at that instant.
  if (state.plan.patient === null) return undefined;
  return { state, view: currentView(state.plan), version: state.version, asOf: at };
}

export interface PlanAgreedOn {
  /** The plan from the changes agreed on or before `on`, as the registry knows them now. */
  readonly view: PlanView;
  /** The stream's revision now: what the answer was made from. */
  readonly version: number;
  readonly on: string;
}

/**
 * The plan as agreed on a date (valid time: the changes' own decision dates, foldAgreedOn),
 * beside planAsOf's transaction time. Undefined when nothing of a plan had been agreed by then,
 * or the record is voided. The stream's hash chain is checked first, as for planAsOf.
 */
export async function planAgreedOn(
  store: EventStore,
  streamName: string,
  on: string,
): Promise<PlanAgreedOn | undefined> {
  const events = (await readVerifiedStream(store, streamName)).map((e) => readStoredEvent(e));
  if (events.length === 0) return undefined;
  const now = fold(events);
  if (now.plan.patient === null) return undefined;
  const agreed = agreedOnEvents(events, on);
  if (agreed.dated === 0) return undefined;
  const state = fold(agreed.events);
  return { view: currentView(state.plan), version: now.version, on };
}
