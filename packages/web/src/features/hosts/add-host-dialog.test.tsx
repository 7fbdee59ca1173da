import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AddHostDialog } from './add-host-dialog';

describe('add-host dialog', () => {
  it('refuses a host name the server would refuse, with the rule, before sending anything', async () => {
    const user = userEvent.setup();
    render(<AddHostDialog open onOpenChange={() => {}} />);
    expect(screen.getByRole('dialog', { name: 'Add a host' })).toBeTruthy();

    await user.type(screen.getByLabelText('Host name'), 'web 1; rm -rf /');
    await user.click(screen.getByRole('button', { name: 'Create join command' }));

    const message = screen.getByRole('alert');
    expect(message.textContent).toContain('Use 1–63 letters, digits');
    expect(screen.getByLabelText('Host name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByLabelText('Join command')).toBeNull();
  });

  it('offers expiry choices of 1 hour (chosen), 24 hours and 7 days', () => {
    render(<AddHostDialog open onOpenChange={() => {}} />);
    const expiry = screen.getByLabelText('Command valid for') as HTMLSelectElement;
    expect([...expiry.options].map((option) => option.textContent)).toEqual(['1 hour', '24 hours', '7 days']);
    expect(expiry.selectedOptions[0]?.textContent).toBe('1 hour');
  });
});
