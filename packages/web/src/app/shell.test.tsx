import type { FollowLiveEventsOptions } from '@infrapilot/client';
import type { Me, MyOrg } from '@infrapilot/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testId } from '../testing/api-records';
import { Shell } from './shell';

// The live socket and the session talk to the server; the shell is tested against stand-ins.
const live = vi.hoisted(() => ({ follow: vi.fn(), options: null as FollowLiveEventsOptions | null }));
vi.mock('@infrapilot/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@infrapilot/client')>()),
  followLiveEvents: live.follow,
}));
const session = vi.hoisted(() => ({ me: null as Me | null }));
vi.mock('./session', () => ({
  useSession: () => ({ me: session.me, org: session.me?.org ?? null, can: () => true, switchOrg: vi.fn(), signOut: vi.fn() }),
}));

const HOME: MyOrg = { id: testId(501), name: 'Home lab', slug: 'home', role: 'super_admin' };

function signedInAs(org: MyOrg | null): Me {
  return {
    kind: 'user',
    user: { id: testId(1), email: 'ada@example.com', name: 'Ada', mfaEnabled: false, createdAt: '2025-01-01T00:00:00.000Z', lastLoginAt: null },
    apiKey: null,
    org,
    orgs: org ? [org] : [],
  };
}

function renderShell(me: Me) {
  session.me = me;
  live.follow.mockImplementation((_client: unknown, options: FollowLiveEventsOptions) => {
    live.options = options;
    options.onStateChange?.('connecting');
    return { stop: vi.fn() };
  });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter>
        <Routes>
          <Route element={<Shell />}>
            <Route index element={<h1>Overview</h1>} />
          </Route>
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('Shell', () => {
  afterEach(() => {
    live.follow.mockReset();
    live.options = null;
  });

  it('names the org switcher and the account menu by what they do, then by the org and e-mail they show', () => {
    renderShell(signedInAs(HOME));
    const switcher = screen.getByRole('button', { name: /^Switch organization/ });
    expect(switcher.getAttribute('aria-label')).toContain('Home lab');
    expect(switcher.textContent).toContain('Home lab');
    const account = screen.getByRole('button', { name: /^Account menu/ });
    expect(account.getAttribute('aria-label')).toContain('ada@example.com');
    expect(account.textContent).toContain('ada@example.com');
  });

  it('says "Connecting…" before the first connection, "Live" when open and "Reconnecting…" after a drop', () => {
    renderShell(signedInAs(HOME));
    expect(screen.getByRole('status', { name: 'Live updates connecting' }).textContent).toBe('Connecting…');

    act(() => live.options!.onStateChange!('live'));
    expect(screen.getByRole('status', { name: 'Live updates on' }).textContent).toBe('Live');

    act(() => live.options!.onStateChange!('reconnecting'));
    expect(screen.getByRole('status', { name: 'Live updates reconnecting' }).textContent).toBe('Reconnecting…');
  });

  // Regression: with no org the shell opened the socket anyway; the server refused it and the client retried forever.
  it('opens no live socket, and shows no live indicator, for a person in no org', () => {
    renderShell(signedInAs(null));
    expect(screen.getByRole('heading', { name: 'Overview' })).toBeTruthy();
    expect(live.follow).not.toHaveBeenCalled();
    expect(screen.queryByRole('status', { name: /Live updates/ })).toBeNull();
  });
});
