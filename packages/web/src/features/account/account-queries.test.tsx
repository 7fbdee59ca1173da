import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../app/api';
import { mutationCacheText } from '../../testing/mutation-cache-text';
import { useChangePassword } from './account-queries';

describe('useChangePassword', () => {
  afterEach(() => vi.restoreAllMocks());

  it('changes the password, refreshes the sessions list, and keeps no copy of either password', async () => {
    const changePassword = vi.spyOn(api.auth, 'changePassword').mockResolvedValue({ ok: true, revokedSessions: 1 });
    const queryClient = new QueryClient();
    queryClient.setQueryData(['account', 'sessions'], []);
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useChangePassword(), { wrapper });

    const reply = await act(() => result.current({ currentPassword: 'the old password here', newPassword: 'a brand new password' }));

    expect(reply).toEqual({ ok: true, revokedSessions: 1 });
    expect(changePassword).toHaveBeenCalledWith({ currentPassword: 'the old password here', newPassword: 'a brand new password' });
    expect(queryClient.getQueryState(['account', 'sessions'])?.isInvalidated).toBe(true);
    expect(mutationCacheText(queryClient)).not.toContain('the old password here');
    expect(mutationCacheText(queryClient)).not.toContain('a brand new password');
  });
});
