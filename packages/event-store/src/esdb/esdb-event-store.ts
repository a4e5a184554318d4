import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type JSONType,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamEvent,
  type SubscribeToAllOptions,
  type Subscription,
  type SubscriptionHealth,
} from '../port.js';
import { esdbAllSubscription, type Backoff } from './all-subscription.js';
import { decodePosition, encodePosition } from './position.js';
import { isSystemEvent } from './system-events.js';
import { chainedAppend, type LinkedEvent } from './chained-append.js';
import { splitIntegrity, withIntegrity } from './chain-metadata.js';
import { esdbStoreIdentity } from './store-identity.js';
import { withTransientRetry, type RetryPolicy } from './transient-retry.js';

export interface EsdbEventStoreOptions {
  /** Deadline of each unary call (append, reads), in ms. */
  readonly deadlineMs?: number;
  /** Resubscription after a dropped connection. */
  readonly backoff?: Backoff;
  /**
   * Retries of an append (and of the head read before it) that failed with NotLeader, Unavailable
   * or DeadlineExceeded (a leader change, a dropped connection): default 5 tries, 100 ms doubling
   * to 2 s between them. Each try has its own deadline (`deadlineMs`).
   */
  readonly appendRetry?: RetryPolicy;
  /** Told whenever a subscription's state changes (for logs and /readyz). */
  readonly onSubscriptionState?: (health: SubscriptionHealth) => void;
}

const DEFAULT_APPEND_RETRY: RetryPolicy = { attempts: 5, initialMs: 100, maxMs: 2_000 };

/** How many `$all` events one read asks for while skipping system events. */
const ALL_PAGE = 500;

/**
 * The event-store port on EventStoreDB through the official gRPC client. Positions are the
 * packed commit/prepare pairs of ./position.ts; stream reads carry none (EventStoreDB's index does
 * not know them). The client keeps one HTTP/2 connection and reconnects calls by itself; only
 * subscriptions need resubscribing, which ./all-subscription.ts does.
 */
