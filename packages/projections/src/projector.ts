import {
  ACCESS_LOG_EVENT_TYPE,
  ACCESS_LOG_STREAM_PREFIX,
  describeChange,
  evolve,
  fold,
  initialState,
  parseAccessRecord,
  parseEvent,
  pseudonymOfStream,
  type PlanState,
  type PzpEvent,
} from '@pzp/domain';
import type { EventStore, RecordedEvent, StreamEvent, Subscription } from '@pzp/event-store';
import { beginBulkLoad, endBulkLoad, resetReadModels, type ReadModelDb } from './read-model-db.js';
import { createWriters, type LatestChange, type Writers } from './writers.js';

export type ProjectorStatus = 'idle' | 'catching-up' | 'live' | 'failed' | 'stopped';

export interface ProjectorLogger {
  info(fields: Record<string, unknown>, message: string): void;
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
  /** Patients whose folded state is kept in memory (least recently used are dropped). */
  readonly cacheSize?: number;
  readonly logger?: ProjectorLogger;
}

const silent: ProjectorLogger = { info: () => {}, error: () => {} };
const IDLE = Symbol('idle');
/** Streams read at once when the cache lacks the states a batch starts from. */
const STREAM_READS_IN_FLIGHT = 8;

const isAccessRecord = (e: StreamEvent): boolean =>
  e.type === ACCESS_LOG_EVENT_TYPE && e.streamName.startsWith(ACCESS_LOG_STREAM_PREFIX);

/** A patient touched by the batch being applied. */
interface PatientChange extends LatestChange {
  changedAt: string;
  position: bigint;
  /** The state folded up to the last event of the batch so far. */
  state: PlanState;
  /** The state the read models hold for this patient (before the batch). */
  readonly committed: PlanState;
}

/**
 * Feeds the read models from the event store. Every batch of events is applied in one SQLite
 * transaction together with the checkpoint, so after a crash the projector resumes exactly after
 * the last committed event: nothing is applied twice or skipped. Each patient's state comes from
 * folding that patient's own events with the domain's evolve(), the same code the command side uses.
 */
