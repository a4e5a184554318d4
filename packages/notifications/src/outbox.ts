import {
  AccessRecorded,
  ACCESS_LOG_EVENT_TYPE,
  ACCESS_LOG_STREAM_PREFIX,
  currentView,
  evolve,
  streamNameFor,
  initialState,
  parseEvent,
  pseudonymOfStream,
  type Actor,
  type FoldedStates,
  DEFAULT_PLAN_STATE_CACHE_EVENTS,
  PlanStateCache,
  type PlanState,
  type PzpEvent,
} from '@pzp/domain';
import { factsFromView, type PatientFacts } from '@pzp/access';
import { bursts, type EventStore, type RecordedEvent, type Subscription } from '@pzp/event-store';
import {
  ENDPOINT_REGISTERED,
  ENDPOINT_REMOVED,
  ENDPOINTS_STREAM,
  EndpointRegistered,
  EndpointRemoved,
  noticeId,
  type Endpoint,
} from './endpoints.js';
import { changeKindsOf, type ChangeKind } from './kinds.js';
import { mayBeTold } from './policy.js';
import { outboxStatements, type NewNotice, type OutboxDb, type OutboxStatements } from './outbox-db.js';

/** One command's worth of change to one patient's plan, as every listener is told of it. */
export interface PlanChange {
  readonly pseudonym: string;
  /** The plan's version (stream revision) after the change. */
  readonly version: number;
  readonly kinds: readonly ChangeKind[];
  readonly changedAt: string;
  readonly position: bigint;
  /**
   * What the access policy needs to know who may read the plan. For a voided record, the facts
   * before it was voided: those who could read it are told it is gone.
   */
  readonly facts: PatientFacts;
  /**
   * Set for a notice meant for one organisation only (a break-the-glass read is told to the
   * patient's regiebehandelaar, not to everyone who may read the plan).
   */
  readonly onlyOrganization?: string | undefined;
  /** The event it is about when that is not the plan's own (an access record): names the notice. */
  readonly source?: { readonly streamName: string; readonly revision: bigint } | undefined;
}

export interface OutboxLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface OutboxOptions {
  readonly clock?: () => Date;
  readonly logger?: OutboxLogger;
  readonly batchSize?: number;
  /** The events the patients' folded states kept in memory may hold in all (PlanStateCache). */
  readonly cacheEvents?: number;
  /** How long a checkpoint past events with nothing to tell may wait to be written (default 1 s). */
  readonly checkpointDelayMs?: number;
  /** After a failure, start again from the checkpoint this much later. */
  readonly restartDelayMs?: number;
  /**
   * States the write path folded from verified streams (@pzp/application's RecentPlanStates): a
   * run whose first event links to one is folded onto it instead of reading the stream again.
   */
  readonly folded?: FoldedStates;
}

const silent: OutboxLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The policy's view of an endpoint: its organisation, acting with the profession of the person
 * who registered it. The person's own id is not used, so a role held by that person alone (not by
 * the organisation) does not reach the endpoint.
 */
const endpointActor = (e: Endpoint): Actor => ({
  id: `webhook:${e.endpointId}`,
  name: e.organization.name,
  profession: e.registeredBy.profession,
  organization: e.organization,
});

/** A run of consecutive events of one patient in `$all`: one append, usually one command. */
interface Run {
  readonly streamName: string;
  readonly pseudonym: string;
  readonly events: RecordedEvent[];
}

/** How long a checkpoint that moved past events with nothing to tell may wait to be written. */
const CHECKPOINT_DELAY_MS = 1_000;

/**
 * Works out who is told of each change: a checkpointed consumer of the event store's `$all`, like
 * the projector, but with its own file and checkpoint (see outbox-db.ts for why). For every run of
 * a patient's events it folds the patient's state with the domain's evolve(), asks the access
 * policy (decideListedPlan, the rule the reviews-due list uses) for each registered endpoint, and
 * writes a notice per endpoint that may read the plan, in one transaction with the checkpoint.
 * After the commit, listeners (the live subscriptions, the deliverer) are told.
 */
