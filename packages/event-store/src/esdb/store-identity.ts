import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError, type EventData, type EventStore, type StreamEvent } from '../port.js';

/**
 * The stream that names an EventStoreDB store: one event, written by the first node that asks
 * (expected revision no_stream, so of two nodes starting at once one writes and both read that
 * one). Not a `$`-stream: those need the cluster's admin rights. Its name is no patient's
 * (`pzp-`) nor an access log's (`accesslog-`), and the adapter leaves it out of `$all` reads,
 * subscriptions and the head (see system-events.ts), as the SQLite adapter keeps its identity
 * outside its log.
 */
export const IDENTITY_STREAM = 'registry-store-identity';
const IDENTITY_EVENT = 'StoreIdentityAssigned';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type StreamAccess = Pick<EventStore, 'readStream' | 'appendToStream'>;

/** Reads the store's identity, writing it first when no node has yet. */
export async function esdbStoreIdentity(store: StreamAccess): Promise<string> {
  const existing = await readIdentity(store);
  if (existing !== undefined) return existing;
  const assigned: EventData = {
    id: randomUUID(),
    type: IDENTITY_EVENT,
    data: { identity: randomUUID(), assignedAt: new Date().toISOString() },
    metadata: {},
  };
  try {
    await store.appendToStream(IDENTITY_STREAM, [assigned], { expectedRevision: 'no_stream' });
  } catch (error) {
    // Another node wrote it first: that one is the identity.
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
  const written = await readIdentity(store);
  if (written === undefined) throw new Error(`${IDENTITY_STREAM} holds no identity after it was written`);
  return written;
}

async function readIdentity(store: StreamAccess): Promise<string | undefined> {
  const [first] = await store.readStream(IDENTITY_STREAM, { maxCount: 1 });
  return first === undefined ? undefined : identityOf(first);
}

/** The stream is the store's own, but a boundary all the same: anything could have written it. */
function identityOf(event: StreamEvent): string {
  const data = event.data as { identity?: unknown } | null;
  const identity = typeof data === 'object' && data !== null ? data.identity : undefined;
  if (event.type !== IDENTITY_EVENT || typeof identity !== 'string' || !UUID.test(identity)) {
    throw new Error(
      `${IDENTITY_STREAM} does not start with a store identity (event type ${event.type.slice(0, 100)})`,
    );
  }
  return identity.toLowerCase();
}
