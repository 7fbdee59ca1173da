import { Link } from 'react-router';
import { Button } from '../../components/ui/button';
import { EmptyState, ErrorState, Loading } from '../../components/ui/states';
import { useNow } from '../../lib/use-now';
import { useHosts } from '../hosts/hosts-queries';
import { countHostsByStatus, hostsNeedingAttention } from './host-health';
import { HostStatusCard } from './host-status-card';
import { NeedsAttentionCard } from './needs-attention-card';

/** Host counts and the hosts needing attention, from the live-updated hosts list. */
export function HostsSummary({ canAddHosts }: { canAddHosts: boolean }) {
  const hosts = useHosts();
  // "offline, last seen 5 minutes ago" keeps counting while the page stays open.
  const now = useNow();
  if (hosts.isPending) return <Loading label="Loading hosts…" />;
  if (hosts.isError) return <ErrorState error={hosts.error} onRetry={() => void hosts.refetch()} />;
  const counts = countHostsByStatus(hosts.data.items);
  if (counts.total === 0) {
    return (
      <EmptyState
        title="No hosts yet"
        action={
          canAddHosts && (
            <Button asChild>
              <Link to="/hosts">Add your first host</Link>
            </Button>
          )
        }
      >
        {canAddHosts
          ? 'A host joins by running one command that installs the InfraPilot agent. Its status and figures then appear here.'
          : 'A super admin of this organization adds hosts; their status and figures then appear here.'}
      </EmptyState>
    );
  }
  return (
    <div className="grid gap-4 md:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
      <HostStatusCard counts={counts} />
      <NeedsAttentionCard items={hostsNeedingAttention(hosts.data.items, now)} />
    </div>
  );
}
