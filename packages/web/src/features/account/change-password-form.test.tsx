import { ApiError } from '@infrapilot/client';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../components/ui/toast';
import { ChangePasswordForm } from './change-password-form';

async function fillIn(current: string, next: string, confirmation: string) {
  await userEvent.type(screen.getByLabelText('Current password'), current);
  await userEvent.type(screen.getByLabelText('New password'), next);
  await userEvent.type(screen.getByLabelText('Confirm new password'), confirmation);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

function renderForm(changePassword: (input: { currentPassword: string; newPassword: string }) => Promise<{ revokedSessions: number }>) {
  return render(
    <ToastProvider>
      <ChangePasswordForm changePassword={changePassword} />
    </ToastProvider>,
  );
}

describe('ChangePasswordForm', () => {
  it('does not send two different new passwords', async () => {
    const changePassword = vi.fn(async () => ({ revokedSessions: 0 }));
    renderForm(changePassword);
    await fillIn('old password here', 'a long new password', 'a long new passwort');
    expect(screen.getByRole('alert').textContent).toMatch(/differ/);
    expect(changePassword).not.toHaveBeenCalled();
  });

  it('shows the password rule the new password breaks', async () => {
    const changePassword = vi.fn(async () => ({ revokedSessions: 0 }));
    renderForm(changePassword);
    await fillIn('old password here', 'short', 'short');
    expect(screen.getByRole('alert').textContent).toBe('Password must be at least 12 characters');
    expect(changePassword).not.toHaveBeenCalled();
  });

  it('changes the password and says how many other sessions were signed out', async () => {
    const changePassword = vi.fn(async () => ({ revokedSessions: 2 }));
    renderForm(changePassword);
    await fillIn('old password here', 'a long new password', 'a long new password');
    expect(changePassword).toHaveBeenCalledWith({ currentPassword: 'old password here', newPassword: 'a long new password' });
    expect(await screen.findByText('Password changed; 2 other sessions signed out')).toBeTruthy();
    expect((screen.getByLabelText('New password') as HTMLInputElement).value).toBe('');
  });

  it('says so when the current password is wrong', async () => {
    renderForm(async () => {
      throw new ApiError(401, 'invalid_credentials', 'The current password is wrong');
    });
    await fillIn('not my password', 'a long new password', 'a long new password');
    expect((await screen.findByRole('alert')).textContent).toBe('The current password is wrong');
  });
});
