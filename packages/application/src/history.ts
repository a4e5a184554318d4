import {
  describeChange,
  evolve,
  fold,
  readStoredEvent,
  type ChangeEntry,
  type PlanState,
  type PzpEvent,
} from '@pzp/domain';
import { readVerifiedStream, type EventStore } from '@pzp/event-store';

/** One row of a plan's change history: the change that made plan version `revision`. */
export interface HistoryEntry extends ChangeEntry {
  readonly revision: number;
}

export interface HistoryPage {
  readonly items: readonly HistoryEntry[];
  readonly hasMore: boolean;
}

/** `events` folded into `state` one by one, each described by describeChange(). */
export function describeEvents(
  state: PlanState,
  events: readonly PzpEvent[],
): { readonly entries: HistoryEntry[]; readonly state: PlanState } {
  const entries: HistoryEntry[] = [];
  let before = state;
  for (const event of events) {
    const after = evolve(before, event);
    entries.push({ revision: after.version, ...describeChange(before, event, after) });
    before = after;
  }
  return { entries, state: before };
}

/**
 * A page of the plan's change history, oldest first, after version `afterRevision` (-1 for the
 * start), made from the events with the same evolve() as everything else. It reads the event
 * store, not a read model: the history is what the events say, read by an auditor one patient at
 * a time, and a second copy of it beside the log took more disk than the log itself. The whole
 * stream's hash chain is checked first (BrokenChainError), as for the plan as of an instant; only
 * the events up to the page's end are read (readStoredEvent: their links were checked).
 */
export async function planHistory(
  store: EventStore,
  streamName: string,
  afterRevision: number,
  limit: number,
): Promise<HistoryPage> {
  const events = await readVerifiedStream(store, streamName);
  const start = Math.max(0, afterRevision + 1);
  const end = Math.min(events.length, start + limit);
  const parsed = events.slice(0, end).map((e) => readStoredEvent(e));
  const { entries } = describeEvents(fold(parsed.slice(0, start)), parsed.slice(start));
  return { items: entries, hasMore: events.length > end };
}
