import { useCan, useSession } from '../../app/session';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { HostsSummary } from './hosts-summary';
import { RecentActivityCard } from './recent-activity-card';

/** /: the state of the org's hosts at a glance, kept current by the live socket. */
export function OverviewPage() {
  const { org } = useSession();
  const canAddHosts = useCan('agents:manage');
  const canReadAudit = useCan('audit:read');
  return (
    <>
      <PageHeader title="Overview" description={org ? `Hosts and recent activity in ${org.name}.` : undefined} />
      {org ? (
        <div className="grid grid-cols-1 gap-4">
          <HostsSummary canAddHosts={canAddHosts} />
          {canReadAudit && <RecentActivityCard />}
        </div>
      ) : (
        <EmptyState title="You are not in an organization yet">Ask a super admin of your organization to add you; its hosts then show up here.</EmptyState>
      )}
    </>
  );
}