export class Outbox {
  private readonly sql: OutboxStatements;
  private readonly clock: () => Date;
  private readonly logger: OutboxLogger;
  private readonly batchSize: number;
  private readonly cache: PlanStateCache;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly listeners = new Set<(changes: readonly PlanChange[]) => void>();
  private checkpoint: bigint | null = null;
  private subscription: Subscription | undefined;
  private following: Promise<void> | undefined;
  private _failed: Error | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly restartDelayMs: number;
  private readonly checkpointDelayMs: number;
  private readonly folded: FoldedStates | undefined;
  private waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly db: OutboxDb,
    options: OutboxOptions = {},
  ) {
    this.sql = outboxStatements(db);
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silent;
    this.batchSize = options.batchSize ?? 1_000;
    this.cache = new PlanStateCache(options.cacheEvents ?? DEFAULT_PLAN_STATE_CACHE_EVENTS);
    this.restartDelayMs = options.restartDelayMs ?? 5_000;
    this.checkpointDelayMs = options.checkpointDelayMs ?? CHECKPOINT_DELAY_MS;
    this.folded = options.folded;
  }

  get position(): bigint | null {
    return this.checkpoint;
  }

  get failed(): Error | undefined {
    return this._failed;
  }

  /** Registered endpoints not removed, as of the checkpoint. */
  activeEndpoints(): Endpoint[] {
    return [...this.endpoints.values()].filter((e) => e.removedAt === null);
  }

  endpoint(endpointId: string): Endpoint | undefined {
    return this.endpoints.get(endpointId);
  }

  /** Resolves once the outbox has worked through `position` (or after `timeoutMs`, whichever first). */
  waitFor(position: bigint, timeoutMs = 5_000): Promise<void> {
    if (this.checkpoint !== null && this.checkpoint >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs).unref();
    });
  }

  onChanges(listener: (changes: readonly PlanChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Catches up from the checkpoint, then follows the store. A new outbox starts at the store's
   * head, with the endpoints registered so far: it tells of changes from now on, not of the whole
   * history of a registry that had no outbox before.
   */
  async start(): Promise<void> {
    const stored = this.sql.readCheckpoint();
    if (stored === undefined) await this.initialise();
    else this.checkpoint = await this.withinStore(stored);
    for (const e of this.sql.endpoints()) this.endpoints.set(e.endpointId, e);
    for (;;) {
      const page = await this.store.readAll({
        fromPosition: this.checkpoint ?? undefined,
        maxCount: this.batchSize,
      });
      if (page.length === 0) break;
      await this.apply(page);
    }
    this.subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint ?? undefined });
    this.following = this.follow(this.subscription).catch((e: unknown) => {
      this._failed = e instanceof Error ? e : new Error(String(e));
      this.logger.error({ err: this._failed.message }, 'outbox stopped; starting again from its checkpoint');
      this.restartLater();
    });
  }

  /**
   * After a failed batch (a full disk, the store gone) nothing was committed: start again from the
   * checkpoint a little later, so no notice is lost and the node need not be restarted.
   */
  private restartLater() {
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      void this.subscription
        ?.close()
        .catch(() => undefined)
        .then(() => (this.stopped ? undefined : this.start()))
        .then(() => (this._failed = undefined))
        .catch((e: unknown) => {
          this._failed = e instanceof Error ? e : new Error(String(e));
          this.restartLater();
        });
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.subscription?.close();
    await this.following;
    this.subscription = undefined;
    this.writeDeferredCheckpoint();
  }

  private deferredCheckpoint: { position: bigint; timer: NodeJS.Timeout } | undefined;

  private deferCheckpoint(position: bigint) {
    if (this.deferredCheckpoint) {
      this.deferredCheckpoint.position = position;
      return;
    }
    const timer = setTimeout(() => this.writeDeferredCheckpoint(), this.checkpointDelayMs);
    timer.unref();
    this.deferredCheckpoint = { position, timer };
  }

  private clearDeferredCheckpoint() {
    clearTimeout(this.deferredCheckpoint?.timer);
    this.deferredCheckpoint = undefined;
  }

  private writeDeferredCheckpoint() {
    const deferred = this.deferredCheckpoint;
    if (!deferred) return;
    this.clearDeferredCheckpoint();
    try {
      this.sql.writeCheckpoint(deferred.position);
    } catch (error) {
      // Not lost: the events after the stored checkpoint are read again at the next start.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'outbox checkpoint not written',
      );
    }
  }

  /**
   * A checkpoint past the store's head means the store was restored from a backup (or replaced):
   * the events after the head are gone, and new ones will reuse their positions. Carry on from the
   * head, so the notices of new changes are not skipped.
   */
  private async withinStore(stored: bigint | null): Promise<bigint | null> {
    const head = (await this.store.headPosition()) ?? null;
    if (stored === null || (head !== null && stored <= head)) return stored;
    this.logger.warn(
      { checkpoint: stored.toString(), head: head?.toString() ?? null },
      'outbox checkpoint is past the event store head (restored store?): carrying on from the head',
    );
    this.sql.writeCheckpoint(head);
    return head;
  }

  private async initialise() {
    const head = (await this.store.headPosition()) ?? null;
    const registrations = await this.store.readStream(ENDPOINTS_STREAM);
    const endpoints = new Map<string, Endpoint>();
    for (const e of registrations) this.foldEndpoint(endpoints, e);
    this.db.transaction(() => {
      for (const e of endpoints.values()) this.sql.registerEndpoint(e);
      this.sql.writeCheckpoint(head);
    })();
    this.checkpoint = head;
    this.logger.info({ position: head?.toString() ?? null, endpoints: endpoints.size }, 'outbox started');
  }

  private async follow(subscription: Subscription) {
    for await (const batch of bursts(subscription, this.batchSize)) await this.apply(batch);
  }

  private async apply(events: readonly RecordedEvent[]) {
    const checkpoint = this.checkpoint;
    const fresh = checkpoint === null ? events : events.filter((e) => e.position > checkpoint);
    if (fresh.length === 0) return;
    const endpoints = new Map(this.endpoints);
    const states = new Map<string, PlanState>();
    const notices: NewNotice[] = [];
    const changes: PlanChange[] = [];
    for (const run of runsOf(fresh)) {
      if ('endpointEvent' in run) {
        this.foldEndpoint(endpoints, run.endpointEvent);
        continue;
      }
      if ('accessEvent' in run) {
        const told = await this.breakGlassChange(run.accessEvent, states);
        if (told === undefined) continue;
        changes.push(told);
        for (const endpoint of endpoints.values()) {
          if (endpoint.removedAt !== null || endpoint.organization.id !== told.onlyOrganization) continue;
          notices.push({
            noticeId: noticeId(endpoint.endpointId, run.accessEvent.streamName, run.accessEvent.revision),
            channel: 'WEBHOOK',
            recipient: endpoint.endpointId,
            organizationId: endpoint.organization.id,
            pseudonym: told.pseudonym,
            version: told.version,
            kinds: told.kinds,
            changedAt: told.changedAt,
            position: told.position,
          });
        }
        continue;
      }
      const change = await this.foldRun(run, states);
      if (change === undefined) continue;
      changes.push(change);
      for (const endpoint of endpoints.values()) {
        if (endpoint.removedAt !== null) continue;
        if (!mayBeTold(endpointActor(endpoint), change.facts)) continue;
        notices.push({
          noticeId: noticeId(endpoint.endpointId, run.streamName, BigInt(change.version)),
          channel: 'WEBHOOK',
          recipient: endpoint.endpointId,
          organizationId: endpoint.organization.id,
          pseudonym: change.pseudonym,
          version: change.version,
          kinds: change.kinds,
          changedAt: change.changedAt,
          position: change.position,
        });
      }
    }
    const last = fresh[fresh.length - 1]!.position;
    const now = this.clock();
    const changedEndpoints = [...endpoints.values()].filter((e) => this.endpoints.get(e.endpointId) !== e);
    if (notices.length === 0 && changedEndpoints.length === 0) {
      // Nothing to tell (most bursts are access records of ordinary reads): only the checkpoint
      // moves, and an fsync per burst for it alone cost a quarter of a busy node's event loop. It
      // is written within checkpointDelayMs, or with the next notices: a crash before then makes
      // the outbox read these events again and find, again, nothing to tell.
      this.deferCheckpoint(last);
    } else {
      this.db.transaction(() => {
        for (const e of changedEndpoints) this.sql.registerEndpoint(e);
        for (const n of notices) this.sql.insert(n, now.toISOString(), 'PENDING', now.getTime());
        this.sql.writeCheckpoint(last);
      })();
      this.clearDeferredCheckpoint();
    }
    // Memory follows what is on disk (or, deferred, what re-reading would give), after the commit.
    this.checkpoint = last;
    for (const [k, v] of endpoints) this.endpoints.set(k, v);
    for (const [streamName, state] of states) this.remember(streamName, state);
    if (changes.length > 0) for (const l of this.listeners) l(changes);
    const reached = this.waiters.filter((w) => w.position <= last);
    this.waiters = this.waiters.filter((w) => w.position > last);
    for (const w of reached) w.resolve();
  }

  private foldEndpoint(endpoints: Map<string, Endpoint>, e: { type: string; data: unknown }) {
    if (e.type === ENDPOINT_REGISTERED) {
      const parsed = EndpointRegistered.safeParse(e.data);
      if (parsed.success) endpoints.set(parsed.data.endpointId, { ...parsed.data, removedAt: null });
      else this.logger.warn({ type: e.type }, 'unreadable endpoint event skipped');
    } else if (e.type === ENDPOINT_REMOVED) {
      const parsed = EndpointRemoved.safeParse(e.data);
      const known = parsed.success ? endpoints.get(parsed.data.endpointId) : undefined;
      if (parsed.success && known)
        endpoints.set(known.endpointId, { ...known, removedAt: parsed.data.removedAt });
    }
  }

  /**
   * Folds one run onto the patient's state before it (from memory; else the state the write path
   * left for it, see foldedBefore; else the store). An event that cannot be read ends the run
   * without a notice: the projector quarantines that stream, and no notice may announce a change
   * nobody can be shown.
   */
  private async foldRun(run: Run, states: Map<string, PlanState>): Promise<PlanChange | undefined> {
    const first = run.events[0]!.revision;
    let state = states.get(run.streamName) ?? this.cache.get(run.streamName);
    if (state === undefined || BigInt(state.version) !== first - 1n) {
      state = this.foldedBefore(run) ?? (await this.stateBefore(run.streamName, first));
      if (state === undefined) return undefined;
    }
    const before = state;
    const parsed: PzpEvent[] = [];
    try {
      for (const e of run.events) {
        const event = parseEvent(e);
        state = evolve(state, event);
        parsed.push(event);
      }
    } catch (error) {
      this.cache.delete(run.streamName);
      states.delete(run.streamName);
      this.logger.warn(
        { pseudonym: run.pseudonym, err: error instanceof Error ? error.name : 'error' },
        'outbox skipped an unreadable event',
      );
      return undefined;
    }
    states.set(run.streamName, state);
    const voided = state.plan.patient === null;
    const shown = voided ? before : state;
    if (shown.plan.patient === null) return undefined; // nothing anyone can be shown or told about
    const last = run.events[run.events.length - 1]!;
    return {
      pseudonym: run.pseudonym,
      version: state.version,
      kinds: changeKindsOf(parsed.map((e) => e.type)),
      changedAt: last.recordedAt.toISOString(),
      position: last.position,
      facts: factsFromView(currentView(shown.plan)),
    };
  }

  /**
   * A read by breaking the glass (a granted, flagged access record with purpose BREAK_THE_GLASS), as
   * a notice for the patient's regiebehandelaar (else the registered GP practice): they are to know
   * of it at once (NEN 7513), not only when they look at the list.
   */
  private async breakGlassChange(
    e: RecordedEvent,
    states: Map<string, PlanState>,
  ): Promise<PlanChange | undefined> {
    // Nearly every record is an ordinary read: its plain fields say so without a schema parse
    // (zod's parse changes none of them), and only a record that may be a break-the-glass read is
    // parsed before it is trusted.
    if (!mayBeBreakGlass(e.data)) return undefined;
    const parsed = AccessRecorded.safeParse({ type: e.type, data: e.data });
    if (!parsed.success) return undefined;
    const record = parsed.data.data;
    if (!record.flagged || record.outcome !== 'GRANTED' || record.purpose !== 'BREAK_THE_GLASS')
      return undefined;
    const streamName = streamNameFor(record.pseudonym);
    const state =
      states.get(streamName) ?? this.cache.get(streamName) ?? (await this.stateBefore(streamName, -1n));
    if (state?.plan.patient == null) return undefined;
    const view = currentView(state.plan);
    const organization = view.regiebehandelaar?.organization.id ?? view.registeredGpPractice?.practice.id;
    if (organization === undefined) return undefined;
    return {
      pseudonym: record.pseudonym,
      version: state.version,
      kinds: ['BREAK_THE_GLASS'],
      changedAt: e.recordedAt.toISOString(),
      position: e.position,
      facts: factsFromView(view),
      onlyOrganization: organization,
      source: { streamName: e.streamName, revision: e.revision },
    };
  }

  /**
   * The state the write path left for this run's stream, when the run's first event is the one
   * that follows it: its chain link names the hash of the event the state ends at, so the state is
   * the fold of exactly the events before the run.
   */
  private foldedBefore(run: Run): PlanState | undefined {
    const known = this.folded?.get(run.streamName);
    const first = run.events[0]!;
    if (known === undefined || known.hash === null || BigInt(known.state.version) !== first.revision - 1n)
      return undefined;
    return first.integrity?.previous === known.hash ? known.state : undefined;
  }

  /** The state before `revision` (-1: the whole stream, the state now). */
  private async stateBefore(streamName: string, revision: bigint): Promise<PlanState | undefined> {
    if (revision === 0n) return initialState;
    const events = await this.store.readStream(
      streamName,
      revision < 0n ? {} : { maxCount: Number(revision) },
    );
    try {
      return events.reduce((s, e) => evolve(s, parseEvent(e)), initialState);
    } catch {
      return undefined;
    }
  }

  private remember(streamName: string, state: PlanState) {
    this.cache.set(streamName, state);
  }

  /** Records a notice pushed to a live subscriber (the audit trail of every notice). */
  recordPushed(notice: Omit<NewNotice, 'channel'>) {
    const now = this.clock();
    this.sql.insert({ ...notice, channel: 'SUBSCRIPTION' }, now.toISOString(), 'DELIVERED', now.getTime());
  }
}

