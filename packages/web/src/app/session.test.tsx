import { ApiError } from '@infrapilot/client';
import { type Me, type MyOrg, SESSION_HINT_COOKIE_NAME } from '@infrapilot/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testId } from '../testing/api-records';
import { api } from './api';
import { SessionProvider, useSession } from './session';

const ORG_STORAGE_KEY = 'infrapilot.org';
const HOME: MyOrg = { id: testId(501), name: 'Home', slug: 'home', role: 'super_admin' };
const LAB: MyOrg = { id: testId(502), name: 'Lab', slug: 'lab', role: 'viewer' };

/** What the server answers to GET /auth/me in the org the client acts in (my default org without one). */
function meIn(org: MyOrg, orgs: MyOrg[] = [HOME, LAB]): Me {
  return {
    kind: 'user',
    user: { id: testId(1), email: 'ada@example.com', name: 'Ada', mfaEnabled: false, createdAt: '2025-01-01T00:00:00.000Z', lastLoginAt: null },
    apiKey: null,
    org,
    orgs,
  };
}

function answerMeFor(memberships: MyOrg[]) {
  return vi.spyOn(api.auth, 'me').mockImplementation(async () => {
    const asked = api.currentOrg;
    if (!asked) return meIn(memberships[0]!, memberships);
    const org = memberships.find((candidate) => candidate.id === asked);
    if (!org) throw new ApiError(404, 'not_found', 'No such organization');
    return meIn(org, memberships);
  });
}

let session: ReturnType<typeof useSession> | null = null;
function CurrentOrg() {
  session = useSession();
  return <output data-testid="org">{session.org?.name ?? 'none'}</output>;
}

function renderSession() {
  const queryClient = new QueryClient();
  render(
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <CurrentOrg />
      </SessionProvider>
    </QueryClientProvider>,
  );
  return queryClient;
}

const shownOrg = () => screen.getByTestId('org').textContent;

describe('SessionProvider', () => {
  beforeEach(() => {
    document.cookie = `${SESSION_HINT_COOKIE_NAME}=1`;
    vi.spyOn(api, 'refreshOnce').mockResolvedValue(true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    api.useOrg(undefined);
    session = null;
  });

  it('starts in the org remembered in this browser', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, LAB.id);
    answerMeFor([HOME, LAB]);
    renderSession();
    await waitFor(() => expect(shownOrg()).toBe('Lab'));
  });

  // Regression: reload() after an MFA change re-read localStorage, so another tab's org
  // switch moved this tab to that org while its query cache still held the old org's data.
  it("stays in its org on reload when another tab switched org, and keeps that tab's choice", async () => {
    answerMeFor([HOME, LAB]);
    const queryClient = renderSession();
    await waitFor(() => expect(shownOrg()).toBe('Home'));
    queryClient.setQueryData(['hosts', 'list'], { items: [], nextCursor: null });

    localStorage.setItem(ORG_STORAGE_KEY, LAB.id);
    await act(() => session!.reload());

    expect(shownOrg()).toBe('Home');
    expect(api.currentOrg).toBeUndefined();
    expect(queryClient.getQueryData(['hosts', 'list'])).toBeDefined();
    expect(localStorage.getItem(ORG_STORAGE_KEY)).toBe(LAB.id);
  });

  it('switches org, remembers it, and empties the query cache of the old org', async () => {
    answerMeFor([HOME, LAB]);
    const queryClient = renderSession();
    await waitFor(() => expect(shownOrg()).toBe('Home'));
    queryClient.setQueryData(['hosts', 'list'], { items: [], nextCursor: null });

    await act(() => session!.switchOrg(LAB.id));

    expect(shownOrg()).toBe('Lab');
    expect(localStorage.getItem(ORG_STORAGE_KEY)).toBe(LAB.id);
    expect(queryClient.getQueryData(['hosts', 'list'])).toBeUndefined();
  });

  it('empties the query cache when a reload lands in another org (removed from the current one)', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, LAB.id);
    answerMeFor([HOME, LAB]);
    const queryClient = renderSession();
    await waitFor(() => expect(shownOrg()).toBe('Lab'));
    queryClient.setQueryData(['hosts', 'list'], { items: [], nextCursor: null });

    answerMeFor([HOME]);
    await act(() => session!.reload());

    expect(shownOrg()).toBe('Home');
    expect(queryClient.getQueryData(['hosts', 'list'])).toBeUndefined();
    expect(localStorage.getItem(ORG_STORAGE_KEY)).toBeNull();
  });

  it('stays in its org, requests included, when switching fails', async () => {
    const me = answerMeFor([HOME, LAB]);
    renderSession();
    await waitFor(() => expect(shownOrg()).toBe('Home'));
    me.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'The server is restarting'));

    await act(() => expect(session!.switchOrg(LAB.id)).rejects.toThrow('The server is restarting'));

    expect(shownOrg()).toBe('Home');
    expect(api.currentOrg).toBeUndefined();
  });
});
