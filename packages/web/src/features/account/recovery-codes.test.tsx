import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecoveryCodes } from './recovery-codes';

const CODES = Array.from({ length: 10 }, (_, index) => `CODE${index}-ABCDE`);

describe('RecoveryCodes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every recovery code once, with a warning that they are shown once', () => {
    render(<RecoveryCodes codes={CODES} onDone={() => {}} />);
    const items = within(screen.getByRole('list', { name: 'Recovery codes' })).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual(CODES);
    expect(screen.getByRole('note').textContent).toMatch(/shown only this once/);
    expect(screen.getByRole('button', { name: 'Copy all' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Download' })).toBeTruthy();
  });

  it('downloads the codes as a text file', async () => {
    const createObjectURL = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:recovery-codes');
    render(<RecoveryCodes codes={CODES} onDone={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Download' }));
    const blob = createObjectURL.mock.calls[0]?.[0];
    expect(blob).toBeInstanceOf(Blob);
    const text = await (blob as Blob).text();
    for (const code of CODES) expect(text).toContain(code);
  });

  it('reports Done', async () => {
    const onDone = vi.fn();
    render(<RecoveryCodes codes={CODES} onDone={onDone} />);
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(onDone).toHaveBeenCalledOnce();
  });
});
