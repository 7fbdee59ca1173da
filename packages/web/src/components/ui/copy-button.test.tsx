import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CopyButton } from './copy-button';

describe('CopyButton', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  async function copy() {
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy join command' }));
    });
  }

  it('copies the text and says so for a moment', async () => {
    render(<CopyButton text="infrapilot agent join" label="Copy join command" />);
    await copy();
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith('infrapilot agent join');
    expect(screen.getByRole('button', { name: 'Copy join command copied' }).textContent).toBe('Copied');

    act(() => vi.runAllTimers());
    expect(screen.getByRole('button', { name: 'Copy join command' }).textContent).toBe('Copy');
  });

  // Regression: the timer that puts "Copy" back outlived the button (a dialog closed within 2 s).
  it('leaves no timer behind when it goes away before "Copied" reverts', async () => {
    const { unmount } = render(<CopyButton text="infrapilot agent join" label="Copy join command" />);
    await copy();
    expect(vi.getTimerCount()).toBe(1);
    unmount();
    expect(vi.getTimerCount()).toBe(0);
  });
});
