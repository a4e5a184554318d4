export * from './port.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
export { liveSubscription, type LiveSubscriptionSource } from './live-subscription.js';
export { bursts } from './bursts.js';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store.js';
export * from './integrity/index.js';
export { probeSqliteWrite } from './sqlite/write-probe.js';
export { IDENTITY_STREAM as ESDB_IDENTITY_STREAM } from './esdb/store-identity.js';
export * from './crypto/index.js';
