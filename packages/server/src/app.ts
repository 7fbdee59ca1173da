import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import { LIVE_SUBPROTOCOL } from '@infrapilot/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { ServerConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { DatabaseHandle } from './db/transactions.js';
import { type AgentGateway, startAgentGateway } from './gateway/agent-gateway.js';
import { CommandRouter } from './gateway/command-router.js';
import { GatewayMetrics } from './gateway/gateway-metrics.js';
import { type Clock, systemClock } from './platform/clock.js';
import { InternalCa } from './platform/crypto/internal-ca.js';
import { EventBus } from './platform/events/event-bus.js';
import { loadMasterKey } from './platform/crypto/master-key.js';
import { SecretBox } from './platform/crypto/secret-box.js';
import { registerAuditHook } from './platform/http/audit-hook.js';
import { type AuthenticationDeps, authenticateRequest, registerAuthentication, stillEntitled } from './platform/http/authentication.js';
import { SocketEntitlements } from './platform/http/socket-entitlements.js';
import { registerErrorHandling } from './platform/http/error-handler.js';
import { createMetricsRegistry, registerMetrics } from './platform/http/metrics.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { registerWebApp } from './platform/http/web-app.js';
import type { RouteAccess, RouteAudit } from './platform/http/request-context.js';
import { newId } from './platform/ids.js';
import { AgentsRepo } from './modules/agents/agents.repo.js';
import { agentsRoutes } from './modules/agents/agents.routes.js';
import { AgentsService, type AgentsSettings } from './modules/agents/agents.service.js';
import { downloadsRoutes } from './modules/agents/downloads.routes.js';
import { ApiKeysRepo } from './modules/api-keys/api-keys.repo.js';
import { apiKeysRoutes } from './modules/api-keys/api-keys.routes.js';
import { ApiKeysService } from './modules/api-keys/api-keys.service.js';
import { AuditRepo } from './modules/audit/audit.repo.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { AuditService } from './modules/audit/audit.service.js';
import { AccessTokens } from './modules/auth/access-tokens.js';
import { AuthRepo } from './modules/auth/auth.repo.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle } from './modules/auth/login-throttle.js';
import { RefreshCookie } from './modules/auth/refresh-cookie.js';
import { SessionsService } from './modules/auth/sessions.service.js';
import { type CertificatesService, certificateCovers, createCertificatesModule } from './modules/certificates/index.js';
import { type ContainerSessionsService, type ContainersService, createContainersModule, serializeRequestForLog } from './modules/containers/index.js';
import { LiveUpdates } from './modules/live/live-updates.js';
import { LIVE_OPENAPI_PATHS, liveRoutes } from './modules/live/live.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { OrgsRepo } from './modules/orgs/orgs.repo.js';
import { createProxiesModule, type ProxiesService } from './modules/proxies/index.js';
import { orgsRoutes } from './modules/orgs/orgs.routes.js';
import { OrgsService } from './modules/orgs/orgs.service.js';
import { UsersRepo } from './modules/users/users.repo.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { UsersService } from './modules/users/users.service.js';

/** ACME certificates are renewed this many days before they expire (DESIGN: 30). */
const CERTIFICATE_RENEW_BEFORE_DAYS = 30;

export interface AppOptions {
  clock?: Clock;
  /** false silences request logs (tests); otherwise pino at config.logLevel. */
  logger?: boolean;
}

/** Every service, built once; the CLI's `up` and the tests reach them through this. */
export interface Services {
  orgs: OrgsService;
  users: UsersService;
  auth: AuthService;
  sessions: SessionsService;
  apiKeys: ApiKeysService;
  audit: AuditService;
  agents: AgentsService;
  containers: ContainersService;
  containerSessions: ContainerSessionsService;
  proxies: ProxiesService;
  certificates: CertificatesService;
}

/** One registered route and what it declares; the RBAC test walks these. */
export interface RouteInfo {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  audit: RouteAudit | undefined;
}

export interface App {
  http: FastifyInstance;
  routes: RouteInfo[];
  services: Services;
  database: DatabaseHandle;
  bus: EventBus;
  commands: CommandRouter;
  /** The live sockets (GET /ws) and the bus events they forward. */
  live: LiveUpdates;
  /** Open shells and followed logs, re-checked every minute (tests call recheckAll()). */
  socketEntitlements: SocketEntitlements;
  ca: InternalCa;
  /** Starts the gRPC listener agents dial (config.grpcHost:grpcPort); app.close() stops it. */
  listenForAgents(): Promise<AgentGateway>;
  close(): Promise<void>;
}

/**
 * The composition root: opens the database, applies migrations, builds each
 * dependency once and wires modules together. Nothing else constructs services.
 */
