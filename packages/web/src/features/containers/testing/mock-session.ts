import { type Permission, roleAllows } from '@infrapilot/protocol';
import { testSession } from './containers-test-fixtures';

/**
 * Test-only: what `vi.mock('…/app/session', …)` returns for the Docker pages. The real
 * session provider calls the API on mount; the pages only ask `useCan`, answered here
 * from the permission matrix for `testSession.role`.
 */
const can = (permission: Permission) => roleAllows(testSession.role, permission);
export const mockSession = {
  useCan: can,
  useSession: () => ({ can }),
};
