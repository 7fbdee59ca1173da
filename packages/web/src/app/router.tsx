import type { ComponentType } from 'react';
import { Navigate, Outlet, createBrowserRouter, useLocation } from 'react-router';
import { Loading } from '../components/ui/states';
import { LoginPage } from '../features/auth/login-page';
import { NotFoundPage } from '../features/not-found-page';
import { OverviewPage } from '../features/overview/overview-page';
import { useSession } from './session';
import { Shell } from './shell';

/** Pages behind sign-in: the shell when signed in, the login page (remembering where you were going) when not. */
function RequireSession() {
  const { state } = useSession();
  const location = useLocation();
  if (state === 'loading') return <Loading label="Signing you in…" />;
  if (state === 'signed-out') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <Outlet />;
}

/**
 * Pages other than sign-in and the overview load on first visit, so the first paint
 * does not wait for the chart library (uPlot) or the QR code generator.
 */
const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: <RequireSession />,
    hydrateFallbackElement: <Loading />,
    children: [
      {
        element: <Shell />,
        children: [
          { index: true, element: <OverviewPage /> },
          { path: 'hosts', lazy: page(async () => ({ default: (await import('../features/hosts/hosts-page')).HostsPage })) },
          { path: 'hosts/:id', lazy: page(async () => ({ default: (await import('../features/hosts/host-detail-page')).HostDetailPage })) },
          {
            path: 'hosts/:id/containers/:cid',
            lazy: page(async () => ({ default: (await import('../features/containers/detail/container-detail-page')).ContainerDetailPage })),
          },
          { path: 'containers', lazy: page(async () => ({ default: (await import('../features/containers/list/containers-page')).ContainersPage })) },
          { path: 'stacks', lazy: page(async () => ({ default: (await import('../features/containers/stacks/stacks-page')).StacksPage })) },
          { path: 'proxies', lazy: page(async () => ({ default: (await import('../features/proxies/list/proxies-page')).ProxiesPage })) },
          { path: 'proxies/new', lazy: page(async () => ({ default: (await import('../features/proxies/form/proxy-form-page')).NewProxyHostPage })) },
          { path: 'proxies/:agentId/:pid', lazy: page(async () => ({ default: (await import('../features/proxies/detail/proxy-detail-page')).ProxyDetailPage })) },
          { path: 'proxies/:agentId/:pid/edit', lazy: page(async () => ({ default: (await import('../features/proxies/form/proxy-form-page')).EditProxyHostPage })) },
          { path: 'certificates', lazy: page(async () => ({ default: (await import('../features/certificates/certificates-page')).CertificatesPage })) },
          { path: 'members', lazy: page(async () => ({ default: (await import('../features/members/members-page')).MembersPage })) },
          { path: 'users', lazy: page(async () => ({ default: (await import('../features/users/users-page')).UsersPage })) },
          { path: 'api-keys', lazy: page(async () => ({ default: (await import('../features/api-keys/api-keys-page')).ApiKeysPage })) },
          { path: 'audit', lazy: page(async () => ({ default: (await import('../features/audit/audit-page')).AuditPage })) },
          { path: 'account', lazy: page(async () => ({ default: (await import('../features/account/account-page')).AccountPage })) },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
