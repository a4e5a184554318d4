import Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscribeToAllOptions,
} from '../port.js';
import { AppendSignal } from './append-signal.js';
import { liveSubscription } from '../live-subscription.js';
import { eventHash } from '../integrity/hash.js';
import { metadataObject } from '../integrity/metadata.js';
import { ensureHashChain } from './hash-chain.js';
import { ensureStoreIdentity } from './store-identity.js';
import { probeSqliteWrite } from './write-probe.js';

export interface SqliteEventStoreOptions {
  /**
   * How often a subscription looks for events appended by *another* connection
   * (another process on the same file). Appends through this instance wake
   * subscriptions at once.
   */
  readonly pollIntervalMs?: number;
  /** How many events a subscription reads per page while catching up. */
  readonly pageSize?: number;
  /**
   * SQLite durability of a commit. Default FULL: an acknowledged append survives power loss.
   * Only a bulk loader that starts over from scratch after a crash may relax it (NORMAL: a power
   * loss may lose the last commits; OFF: no fsync at all, a power loss may corrupt the file): the
   * region seeder (scripts/seed-region.ts) does, and makes the file durable once at the end
   * (closing the store checkpoints the WAL into it, then the seeder fsyncs it).
   */
  readonly synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

interface EventRow {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: bigint;
  hash: string;
  previous: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  id          TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream, revision)
);
CREATE TABLE IF NOT EXISTS streams (
  stream   TEXT    PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
-- events.hash, events.previous and streams.hash (the hash chain) are added by hash-chain.ts, to
-- new files and to files from before the chain alike.
`;

/**
 * The embedded event store: one SQLite file, WAL with synchronous=FULL so an
 * acknowledged append survives power loss. AUTOINCREMENT gives a strictly
 * increasing global position that is never reused; SQLite's single writer
 * (BEGIN IMMEDIATE) makes the expected-revision check and the insert atomic,
 * also across processes sharing the file.
 */
export class SqliteEventStore implements EventStore {
  private readonly signal = new AppendSignal();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;
  private readonly storeIdentity: string;

  private readonly streamRevision: Database.Statement<[string], { revision: bigint; hash: string | null }>;
  private readonly upsertStream: Database.Statement<[string, bigint, string]>;
  private readonly insertEvent: Database.Statement<
    [string, bigint, string, string, string, string, number, string, string | null]
  >;
  private readonly readForwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly readBackwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly readAllStmt: Database.Statement<[bigint, number], EventRow>;
  private readonly headStmt: Database.Statement<[], { position: bigint | null }>;
  private readonly eventById: Database.Statement<
    [string],
    { stream: string; revision: bigint; position: bigint }
  >;
  private readonly appendTx: (
    stream: string,
    events: readonly EventData[],
    expected: AppendOptions['expectedRevision'],
  ) => AppendResult;

  static open(path: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(new Database(path), options);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteEventStoreOptions,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma(
      `synchronous = ${options.synchronous === 'NORMAL' || options.synchronous === 'OFF' ? options.synchronous : 'FULL'}`,
    );
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    ensureHashChain(db);
    this.storeIdentity = ensureStoreIdentity(db);

    // The stream's head hash comes with its revision: chaining an append costs no extra read.
    this.streamRevision = db
      .prepare<[string], { revision: bigint; hash: string | null }>(
        'SELECT revision, hash FROM streams WHERE stream = ?',
      )
      .safeIntegers(true);
    this.upsertStream = db.prepare(
      'INSERT INTO streams (stream, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
    );
    this.insertEvent = db
      .prepare<[string, bigint, string, string, string, string, number, string, string | null]>(
        'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, hash, previous) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .safeIntegers(true);
    const columns = 'position, stream, revision, id, type, data, metadata, recorded_at, hash, previous';
    this.readForwards = db
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${columns} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      )
      .safeIntegers(true);
    this.readBackwards = db
      .prepare<[string, bigint, number], EventRow>(
        `SELECT ${columns} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .safeIntegers(true);
    this.readAllStmt = db
      .prepare<[bigint, number], EventRow>(
        `SELECT ${columns} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
      )
      .safeIntegers(true);
    this.headStmt = db
      .prepare<[], { position: bigint | null }>('SELECT MAX(position) AS position FROM events')
      .safeIntegers(true);

    this.eventById = db
      .prepare<[string], { stream: string; revision: bigint; position: bigint }>(
        'SELECT stream, revision, position FROM events WHERE id = ?',
      )
      .safeIntegers(true);

    const append = (
      stream: string,
      events: readonly EventData[],
      expected: AppendOptions['expectedRevision'],
    ): AppendResult => {
      const head = this.streamRevision.get(stream);
      const current = head?.revision;
      const repeated = this.repeatedAppend(stream, events, expected, current);
      if (repeated !== undefined) return repeated;
      checkExpected(stream, expected, current);
      const recordedAt = Date.now();
      let revision = current ?? -1n;
      let previous = head?.hash ?? null;
      let position = -1n;
      for (const event of events) {
        revision += 1n;
        const metadata = metadataObject(event.metadata);
        const hash = eventHash({ ...event, streamName: stream, revision, metadata }, previous);
        const info = this.insertEvent.run(
          stream,
          revision,
          event.id,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(metadata),
          recordedAt,
          hash,
          previous,
        );
        position = BigInt(info.lastInsertRowid);
        previous = hash;
      }
      this.upsertStream.run(stream, revision, previous!);
      return { nextExpectedRevision: revision, position };
    };
    const tx = db.transaction(append);
    // IMMEDIATE takes the write lock before reading the stream's revision, so two
    // processes cannot both pass the expected-revision check.
    this.appendTx = (stream, events, expected) => tx.immediate(stream, events, expected);
  }

  appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) {
      return Promise.reject(new RangeError('appendToStream needs at least one event'));
    }
    try {
      const result = this.appendTx(streamName, events, options.expectedRevision);
      this.signal.notify();
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount ?? -1; // SQLite: LIMIT -1 means no limit
    const rows =
      options.direction === 'backwards'
        ? this.readBackwards.all(streamName, options.fromRevision ?? BigInt(Number.MAX_SAFE_INTEGER), limit)
        : this.readForwards.all(streamName, options.fromRevision ?? 0n, limit);
    return Promise.resolve(rows.map(toRecorded));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return Promise.resolve(this.readAllSync(options.fromPosition ?? 0n, options.maxCount ?? -1));
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const subscription = liveSubscription({
      fromPosition: options.fromPosition,
      pageSize: this.options.pageSize ?? 512,
      readPage: (after, max) => Promise.resolve(this.readAllSync(after ?? 0n, max)),
      generation: () => this.signal.generation,
      waitForAppend: (generation, abort) =>
        this.signal.wait(generation, this.options.pollIntervalMs ?? 200, abort),
      onClose: () => this.subscriptions.delete(subscription),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  identity(): Promise<string> {
    this.assertOpen();
    return Promise.resolve(this.storeIdentity);
  }

  /**
   * Throws the SQLite error an append would get now if the file cannot be written (read-only,
   * disk full, I/O error), without appending anything: a node probes with it to report, and to
   * notice again, whether it can write.
   */
  probeWrite(): void {
    this.assertOpen();
    probeSqliteWrite(this.db);
  }

  headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    return Promise.resolve(this.headStmt.get()?.position ?? undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.db.close();
  }

  /**
   * EventStoreDB's idempotent append, so a retry after a lost acknowledgement is a success and not
   * a second write or a conflict: when every event id is already stored, consecutively in this
   * stream where this append would have put them, the original result is returned. Some of them
   * stored (a partial overlap), or stored elsewhere, is a conflict: the caller reused ids.
   * Undefined: none is stored, append as usual.
   */
  private repeatedAppend(
    stream: string,
    events: readonly EventData[],
    expected: AppendOptions['expectedRevision'],
    current: bigint | undefined,
  ): AppendResult | undefined {
    const found = events.map((e) => this.eventById.get(e.id));
    if (found.every((f) => f === undefined)) return undefined;
    const first = found[0];
    const start =
      typeof expected === 'bigint' ? expected + 1n : expected === 'no_stream' ? 0n : first?.revision;
    const repeated =
      start !== undefined &&
      found.every((f, i) => f !== undefined && f.stream === stream && f.revision === start + BigInt(i));
    if (!repeated) {
      const elsewhere = found.some((f) => f !== undefined && f.stream !== stream);
      if (elsewhere) throw new DuplicateEventIdError(stream);
      throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
    }
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private readAllSync(after: bigint, max: number): RecordedEvent[] {
    return this.readAllStmt.all(after, max).map(toRecorded);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
}

function checkExpected(
  stream: string,
  expected: AppendOptions['expectedRevision'],
  current: bigint | undefined,
): void {
  const actual = current ?? 'no_stream';
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(stream, expected, actual);
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamName: row.stream,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as unknown,
    revision: row.revision,
    position: row.position,
    recordedAt: new Date(Number(row.recorded_at)),
    integrity: { hash: row.hash, previous: row.previous },
  };
}