export async function buildApp(config: ServerConfig, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? systemClock;
  // The data dir holds the database, the master key and first credentials: owner only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const masterKey = loadMasterKey({ fromEnvironment: config.masterKey, keyFile: config.masterKeyFile });
  const secretBox = new SecretBox(masterKey);

  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.root);
  } catch (error) {
    await database.destroy();
    throw error;
  }
  const transaction = database.transaction;

  const authRepo = new AuthRepo(database);
  const sessions = new SessionsService({ repo: authRepo, clock });
  const orgs = new OrgsService({ repo: new OrgsRepo(database), transaction, clock });
  const users = new UsersService({ repo: new UsersRepo(database), orgs, sessions, transaction, clock });
  const auth = new AuthService({
    repo: authRepo,
    users,
    orgs,
    sessions,
    tokens: new AccessTokens(masterKey, () => clock.now()),
    throttle: new LoginThrottle(clock),
    secretBox,
    transaction,
    clock,
  });
  const apiKeys = new ApiKeysService({ repo: new ApiKeysRepo(database), clock });
  const audit = new AuditService({ repo: new AuditRepo(database), clock });

  // Subscribers' failures are logged by the HTTP server's logger, created below.
  const bus = new EventBus((event, error) => http.log.error({ err: error, event }, 'event subscriber failed'));
  const ca = await InternalCa.loadOrCreate(config.dataDir, secretBox);
  const metricsRegistry = createMetricsRegistry();
  const commands: CommandRouter = new CommandRouter(Date.now, (command, outcome, seconds) => gatewayMetrics.commandSettled(command, outcome, seconds));
  const gatewayMetrics = new GatewayMetrics(metricsRegistry, () => commands.connectedCount);
  const agentSettings: AgentsSettings = {
    heartbeatIntervalSeconds: config.heartbeatIntervalSeconds,
    agentServerUrl: config.agentServerUrl ?? `https://${new URL(config.publicUrl).host.replace(/:\d+$/, '')}:${config.grpcPort}`,
    publicUrl: config.publicUrl,
    metricsRetentionDays: config.metricsRetentionDays,
  };
  const agents = new AgentsService({ repo: new AgentsRepo(database), ca, commands, bus, transaction, clock, settings: agentSettings });
  const containers = createContainersModule({
    database,
    transaction,
    hosts: agents,
    commands,
    bus,
    audit,
    clock,
    onAuditFailure: (error) => http.log.error({ err: error }, 'could not write an exec session audit row'),
  });
  // Both log through the HTTP server's logger, created below (called only once requests or the bus run).
  const moduleLogger = {
    info: (object: object, message: string) => http.log.info(object, message),
    warn: (object: object, message: string) => http.log.warn(object, message),
  };
  const certificates = createCertificatesModule({
    database,
    transaction,
    hosts: agents,
    commands,
    bus,
    secretBox,
    clock,
    settings: { directoryUrl: config.acmeDirectoryUrl, caFile: config.acmeCaFile, email: config.acmeEmail, renewBeforeDays: CERTIFICATE_RENEW_BEFORE_DAYS },
    logger: moduleLogger,
  });
  const proxies = createProxiesModule({
    database,
    transaction,
    hosts: agents,
    commands,
    certificates: certificates.certificates,
    covers: certificateCovers,
    bus,
    clock,
    logger: moduleLogger,
  });
  const services: Services = {
    orgs,
    users,
    auth,
    sessions,
    apiKeys,
    audit,
    agents,
    containers: containers.containers,
    containerSessions: containers.sessions,
    proxies: proxies.proxies,
    certificates: certificates.certificates,
  };
  const live = new LiveUpdates(bus);
  const socketEntitlements = new SocketEntitlements();

  const http = Fastify({
    // The exec socket's query string holds the command it runs (maybe `mysql -pSECRET`): logged without it.
    logger: options.logger === false ? false : { level: config.logLevel, serializers: { req: serializeRequestForLog } },
    bodyLimit: config.bodyLimit,
    genReqId: () => newId(),
    requestIdHeader: false,
    trustProxy: false,
  }).withTypeProvider<ZodTypeProvider>();
  http.setValidatorCompiler(validatorCompiler);
  http.setSerializerCompiler(serializerCompiler);
  http.addHook('onSend', async (request, response, payload) => {
    response.header('X-Request-Id', request.id);
    return payload;
  });

  const routes: RouteInfo[] = [];
  http.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, access: route.config?.access, audit: route.config?.audit });
    }
  });

  await http.register(fastifyCookie);
  await http.register(fastifyWebsocket, {
    options: {
      maxPayload: 64 * 1024,
      // Pick our protocol; never echo the `bearer.` one, which carries the credential.
      handleProtocols: (offered) => (offered.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
    },
  });
  const pageFallback = await registerWebApp(http, config.webRoot);
  registerErrorHandling(http, { pageFallback });
  const authentication: AuthenticationDeps = {
    authenticateAccessToken: (token) => auth.authenticateAccessToken(token),
    authenticateApiKey: (key) => apiKeys.authenticate(key),
    resolveOrg: (identity, requested) => orgs.resolveContext(identity, requested),
    identityStillValid: (identity) =>
      identity.kind === 'user' ? auth.sessionStillValid(identity.userId, identity.sessionId) : apiKeys.stillValid(identity.apiKeyId),
  };
  registerAuthentication(http, authentication);
  registerAuditHook(http, {
    record: (entry) => audit.record(entry),
    defaultOrgOf: (userId) => orgs.defaultOrgIdOf(userId),
  });
  registerMetrics(http, metricsRegistry);
  bus.subscribe('agent.status_changed', (event) => http.log.info(event, 'agent status changed'));
  await registerOpenApi(http, config.publicUrl, LIVE_OPENAPI_PATHS);

  await http.register(healthRoutes, { checkDatabase: async () => void (await sql`select 1`.execute(database.root)) });
  await http.register(
    async (api) => {
      await api.register(authRoutes, { auth, sessions, refreshCookie: new RefreshCookie(config.publicUrl.startsWith('https:')) });
      await api.register(orgsRoutes, { orgs });
      await api.register(usersRoutes, { users });
      await api.register(apiKeysRoutes, { apiKeys });
      await api.register(auditRoutes, { audit });
      await api.register(agentsRoutes, { agents });
      await api.register(containers.routes, { containers: containers.containers, sessions: containers.sessions });
      await api.register(proxies.routes, { proxies: proxies.proxies });
      await api.register(certificates.routes, { certificates: certificates.certificates });
      await api.register(containers.socketRoutes, {
        sessions: containers.sessions,
        entitlements: socketEntitlements,
        stillEntitled: (identity, orgId, access) => stillEntitled(authentication, identity, orgId, access),
      });
    },
    { prefix: '/api/v1' },
  );
  await http.register(liveRoutes, { live, clock, reauthenticate: (request, access) => authenticateRequest(authentication, request, access) });
  await http.register(downloadsRoutes, { agentBundlePath: config.agentBundlePath, publicUrl: config.publicUrl, agentServerUrl: () => agentSettings.agentServerUrl });

  // Status follows heartbeats: a sweep marks silent agents offline; old samples are pruned hourly.
  const sweep = setInterval(() => {
    agents.markSilentAgentsOffline().catch((error: unknown) => http.log.warn({ err: error }, 'agent status sweep failed'));
  }, Math.max(500, (config.heartbeatIntervalSeconds * 1000) / 2));
  const prune = setInterval(() => {
    agents.pruneOldSamples().catch((error: unknown) => http.log.warn({ err: error }, 'metrics pruning failed'));
  }, 60 * 60 * 1000);
  // Shells and followed logs outlive access tokens; revoked sessions and keys, removed members and lowered roles must not keep them.
  const socketRecheck = setInterval(() => {
    socketEntitlements.recheckAll().catch((error: unknown) => http.log.warn({ err: error }, 'socket re-check failed'));
  }, 60 * 1000);
  sweep.unref();
  prune.unref();
  socketRecheck.unref();
  certificates.renewal.start(config.certificateRenewalCheckSeconds * 1000);
  let gateway: AgentGateway | undefined;

  return {
    http,
    routes,
    services,
    database,
    bus,
    commands,
    live,
    socketEntitlements,
    ca,
    async listenForAgents() {
      if (gateway) return gateway;
      const tls = await ca.issueServerCertificate([
        new URL(config.publicUrl).hostname,
        new URL(agentSettings.agentServerUrl).hostname,
        'localhost',
        '127.0.0.1',
        '::1',
        hostname(),
      ].map((name) => name.replace(/^\[|\]$/g, '')));
      gateway = await startAgentGateway({
        host: config.grpcHost,
        port: config.grpcPort,
        tls,
        agents,
        commands,
        logger: http.log,
        metrics: gatewayMetrics,
        docker: containers.sync,
        proxy: proxies.sync,
      });
      // With port 0 (tests), join commands must name the port actually bound.
      if (!config.agentServerUrl && config.grpcPort === 0) {
        agentSettings.agentServerUrl = `https://${new URL(agentSettings.agentServerUrl).hostname}:${gateway.port}`;
      }
      return gateway;
    },
    async close() {
      clearInterval(sweep);
      clearInterval(prune);
      clearInterval(socketRecheck);
      certificates.renewal.stop();
      proxies.close();
      live.close();
      await gateway?.close();
      await http.close();
      // An ACME order still running would write to a closed database.
      await certificates.settled();
      await database.destroy();
    },
  };
}
