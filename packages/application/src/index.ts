export * from './handle-command.js';
export * from './as-of.js';
export * from './history.js';
export * from './recent-states.js';
