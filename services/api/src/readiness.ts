import type { Projector } from '@pzp/projections';
import type { OpenedEventStore } from './event-store.js';
import { storageErrorCode, type Writability, type WriteTarget } from './writability.js';

export interface Readiness {
  readonly ready: boolean;
  /** Why not, one line each (empty when ready): what /readyz reports. */
  readonly reasons: readonly string[];
}

export interface ReadinessParts {
  /** False until start-up has caught up. */
  readonly started: () => boolean;
  readonly projector: Pick<Projector, 'status' | 'error'>;
  readonly eventStore: Pick<OpenedEventStore, 'subscriptionHealth'>;
  readonly writability: Writability;
  readonly readModels: WriteTarget;
}

/**
 * Ready means the node answers from read models that are current and can store what answering
 * needs (access records, commands): the projector is live, the store's subscription is not
 * reconnecting, and both the event store and the read models can be written.
 */
export function readinessOf(parts: ReadinessParts): Readiness {
  const reasons: string[] = [];
  const { status, error } = parts.projector;
  if (!parts.started()) reasons.push('starting: the read models are catching up');
  else if (status === 'failed') reasons.push(projectorFailure(error, parts.readModels));
  else if (status !== 'live')
    reasons.push(`the read models are ${status === 'catching-up' ? 'being rebuilt' : status}`);
  const health = parts.eventStore.subscriptionHealth();
  if (health?.state === 'reconnecting') {
    reasons.push(
      `the event-store subscription is reconnecting${health.lastError ? `: ${health.lastError}` : ''}`,
    );
  }
  reasons.push(...parts.writability.reasons());
  return { ready: reasons.length === 0, reasons };
}

function projectorFailure(error: Error | undefined, readModels: WriteTarget): string {
  const code = storageErrorCode(error);
  if (code !== undefined)
    return `the projector stopped on ${code} (${error!.message}); ${readModels.name} at ${readModels.path}`;
  return `the projector stopped: ${error?.message ?? 'unknown error'}`;
}
