export * from './door.js';
export * from './errors.js';
export * from './policy.js';
export type { BreakGlassReviewRecords, FlaggedAccess, FlaggedAccessPage } from './break-glass.js';
export { AccessLogWriter, type NewAccessRecord } from './access-log.js';
export { amsterdamDateAt, type Clock } from './time.js';
// The write path's conflict passes through the door as is: front ends map it without importing
// the application layer.
export { VersionConflictError } from '@pzp/application';
export type { DestroyedRecordRow } from '@pzp/projections';
