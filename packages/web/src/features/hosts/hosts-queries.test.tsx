import type { Page } from '@infrapilot/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../app/api';
import { type Host, hostKeys, useHost } from './hosts-queries';
import { host } from './hosts-test-fixtures';

const ID = '00000000-0000-7000-8000-000000000001';

/** A query client whose data is stale at once, so a query refetches whenever it is allowed to. */
function eagerQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { staleTime: 0, retry: false } } });
}

function renderUseHost(queryClient: QueryClient) {
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  return renderHook(() => useHost(ID), { wrapper });
}

describe('useHost', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the host from the cached list at once, before its own record arrives', async () => {
    const get = vi.spyOn(api.agents, 'get').mockResolvedValue(host({ id: ID, name: 'web-1', version: '0.2.0' }));
    const queryClient = eagerQueryClient();
    queryClient.setQueryData<Page<Host>>(hostKeys.list(), { items: [host({ id: ID, name: 'web-1' })], nextCursor: null });

    const { result } = renderUseHost(queryClient);

    expect(result.current.data).toMatchObject({ id: ID, name: 'web-1', version: '0.1.0' });
    await waitFor(() => expect(result.current.data?.version).toBe('0.2.0'));
    expect(get).toHaveBeenCalledWith(ID);
  });

  // Regression: a revoked host was refetched, the API answered 404, and its page said "Not found".
  it('does not ask the API again for a host this tab saw revoked, on opening or when invalidated', async () => {
    const get = vi.spyOn(api.agents, 'get').mockResolvedValue(host({ id: ID, name: 'web-1' }));
    const queryClient = eagerQueryClient();
    queryClient.setQueryData<Host>(hostKeys.detail(ID), host({ id: ID, name: 'web-1', revokedAt: '2026-01-01T12:02:00.000Z' }));

    const { result } = renderUseHost(queryClient);
    await queryClient.invalidateQueries({ queryKey: hostKeys.detail(ID) });

    expect(result.current.isFetching).toBe(false);
    expect(result.current.data?.revokedAt).toBe('2026-01-01T12:02:00.000Z');
    expect(result.current.isError).toBe(false);
    expect(get).not.toHaveBeenCalled();
  });
});
