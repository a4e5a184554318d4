import { IDENTITY_STREAM } from './store-identity.js';

/**
 * EventStoreDB writes its own events (statistics, stream metadata, projections) into `$all`; their
 * types and streams start with `$`. The registry never writes such names, and its read models
 * must not see them. The store's identity (store-identity.ts) is left out the same way: it is a
 * fact about the store, not an event of the registry's log.
 */
export function isSystemEvent(event: { readonly type: string; readonly streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$') || event.streamId === IDENTITY_STREAM;
}
