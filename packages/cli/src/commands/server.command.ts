import type { RunningServer, ServerConfigOverrides } from '@infrapilot/server';
import { type Command, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { describeError } from '../errors.js';
import { integerIn } from '../option-parsers.js';

/** The flags of `server` and `up`; each falls back to the environment variable of the same name (DESIGN.md §7). */
interface ServerFlags {
  dataDir?: string;
  httpHost?: string;
  httpPort?: number;
  grpcPort?: number;
  publicUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  adminEmail?: string;
  adminPassword?: string;
  logLevel?: string;
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
    await serveUntilSignalled(cli, running);
  });

  // `up` will also start a local agent that joins over loopback gRPC+mTLS exactly like a
  // remote host (DESIGN.md §1); the agent package arrives with the next issue.
  withServerFlags(
    program.command('up').description('run InfraPilot on this machine (listens on 127.0.0.1 unless told otherwise)'),
  ).action(async (flags: ServerFlags) => {
    const running = await start(flags, '127.0.0.1');
    const out = cli.context.stdout;
    out.write(`InfraPilot is up\n`);
    out.write(`  URL:       ${running.url}\n`);
    out.write(`  API docs:  ${running.url}/api/docs\n`);
    printInitialAdmin(cli, running, '  ');
    out.write(`  Sign in:   infrapilot login --server ${running.url}\n`);
    await serveUntilSignalled(cli, running);
  });
}

function withServerFlags(command: Command): Command {
  // No defaults here: an unset flag must stay undefined so the environment and then the
  // server's own defaults apply (loadConfig: flag, then env, then default).
  return command
    .option('--data-dir <dir>', 'where the database, master key and files live (INFRAPILOT_DATA_DIR; ./data)')
    .option('--http-host <host>', 'address to listen on (INFRAPILOT_HTTP_HOST)')
    .option('--http-port <port>', 'HTTP port (INFRAPILOT_HTTP_PORT; 8080)', integerIn(0, 65535))
    .option('--grpc-port <port>', 'agent gRPC port (INFRAPILOT_GRPC_PORT; 8443)', integerIn(0, 65535))
    .option('--public-url <url>', 'URL people and agents reach this server at (INFRAPILOT_PUBLIC_URL)')
    .option('--database-url <url>', 'postgres://... for PostgreSQL; SQLite in the data dir otherwise (DATABASE_URL)')
    .option('--redis-url <url>', 'Redis for pub/sub and jobs when running several replicas (REDIS_URL)')
    .option('--admin-email <email>', 'first start only: e-mail of the first super_admin (INFRAPILOT_ADMIN_EMAIL)')
    .option('--admin-password <password>', 'first start only: its password; generated when unset (INFRAPILOT_ADMIN_PASSWORD)')
    .addOption(new Option('--log-level <level>', 'log verbosity (INFRAPILOT_LOG_LEVEL; info)').choices(LOG_LEVELS));
}

async function start(flags: ServerFlags, defaultHttpHost: string): Promise<RunningServer> {
  const overrides: ServerConfigOverrides = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) (overrides as Record<string, unknown>)[key] = value;
  }
  // The CLI hosts the server process itself; only `server` and `up` load it, so every
  // other command starts without pulling in Fastify, the database drivers and the rest.
  const { startServer } = await import('@infrapilot/server');
  return startServer(overrides, { defaultHttpHost, logger: true });
}

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
 * Runs until SIGINT or SIGTERM, then stops the server and exits 0. The process is
 * ended explicitly because a driver or timer left behind must not keep it alive.
 */
function serveUntilSignalled(cli: CliRuntime, running: RunningServer): Promise<never> {
  return new Promise<never>(() => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal means the person does not want to wait for a stuck shutdown.
      if (stopping) process.exit(1);
      stopping = true;
      cli.context.stderr.write(`${signal} received, stopping\n`);
      running.stop().then(
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
