import { randomUUID } from 'node:crypto';
import {
  decide,
  envelope,
  fold,
  readStoredEvent,
  type PlanState,
  type PzpCommand,
  type PzpEvent,
} from '@pzp/domain';
import {
  readVerifiedStream,
  WrongExpectedVersionError,
  type EventStore,
  type ExpectedRevision,
} from '@pzp/event-store';
import { commandEventIds, commandId } from './command-event-ids.js';
import { describeEvents, type HistoryEntry } from './history.js';
import type { RecentPlanStates } from './recent-states.js';

export interface HandleCommandOptions {
  /** `pzp-<pseudonym>`: never built from a BSN here, so a BSN cannot leak into a stream name. */
  readonly streamName: string;
  readonly command: PzpCommand;
  /**
   * The plan version the caller saw (stream revision; -1 for "no plan yet"). Omitted: the version
   * this handler read, which still rules out a lost update between its read and its write.
   */
  readonly expectedVersion?: number | undefined;
  readonly sourceSystem: string;
  readonly correlationId?: string | undefined;
  /**
   * The client's key for this command (its idempotency key, or the request id it sent): event ids
   * are derived from it, with the stream and version, so a retried append of the same command
   * (after a lost acknowledgement) is recognised by the store instead of written twice. Omitted:
   * random ids.
   */
  readonly commandKey?: string | undefined;
  /** Event ids in order (tests); takes precedence over `commandKey`. */
  readonly newId?: () => string;
  /** Where the state this handler folded is left for the projector and the outbox (RecentPlanStates). */
  readonly recentStates?: RecentPlanStates | undefined;
}

export interface HandledCommand {
  readonly events: PzpEvent[];
  /** Plan version after the append. */
  readonly version: number;
  /** Global position of the last appended event: wait for the read models to reach it. */
  readonly position: bigint | undefined;
  readonly state: PlanState;
  /** What each appended event changed, as the plan's history shows it. */
  readonly changes: readonly HistoryEntry[];
}

/** A caller's expected version did not match the plan's; nothing was written. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`The plan is at version ${actualVersion}, not ${expectedVersion}: it was changed meanwhile`);
  }
}

const toExpectedRevision = (version: number): ExpectedRevision =>
  version < 0 ? 'no_stream' : BigInt(version);

/**
 * The write path: load the patient's stream, fold it, decide, append with optimistic concurrency.
 * All events of one command (e.g. a whole conversation) go in one atomic append. A stream that
 * fails its hash chain is not decided on (BrokenChainError): a decision taken on changed events
 * would be a decision on a plan nobody made.
 */
export async function handleCommand(
  store: EventStore,
  options: HandleCommandOptions,
): Promise<HandledCommand> {
  const { streamName, command } = options;
  const recorded = await readVerifiedStream(store, streamName);
  // Every link was checked above, so the store's own events at the current schema version are
  // taken as written (validated when they came in); anything else is parsed in full.
  const state = fold(recorded.map((e) => readStoredEvent(e)));
  if (options.expectedVersion !== undefined && options.expectedVersion !== state.version) {
    throw new VersionConflictError(options.expectedVersion, state.version);
  }
  const decided = decide(command, state);
  const newId =
    options.newId ??
    (options.commandKey === undefined
      ? randomUUID
      : commandEventIds(
          commandId(options.commandKey, streamName, state.version, [
            command.type,
            command.data,
            command.metadata.actor.id,
          ]),
        ));
  const events = envelope(decided, {
    actor: command.metadata.actor,
    now: command.metadata.now,
    sourceSystem: options.sourceSystem,
    correlationId: options.correlationId ?? newId(),
    causationId: command.type,
    newId,
  });
  if (events.length === 0) return { events, version: state.version, position: undefined, state, changes: [] };
  // Left before the append: its reader may see the new events before this handler resumes. The
  // state is the verified stream's as read, whether or not this append wins; a reader links it to
  // the event that follows it by the last event's hash.
  const head = recorded.at(-1)?.integrity?.hash;
  if (head !== undefined) options.recentStates?.put(streamName, { state, hash: head });
  try {
    const result = await store.appendToStream(
      streamName,
      events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
      { expectedRevision: toExpectedRevision(state.version) },
    );
    const described = describeEvents(state, events);
    return {
      events,
      version: Number(result.nextExpectedRevision),
      position: result.position,
      state: described.state,
      changes: described.entries,
    };
  } catch (e) {
    // Someone appended between our read and our write: report it like a stale expectedVersion.
    if (e instanceof WrongExpectedVersionError) {
      const actual = e.actual === 'no_stream' ? -1 : Number(e.actual);
      throw new VersionConflictError(options.expectedVersion ?? state.version, actual);
    }
    throw e;
  }
}
