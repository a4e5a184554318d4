import type { AccessLogWriter } from '@pzp/access';
import type { RecentPlanStates } from '@pzp/application';
import { pseudonymFor, type Bsn } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import type { Projector, Queries } from '@pzp/projections';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * The node's long-lived parts, shared by all requests. Only the access door (a RecordDoor, which
 * these are) and the node's wiring (app.ts, main.ts) use them: front ends get records from it.
 */
export interface Services {
  readonly store: EventStore;
  readonly queries: Queries;
  readonly projector: Projector;
  readonly accessLog: AccessLogWriter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pseudonymOf: (bsn: string) => string;
  /** The states writes were decided on, handed to the outbox (it then need not read the stream). */
  readonly recentStates?: RecentPlanStates | undefined;
}

export const pseudonymizer = (secret: string) => {
  // Lookups repeat (the same patient at night, paging through history): skip the HMAC then.
  const cache = new Map<string, string>();
  return (bsn: string): string => {
    let p = cache.get(bsn);
    if (p === undefined) {
      p = pseudonymFor(bsn as Bsn, secret);
      if (cache.size >= 50_000) cache.delete(cache.keys().next().value!);
      cache.set(bsn, p);
    }
    return p;
  };
};
