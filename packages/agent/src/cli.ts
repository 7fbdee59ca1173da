import { Command } from 'commander';
import { AgentRejectedError } from './connection/agent-runtime.js';
import { joinControlPlane } from './connection/enroll.js';
import { DEFAULT_STATE_DIR } from './connection/state-store.js';
import { DEFAULT_POLICY_PATH } from './policy.js';
import { EXIT_REJECTED, runAgentUntilSignalled } from './run-agent.js';
import { AGENT_VERSION } from './version.js';

// Every failure ends as one line on stderr, never a stack trace: the agent runs under
// systemd or an installer, and the reader is a host owner, not a debugger.
function fail(error: unknown): void {
  if (error instanceof AgentRejectedError) {
    // The runtime has already logged why; the exit status tells systemd not to retry.
    process.exitCode = EXIT_REJECTED;
    return;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

interface JoinFlags {
  server: string;
  token: string;
  caHash: string;
  stateDir: string;
  org?: string;
  force?: boolean;
}

async function join(flags: JoinFlags): Promise<void> {
  const identity = await joinControlPlane({
    serverUrl: flags.server,
    token: flags.token,
    caHash: flags.caHash,
    stateDir: flags.stateDir,
    ...(flags.org === undefined ? {} : { orgId: flags.org }),
    force: flags.force === true,
  });
  process.stdout.write(
    `Joined ${identity.serverUrl} as agent ${identity.agentId} (org ${identity.orgId}); identity saved in ${flags.stateDir}.\n` +
      `Start it with: infrapilot-agent run --state-dir ${flags.stateDir}\n`,
  );
}

/** The `infrapilot-agent` command line (the single-file bundle's entry): `join` and `run`. */
export function buildAgentCommand(): Command {
  const program = new Command('infrapilot-agent')
    .description('The InfraPilot agent: joins a control plane once, then keeps an mTLS connection to it')
    .version(AGENT_VERSION, '-V, --version');

  program
    .command('join')
    .description('Enroll this host with a single-use token, pinning the control plane CA by its hash')
    .requiredOption('--server <url>', 'the control plane gRPC endpoint, e.g. https://infrapilot.example.com:8443')
    .requiredOption('--token <token>', 'the enrollment token from `infrapilot agents add`')
    .requiredOption('--ca-hash <hash>', 'sha256:<hex> of the control plane CA certificate')
    .option('--state-dir <dir>', 'where the key, certificate and CA are kept', DEFAULT_STATE_DIR)
    .option('--org <id>', 'refuse a token that belongs to another organization')
    .option('--force', 'replace an identity already in the state dir')
    .action(async (flags: JoinFlags) => join(flags).catch(fail));

  program
    .command('run')
    .description('Connect to the control plane and serve it until stopped (SIGINT/SIGTERM)')
    .option('--state-dir <dir>', 'where `join` saved the identity', DEFAULT_STATE_DIR)
    .option('--policy <file>', 'what the control plane may do on this host', DEFAULT_POLICY_PATH)
    .action(async (flags: { stateDir: string; policy: string }) =>
      runAgentUntilSignalled({ stateDir: flags.stateDir, policyPath: flags.policy }).catch(fail),
    );

  return program;
}
