import { Navigate, Outlet, createBrowserRouter, useLocation } from 'react-router';
import { Loading } from '../components/ui/states';
import { AccountPage } from '../features/account/account-page';
import { ApiKeysPage } from '../features/api-keys/api-keys-page';
import { AuditPage } from '../features/audit/audit-page';
import { LoginPage } from '../features/auth/login-page';
import { HostDetailPage } from '../features/hosts/host-detail-page';
import { HostsPage } from '../features/hosts/hosts-page';
import { MembersPage } from '../features/members/members-page';
import { NotFoundPage } from '../features/not-found-page';
import { OverviewPage } from '../features/overview/overview-page';
import { UsersPage } from '../features/users/users-page';
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

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: <RequireSession />,
    children: [
      {
        element: <Shell />,
        children: [
          { index: true, element: <OverviewPage /> },
          { path: 'hosts', element: <HostsPage /> },
          { path: 'hosts/:id', element: <HostDetailPage /> },
          { path: 'members', element: <MembersPage /> },
          { path: 'users', element: <UsersPage /> },
          { path: 'api-keys', element: <ApiKeysPage /> },
          { path: 'audit', element: <AuditPage /> },
          { path: 'account', element: <AccountPage /> },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);
