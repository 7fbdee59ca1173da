import { type Permission, roleAllows } from '@infrapilot/protocol';
import { proxyTestSession } from './proxies-test-fixtures';

/**
 * Test-only: what `vi.mock('…/app/session', …)` returns for the proxy and certificate
 * pages. The real session provider calls the API on mount; the pages only ask `useCan`,
 * answered here from the permission matrix for `proxyTestSession.role`.
 */
const can = (permission: Permission) => roleAllows(proxyTestSession.role, permission);
export const mockSession = {
  useCan: can,
  useSession: () => ({ can }),
};
