import { QueryClient } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import { Route, Routes } from 'react-router';
import { renderWithProviders } from '../../../testing/render-with-providers';
import { type ProxyApi, ProxyApiContext } from '../proxy-api';

/** A query client for component tests: never refetching on its own, never retrying. */
export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchInterval: false, staleTime: Number.POSITIVE_INFINITY }, mutations: { retry: false } } });
}

/**
 * Test-only: renders a proxy or certificate page with the app's providers and a stand-in
 * API, under `path` (a route pattern, so the page reads its params) at `route`.
 */
export function renderProxies(ui: ReactElement, { api, route = '/', path = '*', queryClient = testQueryClient() }: { api: ProxyApi; route?: string; path?: string; queryClient?: QueryClient }) {
  return renderWithProviders(
    <ProxyApiContext.Provider value={api}>
      <Routes>
        <Route path={path} element={ui} />
        {path !== '*' && <Route path="*" element={<p>elsewhere</p>} />}
      </Routes>
    </ProxyApiContext.Provider>,
    { route, queryClient },
  );
}
