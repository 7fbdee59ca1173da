import type { Session } from '@infrapilot/protocol';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { SessionList } from './sessions-card';

const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const CHROME_ON_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36';

function session(overrides: Partial<Session>): Session {
  return {
    id: 'session-1',
    createdAt: '2025-01-01T10:00:00.000Z',
    lastUsedAt: '2025-01-02T10:00:00.000Z',
    expiresAt: '2025-02-01T10:00:00.000Z',
    ipAddress: '192.0.2.7',
    userAgent: FIREFOX_ON_LINUX,
    current: false,
    ...overrides,
  };
}

describe('SessionList', () => {
  const sessions = [
    session({ id: 'this-one', current: true }),
    session({ id: 'phone', userAgent: CHROME_ON_ANDROID, ipAddress: '198.51.100.4' }),
  ];

  it('marks this device and offers no sign-out for it', () => {
    render(<SessionList sessions={sessions} onEnd={() => {}} />);
    const [current, other] = screen.getAllByRole('listitem');
    expect(within(current!).getByText('This device')).toBeTruthy();
    expect(within(current!).queryByRole('button')).toBeNull();
    expect(within(other!).queryByText('This device')).toBeNull();
    expect(within(other!).getByText('Chrome on Android')).toBeTruthy();
  });

  it('signs out another session by its button', async () => {
    const onEnd = vi.fn();
    render(<SessionList sessions={sessions} onEnd={onEnd} />);
    await userEvent.click(screen.getByRole('button', { name: 'Sign out Chrome on Android (198.51.100.4)' }));
    expect(onEnd).toHaveBeenCalledWith(sessions[1]);
  });
});
