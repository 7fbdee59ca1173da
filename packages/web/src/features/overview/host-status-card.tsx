import type { AgentStatus } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { Card, CardHeader } from '../../components/ui/card';
import { cn } from '../../lib/class-names';
import { HOST_STATUSES, type HostStatusCounts } from './host-health';

const STATUS_STYLE: Record<AgentStatus, string> = {
  active: 'text-success',
  offline: 'text-destructive',
  pending: 'text-warning',
};

/** How many hosts are in each state; each count opens the hosts list filtered to it. */
export function HostStatusCard({ counts }: { counts: HostStatusCounts }) {
  return (
    <Card>
      <CardHeader title="Hosts" actions={<Link to="/hosts" className="text-sm text-primary hover:underline">View all</Link>} />
      <p className="mb-3 text-sm text-muted-foreground">
        <span className="text-3xl font-semibold text-foreground" data-testid="hosts-total">
          {counts.total}
        </span>{' '}
        {counts.total === 1 ? 'host' : 'hosts'} in total
      </p>
      <ul className="grid grid-cols-3 gap-2" aria-label="Hosts by status">
        {HOST_STATUSES.map((status) => (
          <li key={status}>
            <Link
              to={`/hosts?status=${status}`}
              data-status={status}
              className="flex flex-col rounded-md border border-border p-2 hover:bg-muted focus-visible:outline-2 focus-visible:outline-ring"
            >
              <span className={cn('text-xl font-semibold', counts[status] > 0 ? STATUS_STYLE[status] : 'text-muted-foreground')}>{counts[status]}</span>
              <span className="text-xs text-muted-foreground"> {status}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}
