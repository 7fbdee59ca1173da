import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningServer, ServerConfigOverrides } from '@infrapilot/server';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { describeError } from '../errors.js';
import { integerIn } from '../option-parsers.js';

/** The flags of `server` and `up`; each falls back to the environment variable of the same name (DESIGN.md §7). */
interface ServerFlags {
  dataDir?: string;
  httpHost?: string;
  httpPort?: number;
  grpcHost?: string;
  grpcPort?: number;
  publicUrl?: string;
  agentUrl?: string;
  heartbeatInterval?: number;
  databaseUrl?: string;
  redisUrl?: string;
  adminEmail?: string;
  adminPassword?: string;
  logLevel?: string;
}

interface UpFlags extends ServerFlags {
  /** false with --no-local-agent. */
  localAgent: boolean;
  /** The local agent's policy file instead of /etc/infrapilot/agent.yaml. */
  agentPolicy?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `server` (the control plane alone, for a real deployment) and `up` (everything on this machine). */
export function registerServerCommands(program: Command, cli: CliRuntime): void {
  withServerFlags(
    program.command('server').description('run the control plane (listens on 0.0.0.0 unless told otherwise)'),
  ).action(async (flags: ServerFlags) => {
    const running = await start(flags, '0.0.0.0');
    const out = cli.context.stdout;
    out.write(`InfraPilot control plane listening on ${running.url}\n`);
    printInitialAdmin(cli, running, '');
    await serveUntilSignalled(cli, () => running.stop());
  });

  // The local agent joins over loopback gRPC+mTLS exactly like a remote host (DESIGN.md §1).
  withServerFlags(
    program.command('up').description('run InfraPilot and a local agent on this machine (listens on 127.0.0.1 unless told otherwise)'),
  )
    .option('--no-local-agent', 'run the control plane without an agent for this machine')
    .option(
      '--agent-policy <file>',
      "the local agent's policy file: what the control plane may do on this machine, e.g. allow exec (default /etc/infrapilot/agent.yaml; none: the safe defaults)",
    )
    .action(async ({ localAgent: withLocalAgent, agentPolicy, ...flags }: UpFlags) => {
      const running = await start(flags, '127.0.0.1');
      const out = cli.context.stdout;
      out.write(`InfraPilot is up\n`);
      out.write(`  URL:       ${running.url}\n`);
      out.write(`  Dashboard: open the URL in a browser and sign in\n`);
      out.write(`  API docs:  ${running.url}/api/docs\n`);
      printInitialAdmin(cli, running, '  ');
      out.write(`  Sign in:   infrapilot login --server ${running.url}\n`);
      const localAgent = withLocalAgent ? await startLocalAgent(cli, running, agentPolicy) : undefined;
      // The agent goes first, so it does not log a lost connection on the way out.
      await serveUntilSignalled(cli, async () => {
        await localAgent?.stop();
        await running.stop();
      });
    });
}

function withServerFlags(command: Command): Command {
  // No defaults here: an unset flag must stay undefined so the environment and then the
  // server's own defaults apply (loadConfig: flag, then env, then default).
  return command
    .option('--data-dir <dir>', 'where the database, master key and files live (INFRAPILOT_DATA_DIR; ./data)')
    .option('--http-host <host>', 'address to listen on (INFRAPILOT_HTTP_HOST)')
    .option('--http-port <port>', 'HTTP port (INFRAPILOT_HTTP_PORT; 8080)', integerIn(0, 65535))
    .option('--grpc-host <host>', 'address the agent gateway listens on (INFRAPILOT_GRPC_HOST; the HTTP host)')
    .option('--grpc-port <port>', 'agent gRPC port (INFRAPILOT_GRPC_PORT; 8443)', integerIn(0, 65535))
    .option('--public-url <url>', 'URL people and agents reach this server at (INFRAPILOT_PUBLIC_URL)')
    .option('--agent-url <url>', 'gRPC URL put in join commands (INFRAPILOT_AGENT_URL; https://<public host>:<grpc port>)', httpsUrl)
    .option('--heartbeat-interval <seconds>', 'how often agents report (INFRAPILOT_HEARTBEAT_INTERVAL; 10)', integerIn(1, 300))
    .option('--database-url <url>', 'postgres://... for PostgreSQL; SQLite in the data dir otherwise (DATABASE_URL)')
    .option('--redis-url <url>', 'Redis for pub/sub and jobs when running several replicas (REDIS_URL)')
    .option('--admin-email <email>', 'first start only: e-mail of the first super_admin (INFRAPILOT_ADMIN_EMAIL)')
    .option('--admin-password <password>', 'first start only: its password; generated when unset (INFRAPILOT_ADMIN_PASSWORD)')
    .addOption(new Option('--log-level <level>', 'log verbosity (INFRAPILOT_LOG_LEVEL; info)').choices(LOG_LEVELS));
}

function httpsUrl(value: string): string {
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:') throw new InvalidArgumentError('expected an https:// URL such as https://infrapilot.example.com:8443');
  return value;
}

async function start(flags: ServerFlags, defaultHttpHost: string): Promise<RunningServer> {
  const { agentUrl, heartbeatInterval, ...sameNamed } = flags;
  const given: ServerConfigOverrides = { ...sameNamed, agentServerUrl: agentUrl, heartbeatIntervalSeconds: heartbeatInterval };
  // Unset keys are dropped, so the environment still applies to them.
  const overrides = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as ServerConfigOverrides;
  // INFRAPILOT_AGENT_BUNDLE, when set, names another build on purpose.
  if (!process.env.INFRAPILOT_AGENT_BUNDLE) {
    const bundle = builtAgentBundle();
    if (bundle) overrides.agentBundlePath = bundle;
  }
  // The CLI hosts the server process itself; only `server` and `up` load it, so every
  // other command starts without pulling in Fastify, the database drivers and the rest.
  const { startServer } = await import('@infrapilot/server');
  return startServer(overrides, { defaultHttpHost, logger: true });
}

/** The single-file agent the server hands out at /downloads/agent.js, when it has been built. */
function builtAgentBundle(): string | undefined {
  try {
    const path = fileURLToPath(import.meta.resolve('@infrapilot/agent/bundle'));
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Enrolls this machine's agent on first use (a token the server mints for itself) and
 * runs it; it dials the gateway over gRPC+mTLS like any remote host. A failure here is
 * reported and the control plane keeps running without it.
 */
async function startLocalAgent(cli: CliRuntime, running: RunningServer, policyPath?: string): Promise<{ stop(): Promise<void> } | undefined> {
  const { AgentRuntime, AgentRejectedError, StateStore, createConsoleLogger, createHostCapabilities, joinControlPlane, loadPolicy } = await import('@infrapilot/agent');
  const stateDir = join(running.config.dataDir, 'agent');
  const address = `${loopbackHostFor(running.config.grpcHost)}:${running.grpcPort}`;
  const serverUrl = `https://${address}`;
  const warn = (text: string) => cli.context.stderr.write(`warning: ${text}\n`);
  // The host owner's policy file binds the local agent like any other (missing: safe defaults).
  let policy;
  try {
    let source;
    ({ policy, source } = await loadPolicy(policyPath));
    // The default file may be absent (safe defaults); a file named on purpose must exist.
    if (policyPath && source === 'defaults') throw new Error(`the policy file ${policyPath} (--agent-policy) does not exist`);
  } catch (error) {
    warn(`the local agent is not started: ${describeError(error)}`);
    return undefined;
  }
  try {
    const store = new StateStore(stateDir);
    if (!store.isEnrolled()) {
      const orgId = await running.app.services.orgs.installationOrgId();
      if (!orgId) throw new Error('there is no organization to enroll the local agent in');
      const enrollment = await running.app.services.agents.mintEnrollment(orgId, { name: 'local', expiresInMinutes: 10 });
      await joinControlPlane({ serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir });
    }
  } catch (error) {
    warn(`the local agent could not join: ${describeError(error)}`);
    return undefined;
  }
  // The gRPC port may differ from the one it joined on (--grpc-port, or 0 in tests).
  const logger = createConsoleLogger(cli.context.env);
  // Docker, exec and the reverse proxy on this machine, exactly as a remote host's agent serves them.
  const host = createHostCapabilities({ policy, logger, ...(policyPath ? { policyPath } : {}) });
  const runtime = new AgentRuntime({ stateDir, serverUrl, ...host.runtimeOptions });
  runtime.once('connected', ({ agentId }) => {
    cli.context.stdout.write(`  Local agent: ${agentId} (connected over gRPC+mTLS on ${address})\n`);
  });
  runtime.run().catch((error: unknown) => {
    if (error instanceof AgentRejectedError) {
      warn(`the local agent was removed from the control plane; delete ${stateDir} and restart to enroll it again, or pass --no-local-agent`);
    } else {
      warn(`the local agent stopped: ${describeError(error)}`);
    }
  });
  return {
    async stop() {
      await runtime.stop();
      await host.close();
    },
  };
}

// A wildcard listener is reachable on loopback; a specific address only on itself.
function loopbackHostFor(grpcHost: string): string {
  if (['0.0.0.0', '::', '', 'localhost', '127.0.0.1', '::1'].includes(grpcHost)) return '127.0.0.1';
  return grpcHost.includes(':') ? `[${grpcHost}]` : grpcHost;
}

/**
 * The org the first admin was created in, which owns the local agent. No service
 * offers this yet, so it is read here: bootstrap creates the oldest org.
 */
/**
 * Says who the first admin is (only on the first start), and its password only when it
 * was generated just now; a password from the environment or a flag is never echoed.
 */
function printInitialAdmin(cli: CliRuntime, running: RunningServer, indent: string): void {
  const admin = running.initialAdmin;
  if (!admin) return;
  const out = cli.context.stdout;
  out.write(`${indent}Admin:     ${admin.email}\n`);
  if (admin.generatedPassword) {
    out.write(`${indent}Password:  ${admin.generatedPassword}   (shown once)\n`);
    if (admin.credentialsFile) out.write(`${indent}Saved in:  ${admin.credentialsFile} (delete it once you have signed in)\n`);
  }
}

/**
 * Runs until SIGINT or SIGTERM, then stops everything and exits 0. The process is
 * ended explicitly because a driver or timer left behind must not keep it alive.
 */
function serveUntilSignalled(cli: CliRuntime, stop: () => Promise<void>): Promise<never> {
  return new Promise<never>(() => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal means the person does not want to wait for a stuck shutdown.
      if (stopping) process.exit(1);
      stopping = true;
      cli.context.stderr.write(`${signal} received, stopping\n`);
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          cli.context.stderr.write(`error: ${describeError(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
