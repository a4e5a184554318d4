export * from './read-model-db.js';
export * from './projector.js';
export * from './queries.js';
export * from './code-version.js';
export { StreamQuarantinedError, type QuarantineRow } from './quarantine.js';
export { EmptyEventStoreError, type LineageFound } from './store-lineage.js';
export { recordedChainHeads } from './chain-heads.js';
export { encryptedPerPatient } from './patient-encryption.js';
export { ReadAheadStore } from './read-ahead/read-ahead-store.js';
