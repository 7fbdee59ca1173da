import type { Role, User } from '@infrapilot/protocol';
import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { formatTime, type Output } from '../output.js';
import { roleOption, withPageOptions, type PageOptions } from '../option-parsers.js';

/** `users list|create|disable|enable|reset-password|reset-mfa`: accounts of the current org. */
export function registerUsersCommands(program: Command, cli: CliRuntime): void {
  const users = program.command('users').description('people of the current org (super_admin)');

  withPageOptions(users.command('list', { isDefault: true }).description('list the people of the current org')).action(
    async (options: PageOptions, command: Command) => {
      const page = await cli.client(command).users.list(options);
      const output = cli.output(command);
      output.result(page, () => {
        printUsers(output, page.items);
        output.nextPage(page.nextCursor);
      });
    },
  );

  users
    .command('create')
    .description('create an account and add it to the current org')
    .argument('<email>', 'their e-mail, used to sign in')
    .addOption(roleOption('their role in the current org'))
    .option('--name <name>', 'display name')
    .option('--password <password>', 'initial password (generated and printed once when omitted)')
    .action(async (email: string, options: { role: Role; name?: string; password?: string }, command: Command) => {
      const created = await cli.client(command).users.create({ email, role: options.role, name: options.name, password: options.password });
      const output = cli.output(command);
      output.result(created, () => {
        output.fields([
          ['Created user', `${created.user.email} (${created.user.role})`],
          ['Id', created.user.id],
        ]);
        if (created.initialPassword) {
          output.line(`Initial password: ${created.initialPassword}`);
          output.note('This password is shown only now; hand it over safely.');
        }
      });
    });

  for (const [verb, description] of [
    ['disable', 'stop an account from signing in (ends its sessions)'],
    ['enable', 'let a disabled account sign in again'],
  ] as const) {
    users
      .command(verb)
      .description(description)
      .argument('<id>', 'the user id')
      .action(async (id: string, _options: unknown, command: Command) => {
        const user = await cli.client(command).users[verb](id);
        const output = cli.output(command);
        output.result(user, () => output.line(`${user.email} is ${user.disabled ? 'disabled' : 'enabled'}.`));
      });
  }

  users
    .command('reset-password')
    .description("set someone's forgotten password and sign them out everywhere")
    .argument('<id>', 'the user id')
    .option('--password <password>', 'the new password (generated and printed once when omitted)')
    .action(async (id: string, options: { password?: string }, command: Command) => {
      const reset = await cli.client(command).users.resetPassword(id, options.password ? { password: options.password } : {});
      const output = cli.output(command);
      output.result(reset, () => {
        output.line(`Password reset; ${reset.revokedSessions} session(s) signed out.`);
        if (reset.initialPassword) {
          output.line(`New password: ${reset.initialPassword}`);
          output.note('This password is shown only now; hand it over safely.');
        }
      });
    });

  users
    .command('reset-mfa')
    .description('turn MFA off for someone who lost their device')
    .argument('<id>', 'the user id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).users.resetMfa(id);
      cli.output(command).result(reply, () => cli.output(command).line('MFA is off for that account; they can enrol again after signing in.'));
    });
}

/** The people table, shared with `members list`. */
export function printUsers(output: Output, users: User[]): void {
  output.table(
    ['id', 'email', 'name', 'role', 'status', 'mfa', 'last sign-in'],
    users.map((user) => [
      user.id,
      user.email,
      user.name,
      user.role,
      user.disabled ? 'disabled' : 'active',
      user.mfaEnabled ? 'on' : 'off',
      formatTime(user.lastLoginAt) || 'never',
    ]),
  );
}
