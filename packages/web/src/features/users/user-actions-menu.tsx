import type { User } from '@infrapilot/protocol';
import { MoreHorizontal } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '../../components/ui/dropdown-menu';
import { ActionDialog } from './action-dialog';
import { OneTimeSecret } from './one-time-secret';

/** What an administrator can do to someone else's account. */
export interface UserActions {
  disable: (user: User) => Promise<unknown>;
  enable: (user: User) => Promise<unknown>;
  /** Resolves with the generated password (shown once). */
  resetPassword: (user: User) => Promise<{ initialPassword: string | null; revokedSessions: number }>;
  resetMfa: (user: User) => Promise<unknown>;
}

type ConfirmedAction = 'disable' | 'reset-password' | 'reset-mfa';

export function UserActionsMenu({ user, actions }: { user: User; actions: UserActions }) {
  const [confirming, setConfirming] = useState<ConfirmedAction | null>(null);
  const [newPassword, setNewPassword] = useState<{ password: string; revokedSessions: number } | null>(null);

  function close() {
    setConfirming(null);
    setNewPassword(null);
  }

  const dialogs: Record<ConfirmedAction, { title: string; description: string; confirmLabel: string; run: () => Promise<unknown> }> = {
    disable: {
      title: `Disable ${user.email}?`,
      description: 'They are signed out everywhere at once and cannot sign in to any organization until someone enables the account again.',
      confirmLabel: 'Disable',
      run: async () => {
        await actions.disable(user);
        close();
      },
    },
    'reset-password': {
      title: `Reset the password of ${user.email}?`,
      description: 'InfraPilot generates a new password and shows it to you once. They are signed out everywhere and sign in again with the new password.',
      confirmLabel: 'Reset password',
      run: async () => {
        const reply = await actions.resetPassword(user);
        if (reply.initialPassword) setNewPassword({ password: reply.initialPassword, revokedSessions: reply.revokedSessions });
        else close();
      },
    },
    'reset-mfa': {
      title: `Reset MFA of ${user.email}?`,
      description: 'Two-factor sign-in is turned off for them (after a lost phone, say). They sign in with their password alone until they set it up again under Account.',
      confirmLabel: 'Reset MFA',
      run: async () => {
        await actions.resetMfa(user);
        close();
      },
    },
  };
  const dialog = confirming ? dialogs[confirming] : null;

  return (
    <>
      {/* Not modal: a modal menu handing focus to a dialog can leave the page unclickable. */}
      <DropdownMenu modal={false}>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" size="icon" aria-label={`Actions for ${user.email}`}>
            <MoreHorizontal className="h-4 w-4" aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end">
          {user.disabled ? (
            <DropdownMenuItem onSelect={() => void actions.enable(user).catch(() => {})}>Enable</DropdownMenuItem>
          ) : (
            <DropdownMenuItem onSelect={() => setConfirming('disable')}>Disable</DropdownMenuItem>
          )}
          <DropdownMenuItem onSelect={() => setConfirming('reset-password')}>Reset password</DropdownMenuItem>
          {user.mfaEnabled && <DropdownMenuItem onSelect={() => setConfirming('reset-mfa')}>Reset MFA</DropdownMenuItem>}
        </DropdownMenuContent>
      </DropdownMenu>
      <ActionDialog
        open={dialog !== null}
        onClose={close}
        title={newPassword ? `New password for ${user.email}` : (dialog?.title ?? '')}
        description={dialog?.description ?? ''}
        confirmLabel={dialog?.confirmLabel ?? ''}
        onConfirm={dialog?.run ?? (async () => {})}
        result={
          newPassword && (
            <div className="grid grid-cols-[minmax(0,1fr)] gap-3">
              <OneTimeSecret
                label="New password"
                secret={newPassword.password}
                warning={`This password is shown once. Give it to ${user.email} through a safe channel; they can change it under Account.`}
              />
              <p className="text-sm text-muted-foreground">
                Signed out of {newPassword.revokedSessions} {newPassword.revokedSessions === 1 ? 'session' : 'sessions'}.
              </p>
            </div>
          )
        }
      />
    </>
  );
}
