import type { EventStore, StreamEvent } from '../port.js';
import { verifyChain } from './chain.js';
import { BrokenChainError } from './errors.js';

/**
 * A whole stream, read from its first event, with every link of its hash chain checked: for
 * whoever folds a stream straight from the store (the write path, the plan as of an instant).
 * Throws BrokenChainError instead of handing out events that fail the chain.
 */
export async function readVerifiedStream(store: EventStore, streamName: string): Promise<StreamEvent[]> {
  const events = await store.readStream(streamName);
  const broken = verifyChain(events);
  if (broken === undefined) return events;
  const event = events.find((e) => e.revision === broken.revision);
  // Stream reads carry no position by the port, though the SQLite adapter's do.
  const position = event !== undefined && 'position' in event ? (event.position as bigint) : undefined;
  throw new BrokenChainError(broken, event === undefined ? undefined : { type: event.type, position });
}
