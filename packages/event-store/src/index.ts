export * from './port.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
export { liveSubscription, type LiveSubscriptionSource } from './live-subscription.js';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store.js';
