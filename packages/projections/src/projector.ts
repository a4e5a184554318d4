import {
  ACCESS_LOG_EVENT_TYPE,
  ACCESS_LOG_STREAM_PREFIX,
  parseAccessRecord,
  type AccessRecord,
  describeChange,
  evolve,
  fold,
  initialState,
  parseEvent,
  pseudonymOfStream,
  type ChangeEntry,
  type PlanState,
  type PzpEvent,
} from '@pzp/domain';
import type { EventStore, RecordedEvent, Subscription } from '@pzp/event-store';
import { resetReadModels, type ReadModelDb } from './read-model-db.js';
import { createWriters, type Writers } from './writers.js';

export type ProjectorStatus = 'idle' | 'catching-up' | 'live' | 'failed' | 'stopped';

export interface ProjectorLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ProjectorOptions {
  /** Checkpoint name; one projector per read-model database. */
  readonly name?: string;
  /** Events applied per transaction at most. */
  readonly batchSize?: number;
  /** Patients whose folded state is kept in memory (least recently used are dropped). */
  readonly cacheSize?: number;
  readonly logger?: ProjectorLogger;
}

const silent: ProjectorLogger = { info: () => {}, error: () => {} };
const IDLE = Symbol('idle');

/**
 * Feeds the read models from the event store. Every batch of events is applied in one SQLite
 * transaction together with the checkpoint, so after a crash the projector resumes exactly after
 * the last committed event: nothing is applied twice or skipped. Each patient's state comes from
 * folding that patient's own events with the domain's evolve(), the same code the command side uses.
 */
export class Projector {
  private readonly name: string;
  private readonly batchSize: number;
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

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    options: ProjectorOptions = {},
  ) {
    this.name = options.name ?? 'pzp-read-models';
    this.batchSize = options.batchSize ?? 1000;
    this.cacheSize = options.cacheSize ?? 20_000;
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

  /** Global position of the last event included in the read models. */
  get position(): bigint | undefined {
    return this.checkpoint;
  }

  /** Applies everything stored after the checkpoint; returns the number of events read. */
  async catchUp(): Promise<number> {
    this._status = 'catching-up';
    let total = 0;
    for (;;) {
      const page = await this.store.readAll({ fromPosition: this.checkpoint, maxCount: this.batchSize });
      if (page.length === 0) return total;
      await this.apply(page);
      total += page.length;
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
      while (batch.length < this.batchSize) {
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

  /** Applies events in order; events at or before the checkpoint (redelivery) are ignored. */
  private async apply(events: readonly RecordedEvent[]) {
    const fresh = events.filter((e) => this.checkpoint === undefined || e.position > this.checkpoint);
    if (fresh.length === 0) return;

    // Fold in memory first (loading states may need the store), then write everything at once.
    const states = new Map<string, PlanState>();
    const history: { pseudonym: string; revision: bigint; position: bigint; entry: ChangeEntry }[] = [];
    const touched = new Map<
      string,
      { streamName: string; firstChangedAt: string; changedAt: string; position: bigint }
    >();
    const accessRecords: { record: AccessRecord; position: bigint }[] = [];
    for (const recorded of fresh) {
      if (
        recorded.type === ACCESS_LOG_EVENT_TYPE &&
        recorded.streamName.startsWith(ACCESS_LOG_STREAM_PREFIX)
      ) {
        accessRecords.push({ record: parseAccessRecord(recorded.data), position: recorded.position });
        continue;
      }
      const pseudonym = pseudonymOfStream(recorded.streamName);
      if (pseudonym === undefined) continue; // not a patient's plan
      const before = states.get(recorded.streamName) ?? (await this.stateBefore(recorded));
      if (BigInt(before.version) !== recorded.revision - 1n) {
        throw new Error(
          `Projection out of order at position ${recorded.position}: revision ${recorded.revision}`,
        );
      }
      const event = parseEvent(recorded);
      const after = evolve(before, event);
      states.set(recorded.streamName, after);
      history.push({
        pseudonym,
        revision: recorded.revision,
        position: recorded.position,
        entry: describeChange(before, event, after),
      });
      const changedAt = recorded.recordedAt.toISOString();
      touched.set(pseudonym, {
        streamName: recorded.streamName,
        // The first change in this batch: when the plan is new, that is when it was first recorded.
        firstChangedAt: touched.get(pseudonym)?.firstChangedAt ?? changedAt,
        changedAt,
        position: recorded.position,
      });
    }
    const last = fresh[fresh.length - 1]!.position;

    this.db.transaction(() => {
      for (const h of history) this.writers.history(h.pseudonym, h.revision, h.position, h.entry);
      for (const [pseudonym, t] of touched) {
        this.writers.latest(pseudonym, t.streamName, states.get(t.streamName)!, t);
      }
      for (const a of accessRecords) this.writers.accessRecord(a.record, a.position);
      this.writers.checkpoint(this.name, last);
    })();

    // Only after the commit: the cache and the checkpoint in memory follow what is on disk.
    for (const [streamName, state] of states) this.remember(streamName, state);
    this.checkpoint = last;
    this.waiters = this.waiters.filter((w) => {
      if (w.position > last) return true;
      w.resolve();
      return false;
    });
  }

  /** The patient's state just before `recorded`: from the cache, or folded from the store. */
  private async stateBefore(recorded: RecordedEvent): Promise<PlanState> {
    if (recorded.revision === 0n) return initialState;
    const cached = this.cache.get(recorded.streamName);
    if (cached && BigInt(cached.version) === recorded.revision - 1n) return cached;
    const earlier = await this.store.readStream(recorded.streamName, { maxCount: Number(recorded.revision) });
    return fold(earlier.map((e): PzpEvent => parseEvent(e)));
  }

  private remember(streamName: string, state: PlanState) {
    this.cache.delete(streamName);
    this.cache.set(streamName, state);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
