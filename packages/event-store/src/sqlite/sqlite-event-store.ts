import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
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
import { ensureHashChain } from './hash-chain.js';
import { ensureStoreIdentity } from './store-identity.js';
import { probeSqliteWrite } from './write-probe.js';
import { SqliteWriter, type WriteStats } from './sqlite-writer.js';

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
 *
 * Appends go to a writer thread with its own connection (sqlite-writer.ts), which commits the
 * appends waiting for it together: reads on this thread's connection never wait for a commit's
 * fsync (WAL readers do not block on the writer), and an append resolves once its commit is
 * durable, so a read after it sees it.
 */
export class SqliteEventStore implements EventStore {
  private readonly signal = new AppendSignal();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;
  private readonly storeIdentity: string;

  private readonly readForwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly readBackwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly readAllStmt: Database.Statement<[bigint, number], EventRow>;
  private readonly headStmt: Database.Statement<[], { position: bigint | null }>;
  private readonly writer: SqliteWriter;

  static open(path: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(new Database(path), options);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteEventStoreOptions,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronousOf(options)}`);
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    ensureHashChain(db);
    this.storeIdentity = ensureStoreIdentity(db);

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

    this.writer = new SqliteWriter({ path: resolve(db.name), synchronous: synchronousOf(options) }, () =>
      this.signal.notify(),
    );
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
    return this.writer.append(streamName, events, options.expectedRevision);
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
   * notice again, whether it can write. Also throws WriterStoppedError, once, after the writer
   * thread stopped unexpectedly (a new one is started for the next probe and appends).
   */
  probeWrite(): void {
    this.assertOpen();
    this.writer.assertRunning();
    probeSqliteWrite(this.db);
  }

  /** How many appends the writer answered, in how many transactions (group commit). */
  writeStats(): WriteStats {
    return this.writer.stats();
  }

  headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    return Promise.resolve(this.headStmt.get()?.position ?? undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The writer's connection closes first, so this one is the last and checkpoints the WAL.
    await this.writer.close();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.db.close();
  }

  private readAllSync(after: bigint, max: number): RecordedEvent[] {
    return this.readAllStmt.all(after, max).map(toRecorded);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
}

function synchronousOf(options: SqliteEventStoreOptions): 'FULL' | 'NORMAL' | 'OFF' {
  return options.synchronous === 'NORMAL' || options.synchronous === 'OFF' ? options.synchronous : 'FULL';
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
