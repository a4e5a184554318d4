export * from './fixtures.js';
export * from './decider-spec.js';
export * from './recorder.js';
export * from './synthetic-bsn.js';
