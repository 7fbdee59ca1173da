import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../testing/render-with-providers';
import { LoginPage } from './login-page';

// The session provider talks to the server; the page is tested against a stand-in.
const session = vi.hoisted(() => ({
  state: 'signed-out' as const,
  signIn: vi.fn(async () => ({ done: false as const, mfaToken: 'mfa-token' })),
  verifyMfa: vi.fn(async () => {}),
}));
vi.mock('../../app/session', () => ({ useSession: () => session }));

describe('LoginPage', () => {
  it('asks for the authentication code after the password when MFA is on, and accepts a recovery code', async () => {
    const { user } = renderWithProviders(<LoginPage />, { route: '/login' });
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery staple');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(session.signIn).toHaveBeenCalledWith('ada@example.com', 'correct horse battery staple');

    const code = await screen.findByLabelText('Authentication code');
    expect(document.activeElement).toBe(code);
    // Recovery codes have letters: no number keypad, and long enough for one.
    expect(code.getAttribute('inputmode')).toBeNull();
    await user.type(code, ' R0AAA-BBBBB ');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(session.verifyMfa).toHaveBeenCalledWith('mfa-token', 'R0AAA-BBBBB');
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/'));
  });
});
