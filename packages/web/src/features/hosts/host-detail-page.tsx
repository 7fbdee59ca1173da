import { ApiError } from '@infrapilot/client';
import { ArrowLeft, ShieldOff } from 'lucide-react';
import { Link, useParams } from 'react-router';
import { useCan } from '../../app/session';
import { Card, CardHeader } from '../../components/ui/card';
import { DescriptionItem } from '../../components/ui/description-list';
import { RelativeTime } from '../../components/ui/relative-time';
import { ErrorState, Loading, PageHeader } from '../../components/ui/states';
import { formatRelative } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { HostDockerSection } from '../containers/resources/host-docker-section';
import { PingButton, RevokeHostButton } from './host-actions';
import { HostCharts } from './host-charts';
import { HostStatusBadge } from './host-status-badge';
import { type Host, useHost } from './hosts-queries';
import { LiveFiguresCard } from './live-figures-card';
import { SystemInfoCard } from './system-info-card';

/** /hosts/:id: one host's status, live figures, what it reports about itself, and its history. */
export function HostDetailPage() {
  const { id = '' } = useParams();
  const host = useHost(id);
  const now = useNow();

  return (
    <>
      <Link to="/hosts" className="mb-3 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        {/* Not "Hosts": the navigation's link has that name, and two would be ambiguous. */}
        <ArrowLeft className="h-4 w-4" aria-hidden /> Back to host list
      </Link>
      {host.isPending ? (
        <Loading label="Loading host…" />
      ) : host.isError ? (
        <ErrorState error={host.error} {...(isNotFound(host.error) ? {} : { onRetry: () => void host.refetch() })} />
      ) : (
        <HostDetail host={host.data} now={now} />
      )}
    </>
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

function HostDetail({ host, now }: { host: Host; now: number }) {
  const canManage = useCan('agents:manage');
  const canReadContainers = useCan('containers:read');
  const revoked = Boolean(host.revokedAt);
  return (
    <div className="grid gap-4">
      <PageHeader
        title={host.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <HostStatusBadge host={host} />
            {host.hostname && <span>{host.hostname}</span>}
          </span>
        }
        actions={
          revoked ? null : (
            <>
              <PingButton host={host} />
              {canManage && <RevokeHostButton host={host} />}
            </>
          )
        }
      />
      {revoked && (
        <div role="status" className="flex items-start gap-3 rounded-lg border border-border bg-muted p-4 text-sm">
          <ShieldOff className="mt-0.5 h-5 w-5 shrink-0 text-muted-foreground" aria-hidden />
          <div>
            <p className="font-medium">This host was revoked</p>
            <p className="text-muted-foreground">
              Its agent was disconnected {formatRelative(host.revokedAt, now)} and its certificate no longer works. To bring it back, add it again from the
              Hosts page and run the new join command on it.
            </p>
          </div>
        </div>
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <HostFactsCard host={host} now={now} />
        <LiveFiguresCard live={host.live} now={now} />
        <SystemInfoCard host={host} />
      </div>
      <HostCharts hostId={host.id} />
      {canReadContainers && !revoked && <HostDockerSection agentId={host.id} />}
    </div>
  );
}

/** The status badge lives in the page header only: there is one `host-status` per page. */
function HostFactsCard({ host, now }: { host: Host; now: number }) {
  const os = host.os ? `${host.os.name} · ${host.os.kernel} · ${host.os.architecture}` : null;
  return (
    <Card>
      <CardHeader title="Agent" />
      <dl className="grid grid-cols-[8rem_1fr] gap-2 text-sm">
        <DescriptionItem term="Connected">{host.connected ? 'Yes, its command stream is open' : 'No'}</DescriptionItem>
        <DescriptionItem term="Version">{host.version ?? '—'}</DescriptionItem>
        <DescriptionItem term="Operating system">{os ?? '—'}</DescriptionItem>
        <DescriptionItem term="Last seen">
          <When iso={host.lastSeenAt} now={now} />
        </DescriptionItem>
        <DescriptionItem term="Certificate expires">
          <When iso={host.certificateExpiresAt} now={now} />
        </DescriptionItem>
        <DescriptionItem term="Enrolled">
          <When iso={host.createdAt} now={now} />
        </DescriptionItem>
      </dl>
    </Card>
  );
}

/** "in 29 days", with the full date on hover; a dash, like the other facts, when unknown. */
function When({ iso, now }: { iso: string | null; now: number }) {
  return iso ? <RelativeTime iso={iso} now={now} /> : <>—</>;
}
