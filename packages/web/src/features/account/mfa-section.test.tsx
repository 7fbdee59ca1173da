import { ApiError } from '@infrapilot/client';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { type MfaActions, MfaSection } from './mfa-section';

const SECRET = 'JBSWY3DPEHPK3PXP';
const OTPAUTH_URI = `otpauth://totp/InfraPilot:ada%40example.com?secret=${SECRET}&issuer=InfraPilot`;
const RECOVERY_CODES = Array.from({ length: 10 }, (_, index) => `R${index}AAA-BBBBB`);

function fakeActions(overrides: Partial<MfaActions> = {}): MfaActions {
  return {
    setup: vi.fn(async () => ({ secret: SECRET, otpauthUri: OTPAUTH_URI })),
    enable: vi.fn(async () => ({ recoveryCodes: RECOVERY_CODES })),
    disable: vi.fn(async () => ({ ok: true })),
    ...overrides,
  };
}

describe('MfaSection', () => {
  it('turns MFA on: QR code and secret, a first code, then the recovery codes until Done', async () => {
    const actions = fakeActions();
    const onChanged = vi.fn();
    render(<MfaSection enabled={false} actions={actions} onChanged={onChanged} />);

    await userEvent.click(screen.getByRole('button', { name: 'Enable MFA' }));
    const qrCode = await screen.findByRole('img', { name: 'QR code for your authenticator app' });
    const source = qrCode.getAttribute('src') ?? '';
    expect(source.startsWith('data:image/svg+xml')).toBe(true);
    expect(decodeURIComponent(source)).toContain('<svg');
    expect(screen.getByLabelText('Secret key').textContent).toBe(SECRET);

    await userEvent.type(screen.getByLabelText('Authentication code'), '123 456');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    const codes = await screen.findByRole('list', { name: 'Recovery codes' });
    expect(within(codes).getAllByRole('listitem')).toHaveLength(10);
    expect(actions.enable).toHaveBeenCalledWith('123456');
    expect(onChanged).toHaveBeenCalled();

    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('list', { name: 'Recovery codes' })).toBeNull();
    expect(screen.queryByText(RECOVERY_CODES[0]!)).toBeNull();
  });

  it('keeps the setup open and says why when the code is refused', async () => {
    const actions = fakeActions({
      enable: vi.fn(async () => {
        throw new ApiError(401, 'mfa_invalid_code', 'That code is not valid for the new secret; check the device clock');
      }),
    });
    const onChanged = vi.fn();
    render(<MfaSection enabled={false} actions={actions} onChanged={onChanged} />);
    await userEvent.click(screen.getByRole('button', { name: 'Enable MFA' }));
    await userEvent.type(await screen.findByLabelText('Authentication code'), '000000');
    await userEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    expect((await screen.findByRole('alert')).textContent).toMatch(/check the device clock/);
    expect(screen.getByLabelText('Secret key')).toBeTruthy();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('goes back to "Enable MFA" on Cancel', async () => {
    render(<MfaSection enabled={false} actions={fakeActions()} onChanged={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Enable MFA' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(screen.queryByLabelText('Secret key')).toBeNull();
    expect(screen.getByRole('button', { name: 'Enable MFA' })).toBeTruthy();
  });

  it('turns MFA off with a code from the dialog', async () => {
    const actions = fakeActions();
    const onChanged = vi.fn();
    render(<MfaSection enabled actions={actions} onChanged={onChanged} />);
    expect(screen.getByText('MFA is on')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Disable MFA' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Authentication code'), 'ABCDE-FGHIJ');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disable MFA' }));

    expect(actions.disable).toHaveBeenCalledWith('ABCDE-FGHIJ');
    expect(onChanged).toHaveBeenCalled();
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
