import { DateTime } from 'luxon';
import { Gauge, type Registry } from 'prom-client';
import type { SubscriptionHealth } from '@pzp/event-store';
import type { Projector, ProjectorStatus } from '@pzp/projections';

/** What the node's state metrics read at each scrape. */
export interface NodeState {
  readonly projector: Pick<Projector, 'status' | 'position'>;
  /** The store's head: the position of its last event (undefined when empty). */
  readonly headPosition: () => Promise<bigint | undefined>;
  /** EventStoreDB's `$all` subscription; undefined for the embedded store (it has none). */
  readonly subscriptionHealth: () => SubscriptionHealth | undefined;
  readonly quarantinedStreams: () => number;
  readonly readiness: () => { readonly ready: boolean; readonly reasons: readonly string[] };
}

const PROJECTOR_STATUSES: readonly ProjectorStatus[] = ['idle', 'catching-up', 'live', 'failed', 'stopped'];
const SUBSCRIPTION_STATES: readonly SubscriptionHealth['state'][] = [
  'connecting',
  'live',
  'reconnecting',
  'closed',
];

/**
 * Gauges read from the node's parts when Prometheus scrapes, so they cost nothing between scrapes.
 * Lag in seconds is sampled too: the time since a scrape last found the projector at the head,
 * an upper bound that is exact to within one scrape interval.
 */
export function registerStateMetrics(registry: Registry, state: NodeState): void {
  const registers = [registry];
  const sample = positionSampler(state);

  new Gauge({
    name: 'pzp_event_store_head_position',
    help: "Global position of the event store's last event (NaN while the store cannot be read)",
    registers,
    async collect() {
      const { head } = await sample();
      this.set(head === undefined ? Number.NaN : Number(head));
    },
  });
  new Gauge({
    name: 'pzp_projector_position',
    help: 'Global position of the last event in the read models',
    registers,
    async collect() {
      this.set(Number((await sample()).position));
    },
  });
  new Gauge({
    name: 'pzp_projector_lag_positions',
    help: 'Head position minus projector position: events behind on the embedded store, log offsets on EventStoreDB (NaN while the store cannot be read)',
    registers,
    async collect() {
      const { head, position } = await sample();
      this.set(head === undefined ? Number.NaN : Number(head > position ? head - position : 0n));
    },
  });
  new Gauge({
    name: 'pzp_projector_lag_seconds',
    help: 'Seconds since a scrape last found the projector at the head of the store (0 when it is there now)',
    registers,
    async collect() {
      this.set((await sample()).behindSeconds);
    },
  });
  new Gauge({
    name: 'pzp_projector_status',
    help: "The projector's status: 1 for the current one",
    labelNames: ['status'] as const,
    registers,
    collect() {
      for (const s of PROJECTOR_STATUSES) this.set({ status: s }, state.projector.status === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pzp_event_store_subscription_state',
    help: "EventStoreDB's $all subscription: 1 for the current state (absent for the embedded store)",
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      const health = state.subscriptionHealth();
      if (health === undefined) return;
      for (const s of SUBSCRIPTION_STATES) this.set({ state: s }, health.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pzp_event_store_subscription_reconnects',
    help: "How often EventStoreDB's $all subscription reconnected since start (0 for the embedded store)",
    registers,
    collect() {
      this.set(state.subscriptionHealth()?.reconnects ?? 0);
    },
  });
  new Gauge({
    name: 'pzp_quarantined_streams',
    help: 'Streams the projector could not read; their patients are refused until an operator rebuilds',
    registers,
    collect() {
      this.set(state.quarantinedStreams());
    },
  });
  new Gauge({
    name: 'pzp_ready',
    help: '1 when the node is ready (as /readyz), else 0',
    registers,
    collect() {
      this.set(state.readiness().ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pzp_not_ready_reasons',
    help: 'How many reasons /readyz gives for the node not being ready',
    registers,
    collect() {
      this.set(state.readiness().reasons.length);
    },
  });
}

interface PositionSample {
  /** Undefined when the store could not be read. */
  readonly head: bigint | undefined;
  readonly position: bigint;
  readonly behindSeconds: number;
}

/**
 * One reading of head and projector position per scrape: prom-client collects all gauges at
 * once, so the gauges share the reading in flight rather than each asking the store.
 */
function positionSampler(state: NodeState): () => Promise<PositionSample> {
  let atHeadAt = DateTime.utc();
  let inFlight: Promise<PositionSample> | undefined;
  const read = async (): Promise<PositionSample> => {
    const head = await state.headPosition().then(
      (h) => h ?? 0n,
      () => undefined,
    );
    const position = state.projector.position ?? 0n;
    const now = DateTime.utc();
    if (head !== undefined && position >= head) atHeadAt = now;
    return { head, position, behindSeconds: Math.max(0, now.diff(atHeadAt).as('seconds')) };
  };
  return () => (inFlight ??= read().finally(() => (inFlight = undefined)));
}
