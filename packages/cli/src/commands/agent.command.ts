import type { AgentIdentity } from '@infrapilot/agent';
import { type Command, CommanderError } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { CliError } from '../errors.js';

interface JoinOptions {
  token?: string;
  caHash?: string;
  stateDir?: string;
  force?: boolean;
}

interface RunOptions {
  stateDir?: string;
  policy?: string;
}

// Loaded on use, so every other command starts without the agent's gRPC and crypto stack.
const loadAgent = () => import('@infrapilot/agent');

/** `agent join` and `agent run`: this host's side, the same code the standalone agent runs. */
export function registerAgentCommands(program: Command, cli: CliRuntime): void {
  const agent = program.command('agent').description("this host's agent: join a control plane, then run");

  // --server and --org are also global options, which commander hands to the root
  // command; they are declared again here for the help text and read with optsWithGlobals().
  agent
    .command('join')
    .description('enroll this host: pin the CA, make a key here, and store key, certificate and CA (0600)')
    .option('--server <url>', "the control plane's gRPC URL, e.g. https://infrapilot.example.com:8443")
    .option('--token <token>', 'the single-use enrollment token from `infrapilot agents add`')
    .option('--ca-hash <hash>', 'sha256:<hex> of the control plane CA, from the join command')
    .option('--state-dir <dir>', 'where the identity is kept (default /var/lib/infrapilot)')
    .option('--org <id>', 'refuse a token that belongs to another org')
    .option('--force', 'replace an identity already in the state dir (enrolls a new agent)')
    .action(async (options: JoinOptions, command: Command) => {
      const { server, org } = cli.globals(command);
      if (!server) throw new CliError('--server is required: the gRPC URL from the join command');
      if (!options.token) throw new CliError('--token is required: the enrollment token from the join command');
      if (!options.caHash) throw new CliError('--ca-hash is required: the sha256:<hex> from the join command');
      const { joinControlPlane, DEFAULT_STATE_DIR } = await loadAgent();
      const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
      let identity: AgentIdentity;
      try {
        identity = await joinControlPlane({
          serverUrl: server,
          token: options.token,
          caHash: options.caHash,
          stateDir,
          ...(org ? { orgId: org } : {}),
          force: options.force === true,
        });
      } catch (error) {
        throw explainFileError(error, stateDir);
      }
      const output = cli.output(command);
      output.result(identity, () => {
        output.line(`Joined ${identity.serverUrl} as agent ${identity.agentId}.`);
        output.line(`Identity saved in ${stateDir}. Start the agent with: infrapilot agent run${options.stateDir ? ` --state-dir ${stateDir}` : ''}`);
      });
    });

  agent
    .command('run')
    .description('connect to the control plane and serve it until SIGINT or SIGTERM (exits 78 if the agent was removed)')
    .option('--state-dir <dir>', 'where `agent join` kept the identity (default /var/lib/infrapilot)')
    .option('--policy <file>', 'the host policy file (default /etc/infrapilot/agent.yaml; missing means safe defaults)')
    .action(async (options: RunOptions) => {
      const { runAgentUntilSignalled, AgentRejectedError, EXIT_REJECTED, createConsoleLogger } = await loadAgent();
      try {
        await runAgentUntilSignalled({
          ...(options.stateDir ? { stateDir: options.stateDir } : {}),
          ...(options.policy ? { policyPath: options.policy } : {}),
          logger: createConsoleLogger(cli.context.env),
        });
      } catch (error) {
        // The runtime has logged why; the exit code tells a supervisor not to retry.
        if (error instanceof AgentRejectedError) throw new CommanderError(EXIT_REJECTED, 'infrapilot.agentRejected', error.message);
        throw error;
      }
    });
}

// The default state dir belongs to root; say so instead of printing a bare EACCES.
function explainFileError(error: unknown, stateDir: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') return new CliError(`cannot write to ${stateDir}: permission denied; run as root or pass --state-dir`);
  return error;
}
