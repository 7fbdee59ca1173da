import { ApiError } from '@infrapilot/client';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Button } from './button';
import { ConfirmDialog } from './confirm-dialog';
import { PageHeader } from './states';

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

  it('gives focus back to its button when cancelled', async () => {
    const user = userEvent.setup();
    render(
      <main>
        <PageHeader title="Hosts" />
        <ConfirmDialog trigger={<Button>Revoke web-1</Button>} title="Revoke web-1?" description="It stops working at once." confirmLabel="Revoke" onConfirm={async () => {}} />
      </main>,
    );
    await user.click(screen.getByRole('button', { name: 'Revoke web-1' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Revoke web-1' })));
  });

  // Regression: the confirmed action removed the button that opened the dialog, and focus fell to <body>.
  it("moves focus to the page's heading when the action removed its button", async () => {
    function RevocableHost() {
      const [revoked, setRevoked] = useState(false);
      return revoked ? (
        <p>web-1 is revoked</p>
      ) : (
        <ConfirmDialog trigger={<Button>Revoke web-1</Button>} title="Revoke web-1?" description="It stops working at once." confirmLabel="Revoke" onConfirm={async () => setRevoked(true)} />
      );
    }
    const user = userEvent.setup();
    render(
      <main>
        <PageHeader title="web-1" />
        <RevocableHost />
      </main>,
    );
    await user.click(screen.getByRole('button', { name: 'Revoke web-1' }));
    await user.click(screen.getByRole('button', { name: 'Revoke' }));

    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'web-1' })));
  });

  it("moves focus to the page's heading after the action, when a refetch removes the button only after closing", async () => {
    let removeRow: () => void = () => {};
    function KeyRow() {
      const [present, setPresent] = useState(true);
      removeRow = () => setPresent(false);
      return present ? <ConfirmDialog trigger={<Button>Revoke ci</Button>} title="Revoke ci?" description="It stops working." confirmLabel="Revoke" onConfirm={async () => {}} /> : null;
    }
    const user = userEvent.setup();
    render(
      <main>
        <PageHeader title="API keys" />
        <KeyRow />
      </main>,
    );
    await user.click(screen.getByRole('button', { name: 'Revoke ci' }));
    await user.click(screen.getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    act(() => removeRow());

    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'API keys' })));
  });
});
