import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';
import { formatTime } from '../output.js';

/** `sessions list|end`: where you are signed in, and signing out another device. */
export function registerSessionsCommands(program: Command, cli: CliRuntime): void {
  const sessions = program.command('sessions').description('your signed-in sessions');

  sessions
    .command('list', { isDefault: true })
    .description('list your sessions; * marks this one')
    .action(async (_options: unknown, command: Command) => {
      const page = await cli.client(command).auth.sessions();
      const output = cli.output(command);
      output.result(page, () =>
        output.table(
          ['', 'id', 'signed in', 'last used', 'ip', 'client'],
          page.items.map((session) => [
            session.current ? '*' : '',
            session.id,
            formatTime(session.createdAt),
            formatTime(session.lastUsedAt),
            session.ipAddress ?? '',
            (session.userAgent ?? '').slice(0, 40),
          ]),
        ),
      );
    });

  sessions
    .command('end')
    .description('sign out one session (another device)')
    .argument('<id>', 'the session id, from `sessions list`')
    .action(async (id: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).auth.endSession(id);
      cli.output(command).result(reply, () => cli.output(command).line('Session ended.'));
    });
}
