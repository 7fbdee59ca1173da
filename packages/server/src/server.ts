import { buildApp, type App } from './app.js';
import { bootstrapFirstAdmin, type InitialAdmin } from './bootstrap-admin.js';
import { loadConfig, type ServerConfig, type ServerConfigOverrides } from './config.js';

export interface RunningServer {
  app: App;
  config: ServerConfig;
  url: string;
  /** The port the agent gateway bound (config.grpcPort unless that was 0). */
  grpcPort: number;
  initialAdmin: InitialAdmin | null;
  stop(): Promise<void>;
}

/** Builds the app, creates the first admin on a fresh database, and listens. */
export async function startServer(
  overrides: ServerConfigOverrides = {},
  options: { defaultHttpHost?: string; logger?: boolean } = {},
): Promise<RunningServer> {
  const config = loadConfig(overrides, process.env, { httpHost: options.defaultHttpHost ?? '0.0.0.0' });
  const app = await buildApp(config, { logger: options.logger ?? true });
  try {
    const initialAdmin = await bootstrapFirstAdmin({
      users: app.services.users,
      orgs: app.services.orgs,
      transaction: app.database.transaction,
      dataDir: config.dataDir,
      adminEmail: config.adminEmail,
      adminPassword: config.adminPassword,
    });
    // Agents' port first: once HTTP answers, /readyz says the whole server is up.
    const gateway = await app.listenForAgents();
    await app.http.listen({ host: config.httpHost, port: config.httpPort });
    const address = app.http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.httpPort;
    const shownHost = config.httpHost === '0.0.0.0' || config.httpHost === '::' ? 'localhost' : config.httpHost;
    return { app, config, url: `http://${shownHost}:${port}`, grpcPort: gateway.port, initialAdmin, stop: () => app.close() };
  } catch (error) {
    await app.close();
    throw error;
  }
}