export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: EsdbEventStoreOptions,
  ) {}

  /** Does not connect: the first call does. Use `ping()` to find out whether the store answers. */
  static fromConnectionString(connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  /** Resolves when the store answers a read; rejects with the client's error otherwise. */
  async ping(): Promise<void> {
    await this.headPosition();
  }

  async appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new RangeError('appendToStream needs at least one event');
    // The client serialises inside its batcher, where a failure (e.g. a bigint in the data) becomes
    // an unhandled rejection and the append never settles: refuse such events before any I/O.
    for (const e of events) JSON.stringify([e.data, e.metadata]);
    return chainedAppend(
      {
        readHead: async (stream, at) => {
          // A read is safe to repeat: a leader change between the head read and the write should
          // not fail the append either.
          const [last] = await withTransientRetry(this.appendRetry, () =>
            this.readStream(stream, {
              direction: 'backwards',
              maxCount: 1,
              ...(at === undefined ? {} : { fromRevision: at }),
            }),
          );
          return last === undefined
            ? undefined
            : { revision: last.revision, hash: last.integrity?.hash ?? null, id: last.id };
        },
        appendExactly: (stream, linked, expected) => this.appendExactly(stream, linked, expected),
      },
      streamName,
      events,
      options.expectedRevision,
    );
  }

  /** One append at an exact expectation, its events carrying their chain links in their metadata. */
  private async appendExactly(
    streamName: string,
    events: readonly LinkedEvent[],
    expected: bigint | 'no_stream',
  ): Promise<AppendResult> {
    try {
      const proposed = events.map(({ event, metadata, integrity }) =>
        jsonEvent({
          id: event.id,
          type: event.type,
          data: event.data as JSONType,
          metadata: withIntegrity(metadata, integrity) as JSONType,
        }),
      );
      // The same events at the same expectation each time: a try whose answer was lost but that
      // was written is answered by the retry as the idempotent repeat it is.
      const result = await withTransientRetry(this.appendRetry, () =>
        this.client.appendToStream(streamName, proposed, {
          expectedRevision: toEsdbExpected(expected),
          deadline: this.deadline,
        }),
      );
      if (result.position === undefined) {
        // Servers before 20.6 did not return it; the port promises it (the access log's
        // read-your-writes waits on it; a plan's change waits on its stream revision instead).
        throw new Error('EventStoreDB did not return the position of the append');
      }
      return { nextExpectedRevision: result.nextExpectedRevision, position: encodePosition(result.position) };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedVersionError(
          streamName,
          expected,
          actual === NO_STREAM ? 'no_stream' : BigInt(actual),
        );
      }
      throw error;
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StreamEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    if (options.maxCount === 0) return [];
    const read = this.client.readStream(streamName, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.fromRevision ?? (backwards ? END : START),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      deadline: this.deadline,
    });
    const events: StreamEvent[] = [];
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (resolved.event !== undefined) events.push(toStreamEvent(resolved.event));
      }
    } catch (error) {
      // Surfaces while iterating, not when the read is created.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    let after = options.fromPosition;
    // The client cannot filter a read (only a subscription): page through `$all`, skipping system
    // events, until `max` registry events are found or the log ends.
    while (events.length < max) {
      const page = await this.readAllPage(after, FORWARDS);
      for (const event of page.events) {
        if (events.length < max) events.push(event);
      }
      if (page.last === undefined) break;
      after = page.last;
    }
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const subscription = esdbAllSubscription({
      client: this.client,
      fromPosition: options.fromPosition,
      backoff: this.options.backoff ?? { initialMs: 250, maxMs: 10_000 },
      toRecorded: (resolved) => (resolved.event === undefined ? undefined : toRecorded(resolved.event)),
      onStateChange: this.options.onSubscriptionState,
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    // The last registry event: read `$all` backwards past any system events written after it.
    let before: bigint | undefined;
    for (;;) {
      const page = await this.readAllPage(before, BACKWARDS);
      if (page.events.length > 0) return page.events[0]!.position;
      if (page.last === undefined) return undefined;
      before = page.last;
    }
  }

  /** Read from the store every time: after a reconnect it may be another store (a restored cluster). */
  identity(): Promise<string> {
    this.assertOpen();
    return esdbStoreIdentity(this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private get appendRetry(): RetryPolicy {
    return this.options.appendRetry ?? DEFAULT_APPEND_RETRY;
  }

  private get deadline(): number {
    return this.options.deadlineMs ?? 10_000;
  }

  /**
   * One page of `$all` strictly after (forwards) or before (backwards) `from`: its registry events,
   * and the position of the last event read (system or not), or undefined at the end of the log.
   * EventStoreDB reads `$all` forwards inclusively from a position (backwards: strictly before),
   * so the event at `from` is dropped here.
   */
  private async readAllPage(
    from: bigint | undefined,
    direction: typeof FORWARDS | typeof BACKWARDS,
  ): Promise<{ events: RecordedEvent[]; last: bigint | undefined }> {
    const read = this.client.readAll({
      direction,
      fromPosition: from === undefined ? (direction === FORWARDS ? START : END) : decodePosition(from),
      maxCount: ALL_PAGE + 1,
      deadline: this.deadline,
    });
    const events: RecordedEvent[] = [];
    let last: bigint | undefined;
    let count = 0;
    for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
      count++;
      const recorded = resolved.event;
      if (recorded === undefined) continue;
      const position = encodePosition(recorded.position);
      if (from !== undefined && (direction === FORWARDS ? position <= from : position >= from)) continue;
      last = position;
      if (!isSystemEvent(recorded)) events.push(toRecorded(recorded));
    }
    return { events, last: count === 0 ? undefined : last };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
}

function toEsdbExpected(expected: bigint | 'no_stream'): AppendExpectedRevision {
  return expected === 'no_stream' ? NO_STREAM : expected;
}

interface EsdbRecorded {
  readonly id: string;
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly revision: bigint;
  readonly created: Date;
  readonly isJson: boolean;
}

function toStreamEvent(recorded: EsdbRecorded): StreamEvent {
  if (!recorded.isJson) throw new Error(`Event ${recorded.id} in ${recorded.streamId} is not JSON`);
  const { metadata, integrity } = splitIntegrity(recorded.metadata);
  return {
    id: recorded.id,
    streamName: recorded.streamId,
    type: recorded.type,
    data: recorded.data,
    metadata,
    revision: recorded.revision,
    recordedAt: recorded.created,
    integrity,
  };
}

function toRecorded(
  recorded: EsdbRecorded & { readonly position: { commit: bigint; prepare: bigint } },
): RecordedEvent {
  return { ...toStreamEvent(recorded), position: encodePosition(recorded.position) };
}
