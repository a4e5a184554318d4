export { createApp, type AppOptions } from './app.js';
export { loadConfig, type Config } from './config.js';
