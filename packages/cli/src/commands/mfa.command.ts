import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime.js';

/** `mfa setup|enable|disable`: the second factor of your own account. */
export function registerMfaCommands(program: Command, cli: CliRuntime): void {
  const mfa = program.command('mfa').description('two-factor sign-in with an authenticator app (TOTP)');

  mfa
    .command('setup')
    .description('start MFA setup: prints the secret and otpauth:// URI for your authenticator app')
    .action(async (_options: unknown, command: Command) => {
      const reply = await cli.client(command).auth.setupMfa();
      const output = cli.output(command);
      output.result(reply, () => {
        output.fields([
          ['Secret', reply.secret],
          ['URI', reply.otpauthUri],
        ]);
        output.note('Add it to your authenticator app, then run `infrapilot mfa enable <code>` with the code it shows.');
      });
    });

  mfa
    .command('enable')
    .description('turn MFA on with a code from your app; prints the recovery codes once')
    .argument('<code>', 'the six-digit code your app shows')
    .action(async (code: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).auth.enableMfa(code);
      const output = cli.output(command);
      output.result(reply, () => {
        output.line('MFA is on. Recovery codes (each works once; this is the only time they are shown):');
        for (const recoveryCode of reply.recoveryCodes) output.line(`  ${recoveryCode}`);
        output.note('Keep them somewhere safe: they are the way back in if you lose your authenticator.');
      });
    });

  mfa
    .command('disable')
    .description('turn MFA off (needs a current code or a recovery code)')
    .argument('<code>', 'a TOTP code or a recovery code')
    .action(async (code: string, _options: unknown, command: Command) => {
      const reply = await cli.client(command).auth.disableMfa(code);
      const output = cli.output(command);
      output.result(reply, () => output.line('MFA is off.'));
    });
}
