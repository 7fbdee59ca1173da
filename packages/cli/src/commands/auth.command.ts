import type { InfraPilotClient } from '@infrapilot/client';
import type { Me } from '@infrapilot/protocol';
import type { Command } from 'commander';
import { DEFAULT_SERVER, type CliRuntime } from '../cli-runtime.js';
import { CliError, describeError } from '../errors.js';
import type { Output } from '../output.js';
import { askRequired } from '../prompt.js';

interface LoginOptions {
  email?: string;
  password?: string;
  code?: string;
}

/** `login`, `logout`, `whoami` and `password`: your own session and account. */
export function registerAuthCommands(program: Command, cli: CliRuntime): void {
  program
    .command('login')
    .description('sign in and remember the session in the config file')
    .option('--email <email>', 'your e-mail (asked when missing)')
    .option('--password <password>', 'your password (asked when missing; prefer the prompt, flags end up in shell history)')
    .option('--code <code>', 'a TOTP or recovery code, when MFA is on (asked when needed)')
    .action(async (options: LoginOptions, command: Command) => login(cli, command, options));

  program
    .command('logout')
    .description('end the session on the server and forget the stored tokens')
    .action(async (_options: unknown, command: Command) => logout(cli, command));

  program
    .command('whoami')
    .description('who you are signed in as, in which org, with which role')
    .action(async (_options: unknown, command: Command) => {
      const me = await cli.client(command).auth.me();
      const output = cli.output(command);
      output.result(me, () => printMe(output, me));
    });

  program
    .command('password')
    .description('change your password (signs out your other sessions)')
    .action(async (_options: unknown, command: Command) => changePassword(cli, command));
}

async function login(cli: CliRuntime, command: Command, options: LoginOptions): Promise<void> {
  const globals = cli.globals(command);
  const stored = cli.store.read();
  const server = cli.serverUrl(globals, stored) ?? DEFAULT_SERVER;
  // An org remembered for another server means nothing here.
  const org = globals.org ?? (stored.server === server ? stored.org : undefined);
  const email = options.email ?? (await askRequired(cli.prompter, 'E-mail: ', '--email'));
  const password = options.password ?? (await askRequired(cli.prompter, 'Password: ', '--password', true));

  const client = cli.anonymousClient(server, org);
  const reply = await client.auth.login({ email, password });
  if (reply.mfaRequired) {
    const code = options.code ?? (await askRequired(cli.prompter, 'TOTP code (or recovery code): ', '--code'));
    await client.auth.verifyMfa({ mfaToken: reply.mfaToken, code: code.trim() });
  }
  const tokens = client.currentTokens;
  if (!tokens) throw new CliError('the server accepted the sign-in but sent no tokens');

  // Checked before saving, so a wrong --org is reported instead of remembered.
  let me: Me;
  try {
    me = await client.auth.me();
  } catch (error) {
    await client.auth.logout().catch(() => undefined);
    throw error;
  }
  cli.store.write({ server, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, org });

  const output = cli.output(command);
  output.result({ server, user: me.user, org: me.org }, () => {
    output.line(`Signed in to ${server} as ${me.user?.email ?? email} (${me.org ? `org ${me.org.slug}, ${me.org.role}` : 'in no organization yet'}).`);
    output.note(`Credentials saved to ${cli.store.path}`);
  });
}

async function logout(cli: CliRuntime, command: Command): Promise<void> {
  const output = cli.output(command);
  const stored = cli.store.read();
  if (!stored.accessToken || !stored.refreshToken) {
    output.result({ ok: true, signedIn: false }, () => output.line('Not signed in.'));
    return;
  }
  let serverLogout: string | null = null;
  try {
    await cli.client(command).auth.logout();
  } catch (error) {
    // Forgetting the tokens locally is what the person asked for; a server we cannot
    // reach only means the session there runs out on its own.
    serverLogout = describeError(error);
  }
  cli.store.update({ accessToken: undefined, refreshToken: undefined });
  if (serverLogout) output.note(`warning: could not sign out on the server (${serverLogout}); removed the local credentials anyway`);
  output.result({ ok: true, serverLogout: serverLogout === null }, () => output.line(`Signed out of ${stored.server ?? 'the server'}.`));
}

async function changePassword(cli: CliRuntime, command: Command): Promise<void> {
  const client: InfraPilotClient = cli.client(command);
  const currentPassword = await askRequired(cli.prompter, 'Current password: ', 'it on stdin', true);
  const newPassword = await askRequired(cli.prompter, 'New password: ', 'it on stdin', true);
  // A typo in a hidden field would lock the person out; a pipe has no typos to catch.
  if (cli.context.stdinIsTTY) {
    const repeated = await askRequired(cli.prompter, 'Repeat new password: ', 'it on stdin', true);
    if (repeated !== newPassword) throw new CliError('the new passwords do not match');
  }
  const reply = await client.auth.changePassword({ currentPassword, newPassword });
  const output = cli.output(command);
  output.result(reply, () => output.line(`Password changed; signed out ${reply.revokedSessions} other session(s).`));
}

function printMe(output: Output, me: Me): void {
  output.fields([
    me.user ? ['User', `${me.user.name} <${me.user.email}>`] : ['API key', `${me.apiKey?.name} (${me.apiKey?.prefix}…)`],
    ['Org', me.org ? `${me.org.name} (${me.org.slug})` : '-'],
    ['Role', me.org?.role ?? '-'],
    ...(me.user ? ([['MFA', me.user.mfaEnabled ? 'on' : 'off']] as [string, string][]) : []),
    ['Other orgs', me.orgs.filter((org) => org.id !== me.org?.id).map((org) => org.slug).join(', ') || '-'],
  ]);
}
