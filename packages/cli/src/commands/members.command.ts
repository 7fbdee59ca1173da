import type { Role } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { roleArgument, roleOption, withPageOptions, type PageOptions } from '../option-parsers.js';
import { printUsers } from './users.command.js';

/** `members list|add|set-role|remove`: who belongs to the current org. */
export function registerMembersCommands(program: Command, cli: CliRuntime): void {
  const members = program.command('members').description('membership of the current org and its roles');

  withPageOptions(members.command('list', { isDefault: true }).description('list the members of the current org')).action(
    async (options: PageOptions, command: Command) => {
      const page = await cli.client(command).members.list(options);
      const output = cli.output(command);
      output.result(page, () => {
        printUsers(output, page.items);
        output.nextPage(page.nextCursor);
      });
    },
  );

  members
    .command('add')
    .description('add an existing account to the current org (new people: `users create`)')
    .argument('<email>', 'their e-mail')
    .addOption(roleOption('their role in this org'))
    .action(async (email: string, options: { role: Role }, command: Command) => {
      const user = await cli.client(command).members.add({ email, role: options.role });
      const output = cli.output(command);
      output.result(user, () => output.line(`Added ${user.email} as ${user.role}.`));
    });

  members
    .command('set-role')
    .description("change a member's role")
    .argument('<userId>', 'the user id')
    .addArgument(roleArgument())
    .action(async (userId: string, role: Role, _options: unknown, command: Command) => {
      const user = await cli.client(command).members.updateRole(userId, role);
      const output = cli.output(command);
      output.result(user, () => output.line(`${user.email} is now ${user.role}.`));
    });

  members
    .command('remove')
    .description('remove a member from the current org (the account stays)')
    .argument('<userId>', 'the user id')
    .action(async (userId: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).members.remove(userId);
      const output = cli.output(command);
      output.result(reply, () => output.line(`Removed ${userId} from the org.`));
    });
}
