import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraPilotClient } from '@infrapilot/client';
import { type App, buildApp } from '../app.js';
import type { AgentGateway } from '../gateway/agent-gateway.js';
import { bootstrapFirstAdmin } from '../bootstrap-admin.js';
import { loadConfig, type ServerConfigOverrides } from '../config.js';
import type { Dialect } from '../db/connect.js';
import { FakeClock } from './fake-clock.js';
import { freePort } from './free-port.js';
import { createTestDatabase, type TestDatabase } from './test-databases.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface TestServer {
  app: App;
  /** The agent gateway, listening on a loopback port. */
  gateway: AgentGateway;
  clock: FakeClock;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string;
  masterKey: string;
  /** A client signed in as the first super_admin of the "default" org. */
  admin: InfraPilotClient;
  /** A client with no credentials. */
  anonymous(): InfraPilotClient;
  /** Signs in and returns a client for that person. */
  signIn(email: string, password: string): Promise<InfraPilotClient>;
  /** Stops the HTTP server and closes the database, keeping both on disk. */
  stop(): Promise<void>;
  /** Stops and deletes everything. */
  destroy(): Promise<void>;
}

/**
 * A real server on a loopback port, on a fresh database of the dialect, with the first
 * admin created. Pass `reuse` to start again on the same data (restart tests).
 */
export async function startTestServer(
  dialect: Dialect,
  reuse?: { database: TestDatabase; dataDir: string; masterKey: string; clock?: FakeClock },
  options: { grpcPort?: number; heartbeatIntervalSeconds?: number; agentBundlePath?: string; webRoot?: string; config?: ServerConfigOverrides } = {},
): Promise<TestServer & { database: TestDatabase }> {
  const database = reuse?.database ?? (await createTestDatabase(dialect));
  const dataDir = reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'infrapilot-data-'));
  const masterKey = reuse?.masterKey ?? randomBytes(32).toString('base64');
  const clock = reuse?.clock ?? new FakeClock();
  const httpPort = await freePort();
  const config = loadConfig(
    {
      dataDir,
      databaseUrl: database.url,
      masterKey,
      httpHost: '127.0.0.1',
      httpPort,
      // Join and install commands name this URL, so it must carry the real port.
      publicUrl: `http://127.0.0.1:${httpPort}`,
      grpcPort: options.grpcPort ?? 0,
      heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? 1,
      ...(options.agentBundlePath ? { agentBundlePath: options.agentBundlePath } : {}),
      ...(options.webRoot ? { webRoot: options.webRoot } : {}),
      logLevel: 'silent',
      ...options.config,
    },
    {},
  );
  const app = await buildApp(config, { clock, logger: false });
  await bootstrapFirstAdmin({
    users: app.services.users,
    orgs: app.services.orgs,
    transaction: app.database.transaction,
    dataDir,
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
  });
  await app.http.listen({ host: '127.0.0.1', port: httpPort });
  const gateway = await app.listenForAgents();
  const address = app.http.server.address();
  if (!address || typeof address === 'string') throw new Error('server did not bind a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const signIn = async (email: string, password: string) => {
    const client = new InfraPilotClient({ baseUrl });
    const reply = await client.auth.login({ email, password });
    if (reply.mfaRequired) throw new Error(`${email} has MFA on; sign in step by step`);
    return client;
  };
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    app,
    gateway,
    clock,
    baseUrl,
    dataDir,
    databaseUrl: database.url,
    masterKey,
    database,
    admin,
    anonymous: () => new InfraPilotClient({ baseUrl }),
    signIn,
    stop,
    async destroy() {
      await stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