/** The break-the-glass test of breakGlassChange, on the stored fields before any parse. */
function mayBeBreakGlass(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const { flagged, outcome, purpose } = data as Record<string, unknown>;
  return flagged === true && outcome === 'GRANTED' && purpose === 'BREAK_THE_GLASS';
}

type RunOrEndpoint =
  Run | { readonly endpointEvent: RecordedEvent } | { readonly accessEvent: RecordedEvent };

/** Consecutive events of one patient stream make one run; endpoint events stand alone. */
function* runsOf(events: readonly RecordedEvent[]): Generator<RunOrEndpoint> {
  let current: Run | undefined;
  for (const e of events) {
    if (e.streamName === ENDPOINTS_STREAM) {
      if (current) yield current;
      current = undefined;
      yield { endpointEvent: e };
      continue;
    }
    if (e.streamName.startsWith(ACCESS_LOG_STREAM_PREFIX) && e.type === ACCESS_LOG_EVENT_TYPE) {
      if (current) yield current;
      current = undefined;
      yield { accessEvent: e };
      continue;
    }
    const pseudonym = pseudonymOfStream(e.streamName);
    if (pseudonym === undefined) continue;
    if (current && current.streamName === e.streamName) {
      current.events.push(e);
      continue;
    }
    if (current) yield current;
    current = { streamName: e.streamName, pseudonym, events: [e] };
  }
  if (current) yield current;
}
