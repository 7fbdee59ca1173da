import { Plus } from 'lucide-react';
import { useState } from 'react';
import { useCan } from '../../app/session';
import { Button } from '../../components/ui/button';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/ui/states';
import { useNow } from '../../lib/use-now';
import { AddHostDialog } from './add-host-dialog';
import { useHosts } from './hosts-queries';
import { HostsTable } from './hosts-table';

/** /hosts: every host of the org, kept current by the live socket (no polling). */
export function HostsPage() {
  const canManage = useCan('agents:manage');
  const hosts = useHosts();
  const now = useNow();
  // One dialog in one place: a host enrolling while it is open must not unmount it.
  const [adding, setAdding] = useState(false);

  return (
    <>
      <PageHeader
        title="Hosts"
        description="The servers whose agents report to this control plane."
        actions={canManage ? <AddHostDialog open={adding} onOpenChange={setAdding} /> : null}
      />
      {hosts.isPending ? (
        <Loading label="Loading hosts…" />
      ) : hosts.isError ? (
        <ErrorState error={hosts.error} onRetry={() => void hosts.refetch()} />
      ) : hosts.data.items.length === 0 ? (
        <EmptyState
          title="No hosts yet"
          action={
            canManage ? (
              <Button variant="secondary" onClick={() => setAdding(true)}>
                <Plus className="h-4 w-4" aria-hidden />
                Add your first host
              </Button>
            ) : null
          }
        >
          {canManage
            ? 'Add a host to get a one-line join command, then run it on the server. The host shows up here as soon as its agent connects.'
            : 'A super admin of this organization can add hosts. They show up here as soon as their agents connect.'}
        </EmptyState>
      ) : (
        <HostsTable hosts={hosts.data.items} now={now} />
      )}
    </>
  );
}
