import { ApiError } from '@infrapilot/client';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './button';
import { ConfirmDialog } from './confirm-dialog';

function renderConfirm(onConfirm: () => Promise<unknown>) {
  render(<ConfirmDialog trigger={<Button>Revoke web-1</Button>} title="Revoke web-1?" description="It stops working at once." confirmLabel="Revoke" onConfirm={onConfirm} />);
  return userEvent.setup();
}

describe('ConfirmDialog', () => {
  it('cannot be confirmed twice while the action runs, and closes when it is done', async () => {
    let finish: () => void = () => {};
    const onConfirm = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const user = renderConfirm(onConfirm);
    await user.click(screen.getByRole('button', { name: 'Revoke web-1' }));
    await user.click(screen.getByRole('button', { name: 'Revoke' }));

    const working = screen.getByRole('button', { name: 'Working…' });
    expect(working).toHaveProperty('disabled', true);
    await user.click(working);
    expect(onConfirm).toHaveBeenCalledTimes(1);

    finish();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it("keeps the server's refusal in the dialog, and forgets it once the dialog is closed", async () => {
    const user = renderConfirm(async () => {
      throw new ApiError(409, 'conflict', 'The host is already revoked');
    });
    await user.click(screen.getByRole('button', { name: 'Revoke web-1' }));
    await user.click(screen.getByRole('button', { name: 'Revoke' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The host is already revoked');

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(screen.getByRole('button', { name: 'Revoke web-1' }));
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
