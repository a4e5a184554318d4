export * from './allow-list.js';
export * from './deliverer.js';
export * from './endpoints.js';
export * from './kinds.js';
export * from './outbox.js';
export * from './outbox-db.js';
export * from './claims.js';
export * from './policy.js';
