import { useCan, useSession } from '../../app/session';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { grantableRoles } from '../members/roles';
import { ApiKeysPanel } from './api-keys-panel';

/** /api-keys: keys for scripts and CI (apikeys:read to look, apikeys:manage to create and revoke). */
export function ApiKeysPage() {
  const { org } = useSession();
  const canRead = useCan('apikeys:read');
  const canManage = useCan('apikeys:manage');
  if (!canRead) {
    return (
      <>
        <PageHeader title="API keys" />
        <EmptyState title="Viewers cannot use API keys">Ask a super admin for the operator role if a script of yours needs to call the API.</EmptyState>
      </>
    );
  }
  return <ApiKeysPanel canManage={canManage} grantableRoles={canManage ? grantableRoles(org?.role) : []} seesAllKeys={org?.role === 'super_admin'} />;
}
