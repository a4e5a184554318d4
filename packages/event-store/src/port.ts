/**
 * The event-store port. It mirrors EventStoreDB's semantics so the embedded SQLite
 * adapter and the EventStoreDB adapter honour one contract (see ./contract):
 * - stream revisions are 0-based bigints (a stream with one event is at revision 0n);
 * - the global position is a bigint that strictly increases with every appended event, in the
 *   order of the global log; it may be wider than 64 bits (the EventStoreDB adapter packs the
 *   commit and prepare positions into one value), so it crosses every boundary as a decimal string;
 * - only reads of the global log ($all) carry positions: EventStoreDB's stream reads come from its
 *   index, which does not know them, so the port does not promise them;
 * - an append is atomic: all of its events, with consecutive revisions, or none.
 */

/** What the caller expects the stream to be before the append. */
export type ExpectedRevision =
  | 'no_stream' // the stream must not exist
  | 'stream_exists' // the stream must exist (at any revision)
  | 'any' // no check
  | bigint; // the stream's last revision must be exactly this

export interface EventData {
  /**
   * UUID; the adapter stores it as given. It makes an append idempotent, as in EventStoreDB: the
   * same events (ids) appended again where they already are (same stream, same revisions) is a
   * success with the original result, so a writer can retry an append whose answer it lost.
   */
  readonly id: string;
  readonly type: string;
  /** JSON-serialisable event body. */
  readonly data: unknown;
  /**
   * A JSON object (undefined stands for {}): the envelope, recordedBy, correlationId,
   * schemaVersion, ... Anything else is refused, because the EventStoreDB adapter keeps the
   * event's hash-chain link beside the caller's keys.
   */
  readonly metadata: unknown;
}

/**
 * Where an event sits in its stream's hash chain (see ./integrity): the adapter computes it on
 * append, so every writer's events carry it, and any reader can check it with verifyChain().
 */
export interface EventIntegrity {
  /** sha256 (hex) of the event's canonical content and `previous` (integrity/hash.ts). */
  readonly hash: string;
  /** The hash of the stream's previous event; null for the first event of a chain. */
  readonly previous: string | null;
}

/** An event as read from its own stream. */
export interface StreamEvent {
  readonly id: string;
  readonly streamName: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  /** 0-based revision of this event within its stream. */
  readonly revision: bigint;
  /** When the store recorded the event (UTC). */
  readonly recordedAt: Date;
  /**
   * Its link in the stream's hash chain. Undefined only for an event an append-only store
   * (EventStoreDB) held before the chain existed; verifyChain() accepts such events only as the
   * stream's prefix. The SQLite adapter chains every event, old files included (at open).
   */
  readonly integrity: EventIntegrity | undefined;
  /**
   * What the adapter holds, where a decorator shows the event otherwise (../crypto decrypts
   * `data`): the hash chain covers what is stored, so it still verifies once a key is destroyed.
   * Undefined: the event is shown as stored.
   */
  readonly stored?: { readonly data: unknown };
  /**
   * True when `data` was encrypted under a key that has been destroyed (lawful destruction): it
   * cannot be read by anyone any more, and `data` is null. Type, metadata and integrity stay.
   */
  readonly shredded?: boolean;
}

/** An event as read from the global log: it carries its position there. */
export interface RecordedEvent extends StreamEvent {
  /** Global position; strictly increasing over the whole store. */
  readonly position: bigint;
}

export interface AppendResult {
  /** Revision of the last appended event. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last appended event. */
  readonly position: bigint;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** 'forwards' (default) from `fromRevision` (default: start), or 'backwards' from `fromRevision` (default: end). */
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /**
   * Exclusive: events with a position strictly greater than this are returned.
   * Omit (or pass undefined) to read from the very beginning.
   */
  readonly fromPosition?: bigint;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive, like readAll; omit to start from the beginning. */
  readonly fromPosition?: bigint;
}

/**
 * A catch-up subscription: first delivers every stored event after `fromPosition`
 * in position order, then keeps delivering events as they are appended, without
 * gaps or repeats. Iterate with `for await`; `close()` ends the iteration.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
  /** Whether events can flow now: /readyz reports it, so a load balancer can route around a node that lost its store. */
  health(): SubscriptionHealth;
}

export interface SubscriptionHealth {
  /** 'connecting': not yet confirmed by the store; 'reconnecting': the connection dropped and is being re-established with backoff. */
  readonly state: 'connecting' | 'live' | 'reconnecting' | 'closed';
  /** How often the connection was re-established since the subscription started. */
  readonly reconnects: number;
  /** Why the last connection ended, when it did. */
  readonly lastError?: string;
}

export interface EventStore {
  appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  /** A stream that does not exist reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<StreamEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /** Position of the last event in the store, or undefined when it is empty. */
  headPosition(): Promise<bigint | undefined>;
  /**
   * Who this store is: a UUID written once, when the store is created, and the same for every
   * instance on the same storage. A restored backup keeps it; a new (or deleted and re-created)
   * store has another. Read models record it to notice a store they were not built from. It is not
   * an event: `$all` reads, subscriptions and the head never show it.
   */
  identity(): Promise<string>;
  close(): Promise<void>;
}

/** Thrown when the expected revision does not match; nothing was written. */
export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or 'no_stream' when it does not exist. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Wrong expected version for stream: expected ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * Thrown when an append proposes an event id the store already holds in another stream; nothing
 * was written. (EventStoreDB itself allows that; the SQLite adapter keeps ids unique store-wide.)
 */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly streamName: string) {
    super('An event id of this append is already used by an event in another stream');
  }
}
