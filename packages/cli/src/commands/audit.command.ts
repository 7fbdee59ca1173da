import type { AuditQuery } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { formatTime } from '../output.js';
import { isoTimestamp, withPageOptions } from '../option-parsers.js';

type AuditOptions = Partial<AuditQuery>;

/** `audit`: the current org's audit log, newest first. */
export function registerAuditCommand(program: Command, cli: CliRuntime): void {
  withPageOptions(
    program
      .command('audit')
      .description("the current org's audit log, newest first")
      .option('--actor <id>', 'a user id or API key id')
      .option('--action <action>', 'exact, or a prefix ending in * such as "user.*"')
      .option('--resource-type <type>', 'e.g. user, api_key, org')
      .option('--resource-id <id>', 'one resource')
      .option('--from <time>', 'at or after this ISO-8601 time', isoTimestamp)
      .option('--to <time>', 'before this ISO-8601 time', isoTimestamp),
  ).action(async (options: AuditOptions, command: Command) => {
    const { actor, action, resourceType, resourceId, from, to, limit, cursor } = options;
    const page = await cli.client(command).audit.list({ actor, action, resourceType, resourceId, from, to, limit, cursor });
    const output = cli.output(command);
    output.result(page, () => {
      output.table(
        ['time', 'actor', 'action', 'resource', 'status', 'ip'],
        page.items.map((entry) => [
          formatTime(entry.createdAt),
          entry.actorLabel ?? entry.userId ?? entry.apiKeyId ?? '',
          entry.action,
          [entry.resourceType, entry.resourceId].filter(Boolean).join(' '),
          entry.responseStatus,
          entry.ipAddress,
        ]),
      );
      output.nextPage(page.nextCursor);
    });
  });
}
