import type { ApiKey, Role } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { formatTime } from '../output.js';
import { isoTimestamp, roleOption, withPageOptions, type PageOptions } from '../option-parsers.js';

/** `api-keys list|create|revoke`: keys that act in the current org with one role. */
export function registerApiKeysCommands(program: Command, cli: CliRuntime): void {
  const apiKeys = program.command('api-keys').description('API keys of the current org, for scripts and CI');

  withPageOptions(apiKeys.command('list', { isDefault: true }).description('list the API keys of the current org')).action(
    async (options: PageOptions, command: Command) => {
      const page = await cli.client(command).apiKeys.list(options);
      const output = cli.output(command);
      output.result(page, () => {
        output.table(
          ['id', 'name', 'prefix', 'role', 'status', 'created', 'last used', 'expires'],
          page.items.map((key) => [
            key.id,
            key.name,
            key.prefix,
            key.role,
            statusOf(key),
            formatTime(key.createdAt),
            formatTime(key.lastUsedAt) || 'never',
            formatTime(key.expiresAt) || 'never',
          ]),
        );
        output.nextPage(page.nextCursor);
      });
    },
  );

  apiKeys
    .command('create')
    .description('create a key; its secret is printed once')
    .argument('<name>', 'what the key is for, e.g. "ci deploy"')
    .addOption(roleOption('the role it acts with (at most your own)'))
    .option('--expires-at <time>', 'when it stops working (ISO-8601); never when omitted', isoTimestamp)
    .action(async (name: string, options: { role: Role; expiresAt?: string }, command: Command) => {
      const created = await cli.client(command).apiKeys.create({ name, role: options.role, expiresAt: options.expiresAt });
      const output = cli.output(command);
      output.result(created, () => {
        output.fields([
          ['Created API key', `${created.apiKey.name} (${created.apiKey.role})`],
          ['Id', created.apiKey.id],
          ['Secret', created.secret],
        ]);
        output.note('warning: copy the secret now; it is stored only as a hash and will not be shown again.');
      });
    });

  apiKeys
    .command('revoke')
    .description('revoke a key; it stops working at once')
    .argument('<id>', 'the key id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const key = await cli.client(command).apiKeys.revoke(id);
      const output = cli.output(command);
      output.result(key, () => output.line(`Revoked API key ${key.name} (${key.prefix}…).`));
    });
}

function statusOf(key: ApiKey): string {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now()) return 'expired';
  return 'active';
}
