import type { InfraPilotClient } from '@infrapilot/client';
import type { ApiKey, ApiKeyCreate, Role } from '@infrapilot/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api';
import { PagedListView } from '../../components/ui/paged-list-view';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { useToast } from '../../components/ui/toast';
import { usePagedList } from '../../lib/paged-list';
import { ApiKeysTable } from './api-keys-table';
import { CreateApiKeyDialog } from './create-api-key-dialog';

export type ApiKeysApi = Pick<InfraPilotClient['apiKeys'], 'list' | 'create' | 'revoke'>;

const apiKeyKeys = { list: ['api-keys', 'list'] as const };

const PAGE_SIZE = 50;

export interface ApiKeysPanelProps {
  /** apikeys:manage: create and revoke. */
  canManage: boolean;
  /** Roles the person may give a key (empty without manage rights). */
  grantableRoles: readonly Role[];
  /** super admins see every key of the org, others only their own; the description says which. */
  seesAllKeys: boolean;
  /** Where the API answers, for the example request. */
  origin?: string;
  /** The API it talks to; tests pass a stand-in. */
  apiKeys?: ApiKeysApi;
}

/** The API keys page without the session. */
export function ApiKeysPanel({ canManage, grantableRoles, seesAllKeys, origin = window.location.origin, apiKeys = api.apiKeys }: ApiKeysPanelProps) {
  const queryClient = useQueryClient();
  const notify = useToast();
  const { query, items } = usePagedList(apiKeyKeys.list, (cursor) => apiKeys.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: apiKeyKeys.list });

  // The reply holds the key's secret. A direct call rather than useMutation, whose cache
  // would keep it (as the mutation's data) for minutes after the dialog forgot it.
  const create = async (input: ApiKeyCreate) => {
    const reply = await apiKeys.create(input);
    notify({ title: `Created API key ${reply.apiKey.name}` });
    refresh();
    return reply;
  };
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => apiKeys.revoke(key.id),
    onSuccess: (key) => {
      notify({ title: `Revoked API key ${key.name}`, description: 'It no longer works.' });
      refresh();
    },
  });

  return (
    <>
      <PageHeader
        title="API keys"
        description={`Keys let scripts and CI act in this organization with one role. ${seesAllKeys ? 'You see every key of the organization.' : 'You see the keys you created.'}`}
        // The one create dialog lives here, outside the list, so a refetch never unmounts it while it shows a secret.
        actions={canManage && <CreateApiKeyDialog roles={grantableRoles} onCreate={create} origin={origin} />}
      />
      <PagedListView
        query={query}
        items={items}
        loadingLabel="Loading API keys…"
        empty={
          <EmptyState title="No API keys yet">
            {canManage ? 'Create one with "Create API key" above, then send it as "Authorization: Bearer <key>".' : 'Ask an operator or a super admin to create a key for you.'}
          </EmptyState>
        }
      >
        <ApiKeysTable keys={items} canManage={canManage} onRevoke={revoke.mutateAsync} />
      </PagedListView>
    </>
  );
}