export class Projector {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly liveBatchSize: number;
  private readonly cacheSize: number;
  private readonly logger: ProjectorLogger;
  private readonly writers: Writers;
  private readonly cache = new Map<string, PlanState>();
  private waiters: { position: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private subscription: Subscription | undefined;
  private following: Promise<void> | undefined;
  private checkpoint: bigint | undefined;
  private _status: ProjectorStatus = 'idle';
  private _error: Error | undefined;
  private _streamReads = 0;

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    options: ProjectorOptions = {},
  ) {
    this.name = options.name ?? 'pzp-read-models';
    this.batchSize = options.batchSize ?? 5_000;
    this.liveBatchSize = options.liveBatchSize ?? 500;
    this.cacheSize = options.cacheSize ?? 5_000;
    this.logger = options.logger ?? silent;
    this.writers = createWriters(db);
    this.checkpoint = this.writers.readCheckpoint(this.name);
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

  /**
   * Applies everything stored after the checkpoint; returns the number of events read. From empty
   * read models (a rebuild, a new node) this is a bulk load: see beginBulkLoad.
   */
  async catchUp(): Promise<number> {
    this._status = 'catching-up';
    const bulk = this.checkpoint === undefined;
    if (bulk) {
      beginBulkLoad(this.db);
      this.writers.bulkLoad = true;
    }
    let total = 0;
    try {
      for (;;) {
        const page = await this.store.readAll({ fromPosition: this.checkpoint, maxCount: this.batchSize });
        if (page.length === 0) return total;
        await this.apply(page);
        total += page.length;
      }
    } finally {
      if (bulk) {
        this.writers.bulkLoad = false;
        endBulkLoad(this.db);
      }
    }
  }

  /** Catches up, then follows new events until stop(). Resolves once caught up. */
  async start(): Promise<void> {
    await this.catchUp();
    this.subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint });
    this._status = 'live';
    this.following = this.follow(this.subscription).catch((e: unknown) => this.fail(e));
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.following;
    this.subscription = undefined;
    if (this._status !== 'failed') this._status = 'stopped';
  }

  /** Drops every read model and replays the whole event store. */
  async rebuild(): Promise<number> {
    const wasLive = this.subscription !== undefined;
    if (wasLive) await this.stop();
    resetReadModels(this.db);
    this.cache.clear();
    this.checkpoint = undefined;
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
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`Read models did not reach position ${position} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private async follow(subscription: Subscription) {
    const iterator = subscription[Symbol.asyncIterator]();
    let pending = iterator.next();
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch: RecordedEvent[] = [first.value];
      pending = iterator.next();
      // Take whatever else is already there, so a burst is applied in one transaction.
      while (batch.length < this.liveBatchSize) {
        const next = await Promise.race([
          pending,
          new Promise<typeof IDLE>((r) => setImmediate(() => r(IDLE))),
        ]);
        if (next === IDLE) break;
        if (next.done) {
          await this.apply(batch);
          return;
        }
        batch.push(next.value);
        pending = iterator.next();
      }
      await this.apply(batch);
    }
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
  }

  /**
   * Applies events in order; events at or before the checkpoint (redelivery) are ignored. The
   * states the batch starts from are loaded first (the only step that may need the store); then
   * every event is folded and written, and the checkpoint with them, in one synchronous SQLite
   * transaction: if anything throws, nothing of the batch is committed and the cache is untouched.
   */
  private async apply(events: readonly RecordedEvent[]) {
    const checkpoint = this.checkpoint;
    const fresh = checkpoint === undefined ? events : events.filter((e) => e.position > checkpoint);
    if (fresh.length === 0) return;
    const committed = await this.statesBefore(fresh);
    const last = fresh[fresh.length - 1]!.position;

    const patients = new Map<string, PatientChange>();
    this.db.transaction(() => {
      for (const recorded of fresh) {
        if (isAccessRecord(recorded)) {
          this.writers.accessRecord(parseAccessRecord(recorded.data), recorded.position);
          continue;
        }
        const pseudonym = pseudonymOfStream(recorded.streamName);
        if (pseudonym === undefined) continue; // not a patient's plan
        const changedAt = recorded.recordedAt.toISOString();
        let patient = patients.get(recorded.streamName);
        if (patient === undefined) {
          const before = committed.get(recorded.streamName)!;
          patient = {
            pseudonym,
            streamName: recorded.streamName,
            // The first change in this batch: when the plan is new, that is when it was first recorded.
            firstChangedAt: changedAt,
            changedAt,
            position: recorded.position,
            state: before,
            committed: before,
          };
          patients.set(recorded.streamName, patient);
        }
        const before = patient.state;
        if (before.version + 1 !== Number(recorded.revision)) {
          throw new Error(
            `Projection out of order at position ${recorded.position}: revision ${recorded.revision}`,
          );
        }
        const event = parseEvent(recorded);
        const after = evolve(before, event);
        this.writers.history(
          pseudonym,
          recorded.revision,
          recorded.position,
          describeChange(before, event, after),
        );
        patient.state = after;
        patient.changedAt = changedAt;
        patient.position = recorded.position;
      }
      for (const p of patients.values()) this.writers.latest(p, p.state, p.committed);
      this.writers.checkpoint(this.name, last);
    })();

    // Only after the commit: the cache and the checkpoint in memory follow what is on disk.
    for (const [streamName, p] of patients) this.remember(streamName, p.state);
    this.checkpoint = last;
    this.waiters = this.waiters.filter((w) => {
      if (w.position > last) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * For every patient stream in the batch, its state just before its first event in the batch:
   * the initial state for a new stream, the cached state, or (rarely, when the cache dropped it)
   * the stream's earlier events folded again, read a few streams at a time.
   */
  private async statesBefore(events: readonly RecordedEvent[]): Promise<Map<string, PlanState>> {
    const states = new Map<string, PlanState>();
    const misses: RecordedEvent[] = [];
    for (const e of events) {
      if (states.has(e.streamName) || isAccessRecord(e) || pseudonymOfStream(e.streamName) === undefined)
        continue;
      const cached = e.revision === 0n ? initialState : this.cache.get(e.streamName);
      if (cached !== undefined && cached.version + 1 === Number(e.revision)) {
        states.set(e.streamName, cached);
      } else {
        states.set(e.streamName, initialState); // placeholder, so the stream is read once
        misses.push(e);
      }
    }
    for (let i = 0; i < misses.length; i += STREAM_READS_IN_FLIGHT) {
      await Promise.all(
        misses.slice(i, i + STREAM_READS_IN_FLIGHT).map(async (e) => {
          this._streamReads++;
          const earlier = await this.store.readStream(e.streamName, { maxCount: Number(e.revision) });
          states.set(e.streamName, fold(earlier.map((s): PzpEvent => parseEvent(s))));
        }),
      );
    }
    return states;
  }

  private remember(streamName: string, state: PlanState) {
    this.cache.delete(streamName);
    this.cache.set(streamName, state);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
