import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { resolveHost, resolveHostScope } from '../hosts.js';
import { stackName } from './docker-arguments.js';
import { containerStateTable, stackTable } from './docker.render.js';

/** `stacks ls|start|stop|restart`: compose projects, found from their containers' labels. */
export function registerStacksCommands(program: Command, cli: CliRuntime): void {
  const stacks = program.command('stacks').description('Docker Compose stacks on your hosts: list them, start, stop or restart one');

  stacks
    .command('ls')
    .alias('list')
    .description('list stacks with their services and how many containers run')
    .argument('[host]', 'a host name or id; may be left out when the org has one host')
    .option('--all-hosts', 'stacks of every host')
    .action(async (host: string | undefined, options: { allHosts?: boolean }, command: Command) => {
      const client = cli.client(command);
      const scope = await resolveHostScope(client, { host, allHosts: options.allHosts }, 'infrapilot stacks ls');
      const reply = await client.stacks.list(scope.kind === 'one' ? { agentId: scope.host.id } : {});
      const output = cli.output(command);
      output.result(reply, () => {
        const table = stackTable(reply.items, scope.kind === 'all' && scope.hosts.length > 1);
        output.table(table.head, table.rows);
      });
    });

  const actions = [
    { name: 'start', done: 'Started', description: "start a stack's containers" },
    { name: 'stop', done: 'Stopped', description: "stop a stack's containers" },
    { name: 'restart', done: 'Restarted', description: "restart a stack's containers" },
  ] as const;
  for (const action of actions) {
    stacks
      .command(action.name)
      .description(action.description)
      .argument('<host>', 'a host name or id')
      .argument('<stack>', 'the compose project name', stackName)
      .action(async (host: string, stack: string, _options: unknown, command: Command) => {
        const client = cli.client(command);
        const target = await resolveHost(client, host);
        const reply = await client.stacks[action.name](target.id, stack);
        const output = cli.output(command);
        output.result(reply, () => {
          output.line(`${action.done} stack ${reply.stack} on ${target.name}: ${reply.containers.length} container${reply.containers.length === 1 ? '' : 's'}.`);
          const table = containerStateTable(reply.containers);
          output.table(table.head, table.rows);
        });
      });
  }
}
