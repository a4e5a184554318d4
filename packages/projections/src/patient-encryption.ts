import { isDestructionEvent, isPersonalEvent } from '@pzp/domain';
import { EncryptingEventStore, type EventStore, type KeyStore } from '@pzp/event-store';

/**
 * The event store with every patient's personal data encrypted under that patient's key (README
 * "Lawful destruction"): what the API node writes, projects and reads through, what the rebuild
 * command and its read-ahead thread read, and what the benchmark's seed writes, so all of them
 * decide alike which events are personal and which destroy a key. Here because it needs both the domain and the event store.
 */
export function encryptedPerPatient(store: EventStore, keys: KeyStore): EncryptingEventStore {
  return new EncryptingEventStore(store, { keys, encrypts: isPersonalEvent, destroys: isDestructionEvent });
}
