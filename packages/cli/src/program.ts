import { Command, CommanderError } from 'commander';
import { CliRuntime } from './cli-runtime.js';
import { registerAgentCommands } from './commands/agent.command.js';
import { registerAgentsCommands } from './commands/agents.command.js';
import { registerApiKeysCommands } from './commands/api-keys.command.js';
import { registerAuditCommand } from './commands/audit.command.js';
import { registerAuthCommands } from './commands/auth.command.js';
import { registerCertsCommands } from './commands/certs.command.js';
import { registerContainersCommands } from './commands/containers.command.js';
import { registerDockerResourceCommands } from './commands/docker-resources.command.js';
import { registerEventsCommand } from './commands/events.command.js';
import { registerMembersCommands } from './commands/members.command.js';
import { registerMfaCommands } from './commands/mfa.command.js';
import { registerOrgsCommands } from './commands/orgs.command.js';
import { registerProxiesCommands } from './commands/proxies.command.js';
import { registerServerCommands } from './commands/server.command.js';
import { registerSessionsCommands } from './commands/sessions.command.js';
import { registerStacksCommands } from './commands/stacks.command.js';
import { registerUsersCommands } from './commands/users.command.js';
import type { CliContext } from './context.js';
import { describeError } from './errors.js';
import { separatePassThroughArguments } from './pass-through.js';

/** Builds the `infrapilot` command tree around one runtime; a fresh tree per run, since commander keeps parse state. */
export function buildProgram(cli: CliRuntime): Command {
  const program = new Command('infrapilot')
    .description('InfraPilot: the control plane for your servers, from the command line')
    .version(cli.version, '-V, --version')
    // Commander prints its own usage errors ("error: unknown option ..."); route them
    // through the context and let runCli turn the exit into a return value.
    .configureOutput({
      writeOut: (text) => cli.context.stdout.write(text),
      writeErr: (text) => cli.context.stderr.write(text),
    })
    .exitOverride()
    // Global: accepted before or after the subcommand, read with optsWithGlobals().
    .option('--json', 'print the raw JSON reply instead of a table')
    .option('--server <url>', 'server URL (overrides the stored one and $INFRAPILOT_SERVER)')
    .option('--org <org>', 'act in this org (id or slug), sent as X-InfraPilot-Org')
    .option('--api-key <key>', 'authenticate with this API key instead of the stored session ($INFRAPILOT_API_KEY)');

  registerServerCommands(program, cli);
  registerAuthCommands(program, cli);
  registerMfaCommands(program, cli);
  registerSessionsCommands(program, cli);
  registerOrgsCommands(program, cli);
  registerUsersCommands(program, cli);
  registerMembersCommands(program, cli);
  registerApiKeysCommands(program, cli);
  registerAuditCommand(program, cli);
  registerEventsCommand(program, cli);
  registerAgentsCommands(program, cli);
  registerAgentCommands(program, cli);
  registerContainersCommands(program, cli);
  registerStacksCommands(program, cli);
  registerDockerResourceCommands(program, cli);
  registerProxiesCommands(program, cli);
  registerCertsCommands(program, cli);
  return program;
}

/**
 * Runs the CLI with `args` (without node and the script) and returns the exit code.
 * Every failure ends as one line `error: ...` on stderr, never a stack trace.
 */
export async function runCli(args: string[], context: CliContext): Promise<number> {
  const cli = new CliRuntime(context);
  try {
    const program = buildProgram(cli);
    await program.parseAsync(separatePassThroughArguments(program, args), { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its message (or the help / version) itself.
    if (error instanceof CommanderError) return error.exitCode;
    context.stderr.write(`error: ${describeError(error)}\n`);
    return 1;
  } finally {
    cli.close();
  }
}
