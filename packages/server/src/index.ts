export { buildApp, type App, type AppOptions, type Services } from './app.js';
export { loadConfig, type ServerConfig, type ServerConfigOverrides } from './config.js';
export { startServer, type RunningServer } from './server.js';
export type { InitialAdmin } from './bootstrap-admin.js';
