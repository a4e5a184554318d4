import {
  ACCESS_LOG_EVENT_TYPE,
  ACCESS_LOG_STREAM_PREFIX,
  BREAK_GLASS_REVIEW_EVENT_TYPE,
  BREAK_GLASS_REVIEW_STREAM_PREFIX,
  currentView,
  evolve,
  initialState,
  type FoldedStates,
  parseAccessRecord,
  parseBreakGlassReview,
  pseudonymOfStream,
  type AccessRecord,
  type BreakGlassReview,
  DEFAULT_PLAN_STATE_CACHE_EVENTS,
  PlanStateCache,
  type PlanState,
  type PzpEvent,
} from '@pzp/domain';
import {
  BrokenChainError,
  bursts,
  describeLink,
  type ChainBreak,
  type ChainHead,
  type EventStore,
  type RecordedEvent,
  type StreamEvent,
  type Subscription,
} from '@pzp/event-store';
import { commitBatch, writeTargets, type BatchWrite, type BatchWrites } from './batch-writes.js';
import { BatchChain, chainHeadStore, type ChainHeadStore } from './chain-heads.js';
import { PROJECTION_CODE_VERSION } from './code-version.js';
import {
  errorNameOf,
  RevisionOrderError,
  safeMessageOf,
  StreamQuarantinedError,
  type FailureStage,
  type QuarantineRow,
} from './quarantine.js';
import {
  BULK_CACHE_KIB,
  beginBulkLoad,
  DEFAULT_CACHE_KIB,
  endBulkLoad,
  resetReadModels,
  type ReadModelDb,
} from './read-model-db.js';
import { checkLineage, EmptyEventStoreError, lineageMeta, type LineageVerdict } from './store-lineage.js';
import { readStoredEvent } from '@pzp/domain';
import { BatchWriter } from './writer/batch-writer.js';
import { encodeView } from './view-codec.js';
import { latestRows, type LatestChange, type Writers } from './writers.js';

export type ProjectorStatus = 'idle' | 'catching-up' | 'live' | 'failed' | 'stopped';

