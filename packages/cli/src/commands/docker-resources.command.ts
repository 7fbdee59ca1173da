import type { InfraPilotClient } from '@infrapilot/client';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { resolveHostOrOnly } from '../hosts.js';
import { imageTable, networkTable, type Rendered, volumeTable } from './docker.render.js';

interface ResourceGroup<T> {
  name: 'images' | 'volumes' | 'networks';
  description: string;
  list(client: InfraPilotClient, agentId: string): Promise<{ items: T[] }>;
  render(items: T[]): Rendered;
}

/**
 * `images ls`, `volumes ls`, `networks ls`: a host's Docker resources, read-only. Shaped
 * like `docker image ls` / `docker volume ls` / `docker network ls`, with plural group
 * names as `docker images` and our other groups use, and `ls` the default so
 * `infrapilot images web-1` works too.
 */
export function registerDockerResourceCommands(program: Command, cli: CliRuntime): void {
  registerGroup(program, cli, {
    name: 'images',
    description: 'Docker images on a host',
    list: (client, agentId) => client.docker.images(agentId),
    render: imageTable,
  });
  registerGroup(program, cli, {
    name: 'volumes',
    description: 'Docker volumes on a host',
    list: (client, agentId) => client.docker.volumes(agentId),
    render: volumeTable,
  });
  registerGroup(program, cli, {
    name: 'networks',
    description: 'Docker networks on a host',
    list: (client, agentId) => client.docker.networks(agentId),
    render: networkTable,
  });
}

function registerGroup<T>(program: Command, cli: CliRuntime, group: ResourceGroup<T>): void {
  program
    .command(group.name)
    .description(group.description)
    .command('ls', { isDefault: true })
    .alias('list')
    .description(`list the ${group.name} of a host`)
    .argument('[host]', 'a host name or id; may be left out when the org has one host')
    .action(async (host: string | undefined, _options: unknown, command: Command) => {
      const client = cli.client(command);
      const target = await resolveHostOrOnly(client, host, `infrapilot ${group.name} ls`);
      const reply = await group.list(client, target.id);
      const output = cli.output(command);
      output.result(reply, () => {
        const table = group.render(reply.items);
        output.table(table.head, table.rows);
      });
    });
}
