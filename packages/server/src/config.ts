import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Everything the server reads from its environment (DESIGN.md §7); CLI flags of the same names override it. */
export interface ServerConfig {
  dataDir: string;
  httpHost: string;
  httpPort: number;
  /** Where the agent gateway listens; defaults to the HTTP host. */
  grpcHost: string;
  grpcPort: number;
  publicUrl: string;
  /** The gRPC URL put in join commands; default https://<public URL's host>:<grpcPort>. */
  agentServerUrl: string | undefined;
  heartbeatIntervalSeconds: number;
  metricsRetentionDays: number;
  /** The single-file agent served at /downloads/agent.js (the CLI knows where its build is). */
  agentBundlePath: string | undefined;
  /** The web app's build served at / (default: packages/web/dist next to this package). */
  webRoot: string | undefined;
  databaseUrl: string;
  redisUrl: string | undefined;
  masterKey: string | undefined;
  masterKeyFile: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** The ACME directory certificates are issued from (INFRAPILOT_ACME_DIRECTORY: a URL, `letsencrypt` or `letsencrypt-staging`). */
  acmeDirectoryUrl: string;
  /** PEM file of extra CAs trusted for the ACME directory's own HTTPS (a private CA, or pebble in tests). */
  acmeCaFile: string | undefined;
  /** The contact e-mail of new ACME accounts; the requesting user's e-mail when unset. */
  acmeEmail: string | undefined;
  /** How often due ACME renewals are looked for, in seconds (they are due 30 days before expiry). */
  certificateRenewalCheckSeconds: number;
}

/** The ACME directories of Let's Encrypt, by the names INFRAPILOT_ACME_DIRECTORY accepts. */
export const ACME_DIRECTORY_PRESETS = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** What a caller (the CLI, a test) may set explicitly; anything unset falls back to the environment. */
export type ServerConfigOverrides = Partial<Omit<ServerConfig, 'masterKeyFile'>>;

/** From packages/server/src or packages/server/dist alike: the workspace's packages/web/dist. */
const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

const PortSchema = z.coerce.number().int().min(0).max(65535);

const EnvironmentSchema = z.object({
  INFRAPILOT_DATA_DIR: z.string().min(1).optional(),
  INFRAPILOT_HTTP_HOST: z.string().min(1).optional(),
  INFRAPILOT_HTTP_PORT: PortSchema.optional(),
  INFRAPILOT_GRPC_HOST: z.string().min(1).optional(),
  INFRAPILOT_GRPC_PORT: PortSchema.optional(),
  INFRAPILOT_AGENT_URL: z.url({ protocol: /^https$/ }).optional(),
  INFRAPILOT_HEARTBEAT_INTERVAL: z.coerce.number().int().min(1).max(300).optional(),
  INFRAPILOT_METRICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  INFRAPILOT_AGENT_BUNDLE: z.string().min(1).optional(),
  INFRAPILOT_WEB_ROOT: z.string().min(1).optional(),
  INFRAPILOT_PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  INFRAPILOT_MASTER_KEY: z.string().min(1).optional(),
  INFRAPILOT_ADMIN_EMAIL: z.email().optional(),
  INFRAPILOT_ADMIN_PASSWORD: z.string().min(12, 'INFRAPILOT_ADMIN_PASSWORD must be at least 12 characters').optional(),
  INFRAPILOT_ACME_DIRECTORY: z.union([z.enum(['letsencrypt', 'letsencrypt-staging']), z.url({ protocol: /^https$/ })]).optional(),
  INFRAPILOT_ACME_CA_FILE: z.string().min(1).optional(),
  INFRAPILOT_ACME_EMAIL: z.email().optional(),
  INFRAPILOT_CERTIFICATE_RENEWAL_CHECK: z.coerce.number().int().min(10).max(7 * 24 * 3600).optional(),
  INFRAPILOT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

function acmeDirectoryOf(setting: string | undefined): string {
  if (setting === undefined) return ACME_DIRECTORY_PRESETS.letsencrypt;
  return setting in ACME_DIRECTORY_PRESETS ? ACME_DIRECTORY_PRESETS[setting as keyof typeof ACME_DIRECTORY_PRESETS] : setting;
}

/** Builds the configuration: explicit overrides, then the environment, then the defaults. */
export function loadConfig(
  overrides: ServerConfigOverrides = {},
  environment: NodeJS.ProcessEnv = process.env,
  defaults: { httpHost: string } = { httpHost: '0.0.0.0' },
): ServerConfig {
  const parsed = EnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  const dataDir = resolve(overrides.dataDir ?? env.INFRAPILOT_DATA_DIR ?? './data');
  const httpPort = overrides.httpPort ?? env.INFRAPILOT_HTTP_PORT ?? 8080;
  const httpHost = overrides.httpHost ?? env.INFRAPILOT_HTTP_HOST ?? defaults.httpHost;
  return {
    dataDir,
    httpHost,
    httpPort,
    grpcHost: overrides.grpcHost ?? env.INFRAPILOT_GRPC_HOST ?? httpHost,
    grpcPort: overrides.grpcPort ?? env.INFRAPILOT_GRPC_PORT ?? 8443,
    agentServerUrl: overrides.agentServerUrl ?? env.INFRAPILOT_AGENT_URL,
    heartbeatIntervalSeconds: overrides.heartbeatIntervalSeconds ?? env.INFRAPILOT_HEARTBEAT_INTERVAL ?? 10,
    metricsRetentionDays: overrides.metricsRetentionDays ?? env.INFRAPILOT_METRICS_RETENTION_DAYS ?? 7,
    agentBundlePath: overrides.agentBundlePath ?? env.INFRAPILOT_AGENT_BUNDLE,
    webRoot: overrides.webRoot ?? env.INFRAPILOT_WEB_ROOT ?? DEFAULT_WEB_ROOT,
    publicUrl: overrides.publicUrl ?? env.INFRAPILOT_PUBLIC_URL ?? `http://localhost:${httpPort}`,
    databaseUrl: overrides.databaseUrl ?? env.DATABASE_URL ?? `sqlite:${join(dataDir, 'infrapilot.db')}`,
    redisUrl: overrides.redisUrl ?? env.REDIS_URL,
    masterKey: overrides.masterKey ?? env.INFRAPILOT_MASTER_KEY,
    masterKeyFile: join(dataDir, 'master.key'),
    adminEmail: overrides.adminEmail ?? env.INFRAPILOT_ADMIN_EMAIL,
    adminPassword: overrides.adminPassword ?? env.INFRAPILOT_ADMIN_PASSWORD,
    logLevel: overrides.logLevel ?? env.INFRAPILOT_LOG_LEVEL ?? 'info',
    bodyLimit: overrides.bodyLimit ?? 1024 * 1024,
    acmeDirectoryUrl: overrides.acmeDirectoryUrl ?? acmeDirectoryOf(env.INFRAPILOT_ACME_DIRECTORY),
    acmeCaFile: overrides.acmeCaFile ?? env.INFRAPILOT_ACME_CA_FILE,
    acmeEmail: overrides.acmeEmail ?? env.INFRAPILOT_ACME_EMAIL,
    certificateRenewalCheckSeconds: overrides.certificateRenewalCheckSeconds ?? env.INFRAPILOT_CERTIFICATE_RENEWAL_CHECK ?? 6 * 3600,
  };
}