export interface ProjectorLogger {
  info(fields: Record<string, unknown>, message: string): void;
  /** What the projector decided by itself that an operator should know (a rebuild); error when absent. */
  warn?(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ProjectorOptions {
  /** Checkpoint name; one projector per read-model database. */
  readonly name?: string;
  /**
   * Events read and applied per transaction while catching up (start, rebuild). Large batches
   * make a rebuild fast: one commit, and one write of each patient's latest rows, per batch.
   */
  readonly batchSize?: number;
  /** Events applied per transaction at most while following live appends (a burst). */
  readonly liveBatchSize?: number;
  /**
   * The events the patients' folded states kept in memory may hold in all (PlanStateCache; least
   * recently used are dropped). Default DEFAULT_PLAN_STATE_CACHE_EVENTS.
   */
  readonly cacheEvents?: number;
  /** States the write path folded from verified streams, for patients the cache does not hold. */
  readonly folded?: FoldedStates;
  readonly logger?: ProjectorLogger;
  /**
   * The version of the view and history code running here (PROJECTION_CODE_VERSION). Read models
   * built with another version are rebuilt on the next catchUp()/start(). Injected by tests.
   */
  readonly codeVersion?: number;
  /** The time a quarantine is stamped with. */
  readonly clock?: () => Date;
  /**
   * Whether batches commit on a writer thread while the next batch is folded here (see
   * writer/batch-writer.ts): catching up (a rebuild, a start after downtime) and following live
   * appends. Default: when the read models are a file; while catching up, only when there is more
   * than one batch to apply. Tests set it to compare both ways.
   */
  readonly writerThread?: boolean;
}

/** A wait for the read models (waitFor, waitForStream) that took longer than its timeout. */
export class ReadModelTimeoutError extends Error {
  override readonly name = 'ReadModelTimeoutError';
}

export const CODE_CHANGED_MESSAGE = 'projection code changed: rebuilding read models';
export const WRITER_THREAD_MESSAGE = 'catching up: batches commit on a writer thread';
export const STORE_CHANGED_MESSAGE = 'event store does not match the read models: rebuilding them';

const silent: ProjectorLogger = { info: () => {}, error: () => {} };
/** Streams read at once when the cache lacks the states a batch starts from. */
const STREAM_READS_IN_FLIGHT = 8;
/** Event types are stored and logged with a quarantine; an unknown one could be any length. */
const MAX_EVENT_TYPE = 100;

const isAccessRecord = (e: StreamEvent): boolean =>
  e.type === ACCESS_LOG_EVENT_TYPE && e.streamName.startsWith(ACCESS_LOG_STREAM_PREFIX);

const isBreakGlassReview = (e: StreamEvent): boolean =>
  e.type === BREAK_GLASS_REVIEW_EVENT_TYPE && e.streamName.startsWith(BREAK_GLASS_REVIEW_STREAM_PREFIX);

/** Why a stream cannot be applied: the step that failed and what it threw. */
interface Failure {
  readonly stage: FailureStage;
  readonly error: unknown;
  /** Safe to store and log: revision numbers only. */
  readonly detail?: string;
}

/** The event a quarantine is pinned on. */
type EventAt = Pick<RecordedEvent, 'streamName' | 'revision' | 'position' | 'type'>;

/** One event of a patient folded in this batch. */
interface FoldedChange {
  readonly revision: bigint;
  readonly position: bigint;
  readonly changedAt: string;
  readonly event: PzpEvent;
  /** The stream's chain head once this change is applied. */
  readonly head: ChainHead;
}

/** A patient touched by the batch being applied. */
interface PatientChange extends LatestChange {
  changedAt: string;
  position: bigint;
  /** The state folded up to the last event of the batch so far. */
  state: PlanState;
  /** The state the read models hold for this patient (before the batch). */
  readonly committed: PlanState;
  /** This batch's events of the patient, in stream order. */
  readonly changes: FoldedChange[];
  /** JSON of currentView(state.plan), made once the batch is folded. */
  view: string;
}

/** Everything one batch writes, worked out before its transaction. */
interface FoldedBatch {
  readonly patients: Map<string, PatientChange>;
  readonly accessRecords: { readonly record: AccessRecord; readonly position: bigint }[];
  readonly reviews: { readonly review: BreakGlassReview; readonly position: bigint }[];
  /** Streams quarantined by this batch (each once). */
  readonly quarantines: Map<string, QuarantineRow>;
  /** Access records skipped by this batch, as quarantine rows (also when the stream already was). */
  readonly skippedAccess: QuarantineRow[];
  /** Patients (pseudonym by stream) a rebuild found rewritten: none of their rows is kept. */
  readonly rewritten: Map<string, string>;
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

/**
 * Feeds the read models from the event store. Every batch of events is applied in one SQLite
 * transaction together with the checkpoint, so after a crash the projector resumes exactly after
 * the last committed event: nothing is applied twice or skipped. Each patient's state comes from
 * folding that patient's own events with the domain's evolve(), the same code the command side uses.
 *
 * An event that cannot be read quarantines its own stream only (see quarantine.ts); a batch still
 * fails as a whole, committing nothing, when a write fails.
 */
export class Projector {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly liveBatchSize: number;
  private readonly logger: ProjectorLogger;
  private readonly codeVersion: number;
  private readonly clock: () => Date;
  private readonly writers: Writers;
  private readonly chainHeads: ChainHeadStore;
  private readonly targets: ReturnType<typeof writeTargets>;
  private readonly writerThread: boolean | undefined;
  private readonly folded: FoldedStates | undefined;
  /**
   * While a writer thread commits the batches (catching up, or live): the commit in flight, and
   * the chain heads of the batches sent to it, which this connection does not see before they
   * commit (null: erased). Live, a head leaves the map once its batch is on disk.
   */
  private inFlight: Promise<void> | undefined;
  private sentHeads: Map<string, ChainHead | null> | undefined;
  /** The last position sent to the writer thread; the checkpoint moves once it is committed. */
  private sent: bigint | undefined;
  /** During a rebuild of the same store: the chain heads the dropped rows had recorded (see chain-heads.ts). */
  private witness: ReadonlyMap<string, ChainHead> | undefined;
  private readonly lineage: ReturnType<typeof lineageMeta>;
  private verifying: Promise<void> | undefined;
  private readonly cache: PlanStateCache;
  /** Quarantined streams by name, as committed. */
  private readonly quarantines = new Map<string, QuarantineRow>();
  private waiters: (Waiter & { position: bigint })[] = [];
  private readonly streamWaiters = new Map<string, (Waiter & { revision: number })[]>();
  private subscription: Subscription | undefined;
  private following: Promise<void> | undefined;
  /** The writer thread live batches commit on, while following (see start()). */
  private liveWriter: BatchWriter | undefined;
  private checkpoint: bigint | undefined;
  /** Set when the rows were built by other view code: the next catchUp() rebuilds them first. */
  private staleCode: { readonly from: number | null } | undefined;
  private _status: ProjectorStatus = 'idle';
  private _error: Error | undefined;
  private _streamReads = 0;
  private _skippedAccessRecords = 0;

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    options: ProjectorOptions = {},
  ) {
    this.name = options.name ?? 'pzp-read-models';
    this.batchSize = options.batchSize ?? 5_000;
    this.liveBatchSize = options.liveBatchSize ?? 500;
    this.logger = options.logger ?? silent;
    this.codeVersion = options.codeVersion ?? PROJECTION_CODE_VERSION;
    this.clock = options.clock ?? (() => new Date());
    this.targets = writeTargets(db);
    this.writers = this.targets.writers;
    this.chainHeads = chainHeadStore(db);
    this.writerThread = options.writerThread;
    this.cache = new PlanStateCache(options.cacheEvents ?? DEFAULT_PLAN_STATE_CACHE_EVENTS);
    this.folded = options.folded;
    this.lineage = lineageMeta(db);
    this.checkpoint = this.writers.readCheckpoint(this.name);
    for (const q of this.writers.readQuarantines()) this.quarantines.set(q.streamName, q);
    const stored = this.writers.readCodeVersion();
    // Empty read models have nothing stale: the first batch records the version.
    if (stored !== this.codeVersion && (stored !== undefined || this.writers.hasRows())) {
      this.staleCode = { from: stored ?? null };
    }
  }

  get status(): ProjectorStatus {
    return this._status;
  }

  get error(): Error | undefined {
    return this._error;
  }

  /** How often a patient's state was not in the cache and was folded again from the store. */
  get streamReads(): number {
    return this._streamReads;
  }

  /** Global position of the last event included in the read models. */
  get position(): bigint | undefined {
    return this.checkpoint;
  }

  /** Streams quarantined in the read models (patients and access logs). */
  get quarantinedCount(): number {
    return this.quarantines.size;
  }

  /**
   * Why this stream is quarantined, if it is: what its row in quarantined_streams says, from
   * memory, since the door asks on every read of a patient. Memory is never behind that table: a
   * batch's quarantines are kept here before its commit is sent to the writer thread (and put back
   * to what is on disk when a commit fails), and reportBrokenChain() writes both at once.
   */
  quarantineOf(streamName: string): QuarantineRow | undefined {
    return this.quarantines.get(streamName);
  }

  /** Access records this projector skipped because they could not be read. */
  get skippedAccessRecords(): number {
    return this._skippedAccessRecords;
  }

  /**
   * Applies everything stored after the checkpoint; returns the number of events read. From empty
   * read models (a rebuild, a new node) this is a bulk load: see beginBulkLoad. Read models built
   * by other view code, or from another store or a later state of this one (see checkLineage), are
   * emptied first, so this is then a rebuild; next to a store without events, read models with rows
   * make it throw EmptyEventStoreError rather than be wiped. Records the store's identity.
   */
  async catchUp(): Promise<number> {
    const verdict = await this.lineageVerdict();
    if (verdict.kind === 'empty-store') throw new EmptyEventStoreError(verdict.found);
    if (verdict.kind === 'rebuild') this.warnStoreChanged(verdict);
    if (this.staleCode !== undefined) {
      this.logger.info({ from: this.staleCode.from, to: this.codeVersion }, CODE_CHANGED_MESSAGE);
    }
    if (this.staleCode !== undefined || verdict.kind === 'rebuild') this.reset(verdict.kind === 'same');
    if (this.lineage.read().identity !== verdict.identity) this.lineage.recordIdentity(verdict.identity);
    this._status = 'catching-up';
    const bulk = this.checkpoint === undefined;
    if (bulk) beginBulkLoad(this.db);
    let total = 0;
    let writer: BatchWriter | undefined;
    try {
      for (;;) {
        const page = await this.store.readAll({ fromPosition: this.appliedUpTo, maxCount: this.batchSize });
        if (page.length === 0) {
          await this.inFlight;
          this.witness = undefined;
          return total;
        }
        if (writer === undefined && this.usesWriterThread(page.length)) {
          writer = BatchWriter.start({
            path: this.db.name,
            cacheKib: bulk ? BULK_CACHE_KIB : DEFAULT_CACHE_KIB,
          });
          this.sentHeads = new Map();
          this.logger.info({ batchSize: this.batchSize }, WRITER_THREAD_MESSAGE);
        }
        await this.apply(page, writer);
        total += page.length;
      }
    } finally {
      if (writer !== undefined) await this.endWriterThread(writer);
      if (bulk) endBulkLoad(this.db);
    }
  }

  /** A writer thread pays off when there is more than one batch; it needs a file to open. */
  private usesWriterThread(firstPage: number): boolean {
    if (this.db.memory) return false;
    return this.writerThread ?? firstPage >= this.batchSize;
  }

  /**
   * After catching up on the writer thread: waits for its last commit and ends it. When a commit
   * failed, what this thread remembered of the batches after the last good one is dropped, and
   * memory is read back from what is on disk (the checkpoint and quarantines; the cache is
   * emptied), as after a failed batch applied here.
   */
  private async endWriterThread(writer: BatchWriter) {
    const failed = await this.inFlight?.then(
      () => false,
      () => true,
    );
    this.inFlight = undefined;
    this.sentHeads = undefined;
    this.sent = undefined;
    await writer.close();
    if (!failed) return;
    this.cache.clear();
    this.quarantines.clear();
    for (const q of this.writers.readQuarantines()) this.quarantines.set(q.streamName, q);
    this.checkpoint = this.writers.readCheckpoint(this.name);
  }

  /** Catches up, then follows new events until stop(). Resolves once caught up. */
  async start(): Promise<void> {
    try {
      await this.catchUp();
    } catch (error) {
      // Failed, not catching up forever: the node reports why, and may start it again.
      this.fail(error);
      throw error;
    }
    this.subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint });
    this._status = 'live';
    // Live batches are mostly the access records of reads: their transactions, off the event
    // loop, no longer hold up the reads being answered on it.
    if (!this.db.memory && this.writerThread !== false) {
      this.liveWriter = BatchWriter.start({ path: this.db.name, cacheKib: DEFAULT_CACHE_KIB });
      this.sentHeads = new Map();
    }
    this.following = this.follow(this.subscription).catch((e: unknown) => {
      // A failed live commit already failed the projector with its own error (see liveCommitFailed).
      if (this._status !== 'failed') this.fail(e);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.following;
    this.subscription = undefined;
    const writer = this.liveWriter;
    this.liveWriter = undefined;
    if (writer !== undefined) await this.endWriterThread(writer);
    if (this._status !== 'failed') this._status = 'stopped';
  }

  /**
   * Checks the store again while following it, for when the connection to it was re-established:
   * meanwhile it may have been restored from a backup or replaced. Read models that no longer fit
   * it are rebuilt (logged at warn); next to a store without events the projector fails with
   * EmptyEventStoreError instead, so the node stops being ready. Not following: the next catchUp()
   * checks.
   */
  verifyStore(): Promise<void> {
    this.verifying ??= this.reverify().finally(() => (this.verifying = undefined));
    return this.verifying;
  }

  private async reverify() {
    if (this.subscription === undefined) return;
    const verdict = await this.lineageVerdict();
    if (verdict.kind === 'same') return;
    if (verdict.kind === 'empty-store') {
      await this.stop();
      this.fail(new EmptyEventStoreError(verdict.found));
      return;
    }
    this.warnStoreChanged(verdict);
    await this.rebuild();
  }

  private lineageVerdict(): Promise<LineageVerdict> {
    return checkLineage(this.store, this.lineage.read(), this.checkpoint, this.writers.hasRows());
  }

  private warnStoreChanged(verdict: Extract<LineageVerdict, { kind: 'rebuild' }>) {
    (this.logger.warn ?? this.logger.error).call(
      this.logger,
      { reason: verdict.reason, ...verdict.found },
      STORE_CHANGED_MESSAGE,
    );
  }

  /** Drops every read model (the quarantine too, so every stream is tried again) and replays the store. */
  async rebuild(): Promise<number> {
    const wasLive = this.subscription !== undefined;
    if (wasLive) await this.stop();
    // The replay compares each stream with the heads the rows recorded, unless they came from another store.
    this.reset((await this.lineageVerdict()).kind === 'same');
    const count = await this.catchUp();
    if (wasLive) await this.start();
    return count;
  }

  /** True when the read models include every event the store holds now. */
  async isCaughtUp(): Promise<boolean> {
    const head = await this.store.headPosition();
    return head === undefined || (this.checkpoint !== undefined && this.checkpoint >= head);
  }

  /** Resolves when the read models include the event at `position` (read-your-writes). */
  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    if (this.checkpoint !== undefined && this.checkpoint >= position) return Promise.resolve();
    if (this._status === 'failed') return Promise.reject(this._error);
    return this.wait(
      timeoutMs,
      `Read models did not reach position ${position} within ${timeoutMs} ms`,
      (waiter) => {
        const entry = { ...waiter, position };
        this.waiters.push(entry);
        return () => (this.waiters = this.waiters.filter((w) => w !== entry));
      },
    );
  }

  /**
   * Resolves when the read models include the patient stream `streamName` at `revision` or later
   * (read-your-writes for one patient, or "this node has seen the plan the store has"). Rejects
   * with StreamQuarantinedError when the stream is or becomes quarantined (its rows would never get
   * there), on timeout with ReadModelTimeoutError, and with the projector's error when it failed.
   */
  waitForStream(streamName: string, revision: number, timeoutMs = 5000): Promise<void> {
    const pseudonym = pseudonymOfStream(streamName);
    if (pseudonym === undefined) return Promise.reject(new TypeError(`Not a patient stream: ${streamName}`));
    const quarantine = this.quarantines.get(streamName);
    if (quarantine !== undefined) return Promise.reject(new StreamQuarantinedError(quarantine));
    if (this._status === 'failed') return Promise.reject(this._error);
    // Rows due for a rebuild are not evidence of anything yet.
    const committed = this.staleCode === undefined ? this.writers.streamVersion(pseudonym) : undefined;
    if (committed !== undefined && committed >= revision) return Promise.resolve();
    return this.wait(
      timeoutMs,
      `Read models did not reach ${streamName} at revision ${revision} within ${timeoutMs} ms`,
      (waiter) => {
        const entry = { ...waiter, revision };
        this.streamWaiters.set(streamName, [...(this.streamWaiters.get(streamName) ?? []), entry]);
        return () => {
          const rest = (this.streamWaiters.get(streamName) ?? []).filter((w) => w !== entry);
          if (rest.length > 0) this.streamWaiters.set(streamName, rest);
          else this.streamWaiters.delete(streamName);
        };
      },
    );
  }

  /** A promise settled by a registered waiter, or rejected after `timeoutMs`. */
  private wait(
    timeoutMs: number,
    timeoutMessage: string,
    register: (waiter: Waiter) => () => void,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unregister();
        reject(new ReadModelTimeoutError(timeoutMessage));
      }, timeoutMs);
      const unregister = register({
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /**
   * Quarantines a stream that a reader folding it straight from the store (the plan as of an
   * instant, the write path) found failing its hash chain: from then on this node refuses the
   * patient's current plan as well, until a rebuild tries the stream again. Logged like every
   * quarantine, at error level.
   */
  reportBrokenChain(error: BrokenChainError): void {
    const { chainBreak } = error;
    const { streamName } = chainBreak;
    if (this.quarantines.has(streamName)) return;
    const at = {
      streamName,
      revision: chainBreak.revision,
      position: error.at?.position ?? 0n,
      type: error.at?.type ?? '',
    };
    const row = this.quarantineRow(at, pseudonymOfStream(streamName), integrityFailure(chainBreak));
    this.writers.quarantine(row);
    this.quarantines.set(streamName, row);
    this.cache.delete(streamName);
    this.logger.error(logFields(row), BROKEN_CHAIN_MESSAGE);
    const waiting = this.streamWaiters.get(streamName) ?? [];
    this.streamWaiters.delete(streamName);
    for (const w of waiting) w.reject(new StreamQuarantinedError(row));
  }

  /**
   * Empties the read models and everything kept in memory about them. `compare`: the store is the
   * one they were built from, so the replay checks each stream against the chain heads they hold.
   */
  private reset(compare = false) {
    this.witness = compare ? this.chainHeads.readAll() : undefined;
    resetReadModels(this.db);
    this.cache.clear();
    this.quarantines.clear();
    this.checkpoint = undefined;
    this.staleCode = undefined;
  }

  private async follow(subscription: Subscription) {
    for await (const batch of bursts(subscription, this.liveBatchSize))
      await this.apply(batch, this.liveWriter);
  }

  /**
   * A live batch failed to commit on the writer thread (a full disk): the projector stops as when
   * its own transaction fails, and stops following, so nothing after that batch is applied. stop()
   * then puts memory back to what is on disk; start() resumes from the checkpoint.
   */
  private liveCommitFailed(writer: BatchWriter, error: unknown) {
    if (writer !== this.liveWriter || this._status === 'failed') return;
    this.fail(error);
    void this.subscription?.close();
  }

  private fail(e: unknown) {
    this._status = 'failed';
    this._error = e instanceof Error ? e : new Error(String(e));
    this.logger.error(
      { err: this._error.message, position: this.checkpoint?.toString() },
      'projector stopped',
    );
    for (const w of this.waiters) w.reject(this._error);
    this.waiters = [];
    for (const list of this.streamWaiters.values()) for (const w of list) w.reject(this._error);
    this.streamWaiters.clear();
  }

  /**
   * Applies events in order; events at or before the checkpoint (redelivery) are ignored. The
   * states the batch starts from are loaded first (the only step that may need the store); then
   * every event is parsed and folded, per stream, with a failure quarantining only that stream;
   * then the rows, the quarantines and the checkpoint are written in one synchronous SQLite
   * transaction: if a write throws, nothing of the batch is committed and the cache is untouched.
   * With a `writer` (catching up) that transaction runs on the writer thread while this one goes
   * on to the next batch; the checkpoint and the waiters move when it has committed.
   */
  private async apply(events: readonly RecordedEvent[], writer?: BatchWriter) {
    const checkpoint = this.appliedUpTo;
    const fresh = checkpoint === undefined ? events : events.filter((e) => e.position > checkpoint);
    if (fresh.length === 0) return;
    const chain = new BatchChain(this.committedHeads(), this.witness);
    const batch = this.fold(fresh, await this.statesBefore(fresh, chain), chain);
    const last = fresh[fresh.length - 1]!.position;
    const writes = this.batchWrites(batch, chain, fresh[fresh.length - 1]!, last);
    if (writer === undefined) {
      commitBatch(this.db, this.targets, writes);
      // Only after the commit: memory follows what is on disk.
      this.remember(batch);
      this.checkpoint = last;
      this.reportQuarantines(batch);
      this.settleWaiters(batch, last);
      return;
    }
    // On the writer thread: the next batch is folded from what this one leaves, while it commits.
    // Should its commit fail, endWriterThread() puts memory back to what is on disk.
    const sentHeads = this.sentHeads!;
    const heads = [...chain.touched()];
    for (const [streamName, head] of heads) sentHeads.set(streamName, head);
    for (const streamName of batch.rewritten.keys()) sentHeads.set(streamName, null);
    this.remember(batch);
    this.sent = last;
    const previous = this.inFlight;
    // The thread commits in order and, once one fails, nothing after it: settled in order too.
    this.inFlight = writer.commit(writes).then(() => {
      // Live, a head leaves memory once on disk (unless a later batch in flight moved it again), so
      // a node that runs for months does not keep every stream's. Catching up keeps them: asking
      // the file again for a head memory just had made a rebuild 8 % slower.
      if (writer === this.liveWriter) {
        for (const [streamName, head] of heads)
          if (sentHeads.get(streamName) === head) sentHeads.delete(streamName);
        for (const streamName of batch.rewritten.keys())
          if (sentHeads.get(streamName) === null) sentHeads.delete(streamName);
      }
      this.checkpoint = last;
      this.reportQuarantines(batch);
      this.settleWaiters(batch, last);
    });
    // Observed by the next batch or by endWriterThread() (and, live, at once); never an unhandled
    // rejection meanwhile.
    this.inFlight.catch((error: unknown) => this.liveCommitFailed(writer, error));
    // Two commits in flight at most, so memory runs at most two batches ahead of the disk.
    await previous;
  }

  /** The chain heads this batch starts from: those of batches still on their way to disk first. */
  private committedHeads(): ChainHeadStore {
    const sent = this.sentHeads;
    if (sent === undefined) return this.chainHeads;
    return {
      ...this.chainHeads,
      read: (streamName) => {
        const head = sent.get(streamName);
        return head === undefined ? this.chainHeads.read(streamName) : (head ?? undefined);
      },
    };
  }

  /** The batch's rows, quarantines, chain heads and checkpoint, in the order they are written. */
  private batchWrites(
    batch: FoldedBatch,
    chain: BatchChain,
    lastEvent: RecordedEvent,
    last: bigint,
  ): BatchWrites {
    const writes: BatchWrite[] = [];
    for (const a of batch.accessRecords) writes.push(['accessRecord', a.record, a.position]);
    for (const r of batch.reviews) writes.push(['breakGlassReview', r.review, r.position]);
    let destroying = false;
    for (const p of batch.patients.values()) {
      const { destroyed } = p.state.plan;
      writes.push(['latest', latestRows(p, p.state, p.committed, p.view)]);
      if (destroyed !== null) {
        destroying = true;
        writes.push(['destroyed', p.pseudonym, p.state.version, destroyed]);
      }
    }
    for (const q of batch.quarantines.values()) writes.push(['quarantine', q]);
    for (const [streamName, head] of chain.touched()) writes.push(['head', streamName, head]);
    for (const [streamName, pseudonym] of batch.rewritten) writes.push(['erase', pseudonym, streamName]);
    writes.push(['codeVersion', this.codeVersion]);
    writes.push(['checkpoint', this.name, last]);
    const { streamName, revision, id } = lastEvent;
    writes.push(['last', { streamName, revision, id }]);
    return { writes, destroying };
  }

  /**
   * Parses and folds a batch, and makes each touched patient's history rows and view, all outside
   * the transaction so that a failure can be pinned on its stream: that stream is quarantined at
   * the event, its events after it are skipped, and the rest of the batch goes on.
   */
  private fold(
    fresh: readonly RecordedEvent[],
    before: ReadonlyMap<string, PlanState | Failure>,
    chain: BatchChain,
  ): FoldedBatch {
    const batch: FoldedBatch = {
      patients: new Map(),
      accessRecords: [],
      reviews: [],
      quarantines: new Map(),
      skippedAccess: [],
      rewritten: new Map(),
    };
    for (const recorded of fresh) {
      if (isAccessRecord(recorded)) {
        const broken = chain.check(recorded);
        // Records are independent: the chain is followed past a broken one, which is skipped.
        chain.advance(recorded);
        if (broken === undefined) this.foldAccessRecord(batch, recorded);
        else this.skipAccessRecord(batch, recorded, integrityFailure(broken));
        continue;
      }
      if (isBreakGlassReview(recorded)) {
        // A conclusion is read only as the next link of its stream's chain, like a plan's event.
        const broken = chain.check(recorded);
        if (broken === undefined) {
          chain.advance(recorded);
          this.foldReview(batch, recorded);
        } else if (!this.quarantines.has(recorded.streamName)) {
          batch.quarantines.set(
            recorded.streamName,
            this.quarantineRow(recorded, undefined, integrityFailure(broken)),
          );
        }
        continue;
      }
      const pseudonym = pseudonymOfStream(recorded.streamName);
      if (pseudonym === undefined) continue; // not a patient's plan
      const { streamName } = recorded;
      if (this.quarantines.has(streamName) || batch.quarantines.has(streamName)) continue;

      let patient = batch.patients.get(streamName);
      if (patient === undefined) {
        const start = before.get(streamName)!;
        if (!isState(start)) {
          batch.quarantines.set(streamName, this.quarantineRow(recorded, pseudonym, start));
          continue;
        }
        patient = newPatient(pseudonym, recorded, start);
        batch.patients.set(streamName, patient);
      }
      // Nothing is parsed from an event that is not the next link of its stream's chain.
      const broken = chain.check(recorded);
      const failure =
        broken === undefined ? foldEvent(patient, recorded) : chainFailure(patient, recorded, broken);
      if (failure === undefined) {
        chain.advance(recorded);
        continue;
      }
      batch.quarantines.set(streamName, this.quarantineRow(recorded, pseudonym, failure));
      if (broken?.kind === 'rewritten' && this.witness !== undefined) {
        batch.rewritten.set(streamName, pseudonym);
        batch.patients.delete(streamName);
        chain.rewind(streamName, undefined);
      }
    }
    for (const [streamName, patient] of batch.patients) {
      // Quarantined at its first event here: nothing to write, its rows stay as committed.
      if (patient.changes.length === 0) {
        batch.patients.delete(streamName);
        continue;
      }
      const failed = makeView(patient);
      if (failed === undefined) continue;
      chain.rewind(streamName, patient.changes.at(-1)?.head);
      const at = { ...failed.change, streamName, type: failed.change.event.type };
      batch.quarantines.set(
        streamName,
        this.quarantineRow(at, patient.pseudonym, { stage: 'view', error: failed.error }),
      );
      // Nothing of this batch is left to write for the patient: its rows stay as committed.
      if (patient.changes.length === 0) batch.patients.delete(streamName);
    }
    return batch;
  }

  /** An access record goes to the access log; one that cannot be read is skipped and counted. */
  private foldAccessRecord(batch: FoldedBatch, recorded: RecordedEvent) {
    try {
      batch.accessRecords.push({ record: parseAccessRecord(recorded.data), position: recorded.position });
    } catch (error) {
      this.skipAccessRecord(batch, recorded, { stage: 'parse', error });
    }
  }

  /** A conclusion goes to the review table; one that cannot be read quarantines its (one-event) stream. */
  private foldReview(batch: FoldedBatch, recorded: RecordedEvent) {
    const { streamName } = recorded;
    if (this.quarantines.has(streamName) || batch.quarantines.has(streamName)) return;
    try {
      batch.reviews.push({ review: parseBreakGlassReview(recorded.data), position: recorded.position });
    } catch (error) {
      batch.quarantines.set(streamName, this.quarantineRow(recorded, undefined, { stage: 'parse', error }));
    }
  }

  private skipAccessRecord(batch: FoldedBatch, recorded: RecordedEvent, failure: Failure) {
    const row = this.quarantineRow(recorded, undefined, failure);
    batch.skippedAccess.push(row);
    // Records are independent of each other: the stream's later records are still applied.
    if (!this.quarantines.has(recorded.streamName) && !batch.quarantines.has(recorded.streamName)) {
      batch.quarantines.set(recorded.streamName, row);
    }
  }

  private quarantineRow(at: EventAt, pseudonym: string | undefined, failure: Failure): QuarantineRow {
    return {
      streamName: at.streamName,
      pseudonym,
      revision: Number(at.revision),
      position: at.position,
      eventType: at.type.slice(0, MAX_EVENT_TYPE),
      errorName: errorNameOf(failure.error),
      errorMessage: safeMessageOf(failure.error, failure.stage, failure.detail),
      quarantinedAt: this.clock().toISOString(),
    };
  }

  /** After a commit: logs the new quarantines and the skipped access records. */
  private reportQuarantines(batch: FoldedBatch) {
    for (const [streamName, q] of batch.quarantines) {
      // An access log's is logged per skipped record below.
      if (q.pseudonym === undefined && !streamName.startsWith(BREAK_GLASS_REVIEW_STREAM_PREFIX)) continue;
      this.logger.error(
        logFields(q),
        isBrokenChain(q) ? BROKEN_CHAIN_MESSAGE : 'stream quarantined: event unreadable',
      );
    }
    for (const q of batch.skippedAccess) {
      this._skippedAccessRecords++;
      this.logger.error(
        logFields(q),
        isBrokenChain(q) ? 'access record skipped: hash chain broken' : 'access record skipped: unreadable',
      );
    }
  }

  /** After a commit: settles whoever waits for a position or stream the batch reached or quarantined. */
  private settleWaiters(batch: FoldedBatch, last: bigint) {
    this.waiters = this.waiters.filter((w) => {
      if (w.position > last) return true;
      w.resolve();
      return false;
    });
    if (this.streamWaiters.size === 0) return;
    for (const [streamName, q] of batch.quarantines) {
      const waiting = this.streamWaiters.get(streamName);
      if (waiting === undefined) continue;
      this.streamWaiters.delete(streamName);
      for (const w of waiting) w.reject(new StreamQuarantinedError(q));
    }
    for (const [streamName, p] of batch.patients) {
      const waiting = this.streamWaiters.get(streamName);
      if (waiting === undefined) continue;
      const rest = waiting.filter((w) => {
        if (w.revision > p.state.version) return true;
        w.resolve();
        return false;
      });
      if (rest.length > 0) this.streamWaiters.set(streamName, rest);
      else this.streamWaiters.delete(streamName);
    }
  }

  /**
   * For every patient stream in the batch that is not quarantined, its state just before its first
   * event in the batch: the initial state for a new stream, the cached state, or (rarely, when the
   * cache dropped it) the stream's earlier events folded again, read a few streams at a time. An
   * earlier event that no longer folds (the code changed) gives a Failure instead of a state.
   */
  private async statesBefore(
    events: readonly RecordedEvent[],
    chain: BatchChain,
  ): Promise<Map<string, PlanState | Failure>> {
    const states = new Map<string, PlanState | Failure>();
    /** First events of streams whose earlier events must be read: to fold them again, or only for their chain head. */
    const reads: { readonly event: RecordedEvent; readonly refold: boolean }[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      if (seen.has(e.streamName)) continue;
      seen.add(e.streamName);
      if (isAccessRecord(e)) {
        if (chain.needsEarlier(e)) reads.push({ event: e, refold: false });
        continue;
      }
      if (pseudonymOfStream(e.streamName) === undefined || this.quarantines.has(e.streamName)) continue;
      const cached = e.revision === 0n ? initialState : this.cache.get(e.streamName);
      if (cached !== undefined && cached.version + 1 === Number(e.revision)) {
        states.set(e.streamName, cached);
        if (chain.needsEarlier(e)) reads.push({ event: e, refold: false });
        continue;
      }
      // What the write path folded just before appending this event: no second read and check.
      const folded = this._status === 'live' ? this.folded?.get(e.streamName) : undefined;
      if (folded === undefined || folded.state.version + 1 !== Number(e.revision)) {
        reads.push({ event: e, refold: true });
        continue;
      }
      const broken = chain.seedHead(e.streamName, { revision: e.revision - 1n, hash: folded.hash });
      states.set(e.streamName, broken === undefined ? folded.state : integrityFailure(broken));
    }
    for (let i = 0; i < reads.length; i += STREAM_READS_IN_FLIGHT) {
      await Promise.all(
        reads.slice(i, i + STREAM_READS_IN_FLIGHT).map(async ({ event: e, refold: fold }) => {
          this._streamReads++;
          // A failing read is the store's trouble, not the stream's: it fails the batch.
          const earlier = await this.store.readStream(e.streamName, { maxCount: Number(e.revision) });
          // The earlier events must hold as a chain, ending at the head this node recorded.
          const broken = chain.seed(e.streamName, earlier);
          if (broken !== undefined) states.set(e.streamName, integrityFailure(broken));
          else if (fold) states.set(e.streamName, refold(earlier));
        }),
      );
    }
    return states;
  }

  /** The position the next batch starts after: the checkpoint, or what the writer thread was sent. */
  private get appliedUpTo(): bigint | undefined {
    return this.sent ?? this.checkpoint;
  }

  /** What memory keeps of a batch: its patients' states and its quarantines. */
  private remember(batch: FoldedBatch) {
    for (const [streamName, p] of batch.patients) {
      this.cache.set(streamName, p.state);
    }
    for (const [streamName, q] of batch.quarantines) {
      this.quarantines.set(streamName, q);
      this.cache.delete(streamName);
    }
  }
}

const isState = (s: PlanState | Failure): s is PlanState => 'plan' in s;

function newPatient(pseudonym: string, recorded: RecordedEvent, before: PlanState): PatientChange {
  const changedAt = recorded.recordedAt.toISOString();
  return {
    pseudonym,
    streamName: recorded.streamName,
    // The first change in this batch: when the plan is new, that is when it was first recorded.
    firstChangedAt: changedAt,
    changedAt,
    position: recorded.position,
    state: before,
    committed: before,
    changes: [],
    view: '',
  };
}

/** Folds one event into the patient's batch state; a Failure leaves the patient as it was. */
function foldEvent(patient: PatientChange, recorded: RecordedEvent): Failure | undefined {
  const before = patient.state;
  if (before.version + 1 !== Number(recorded.revision)) {
    const detail = `expected revision ${before.version + 1}, got ${recorded.revision}`;
    return { stage: 'order', error: new RevisionOrderError(detail), detail };
  }
  let stage: FailureStage = 'parse';
  try {
    const event = readStoredEvent(recorded);
    stage = 'fold';
    const after = evolve(before, event);
    const changedAt = recorded.recordedAt.toISOString();
    patient.changes.push({
      revision: recorded.revision,
      position: recorded.position,
      changedAt,
      event,
      head: { revision: recorded.revision, hash: recorded.integrity?.hash ?? null },
    });
    patient.state = after;
    patient.changedAt = changedAt;
    patient.position = recorded.position;
    return undefined;
  } catch (error) {
    return { stage, error };
  }
}

/**
 * Makes the patient's view for the latest rows. When it cannot be made, finds the first of the
 * batch's events whose resulting plan cannot be viewed (rare, so folding again is fine), keeps
 * the patient's rows up to the event before it, and returns that event with the error.
 */
function makeView(patient: PatientChange): { change: FoldedChange; error: unknown } | undefined {
  try {
    patient.view = encodeView(currentView(patient.state.plan));
    return undefined;
  } catch (error) {
    let state = patient.committed;
    let view = '';
    for (const [i, change] of patient.changes.entries()) {
      const next = evolve(state, change.event);
      try {
        view = encodeView(currentView(next.plan));
      } catch (viewError) {
        keepChanges(patient, i, state, view);
        return { change, error: viewError };
      }
      state = next;
    }
    // Pure code cannot fail only on the whole batch; should it, none of the batch is kept.
    const first = patient.changes[0]!;
    keepChanges(patient, 0, patient.committed, '');
    return { change: first, error };
  }
}

/** Keeps the patient's first `count` changes of the batch, ending at `state` with its `view`. */
function keepChanges(patient: PatientChange, count: number, state: PlanState, view: string) {
  patient.changes.splice(count);
  const kept = patient.changes[count - 1];
  patient.state = kept === undefined ? patient.committed : state;
  patient.view = view;
  if (kept !== undefined) {
    patient.changedAt = kept.changedAt;
    patient.position = kept.position;
  }
}

/** A stream's earlier events folded again, or the first of them that no longer parses or folds. */
function refold(events: readonly StreamEvent[]): PlanState | Failure {
  let state = initialState;
  for (const e of events) {
    try {
      state = evolve(state, readStoredEvent(e));
    } catch (error) {
      return { stage: 'read', error, detail: `at revision ${e.revision}` };
    }
  }
  return state;
}

/** The quarantine of an event that is not the next link of its stream's hash chain. */
function integrityFailure(broken: ChainBreak): Failure {
  return { stage: 'integrity', error: new BrokenChainError(broken), detail: describeLink(broken) };
}

/**
 * Why a patient's event that breaks its stream's chain is not applied. A revision out of order is
 * reported as it always was (the fold's own check) when the fold would refuse it too; anything
 * else is the chain's.
 */
function chainFailure(patient: PatientChange, recorded: RecordedEvent, broken: ChainBreak): Failure {
  const expected = patient.state.version + 1;
  if (broken.kind === 'order' && expected !== Number(recorded.revision)) {
    const detail = `expected revision ${expected}, got ${recorded.revision}`;
    return { stage: 'order', error: new RevisionOrderError(detail), detail };
  }
  return integrityFailure(broken);
}

const BROKEN_CHAIN_MESSAGE = 'stream quarantined: hash chain broken';
const isBrokenChain = (q: QuarantineRow): boolean => q.errorName === 'BrokenChainError';

const logFields = (q: QuarantineRow): Record<string, unknown> => ({
  pseudonym: q.pseudonym,
  streamName: q.streamName,
  revision: q.revision,
  position: q.position.toString(),
  eventType: q.eventType,
  error: `${q.errorName}: ${q.errorMessage}`,
});
