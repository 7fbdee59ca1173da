import { ApiError } from '@infrapilot/client';
import type { ReactNode } from 'react';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardHeader } from '../../components/ui/card';
import { DescriptionItem } from '../../components/ui/description-list';
import { ErrorState, Loading } from '../../components/ui/states';
import { formatBytes, formatDuration } from '../../lib/format';
import { displayStatusOf } from './host-figures';
import { type Host, useHostSystemInfo } from './hosts-queries';

/**
 * What the host says about itself (CPU model, runtime, capabilities). The question
 * travels to the agent, so it is asked only while the host is active.
 */
export function SystemInfoCard({ host }: { host: Host }) {
  const status = displayStatusOf(host);
  const info = useHostSystemInfo(host.id, status === 'active');

  let body: ReactNode;
  if (status !== 'active') {
    body = <p className="text-sm text-muted-foreground">{WHY_NOT_ASKED[status]}</p>;
  } else if (info.isPending) {
    body = <Loading label="Asking the host…" />;
  } else if (info.isError) {
    body =
      info.error instanceof ApiError && info.error.status === 503 ? (
        <div className="grid justify-items-start gap-2 text-sm text-muted-foreground">
          <p>The host did not answer: its agent is not connected right now. It may have just restarted; retry in a moment.</p>
          <Button variant="secondary" size="sm" onClick={() => void info.refetch()}>
            Retry
          </Button>
        </div>
      ) : (
        <ErrorState error={info.error} onRetry={() => void info.refetch()} />
      );
  } else {
    const system = info.data;
    body = (
      <dl className="grid gap-2 text-sm sm:grid-cols-[9rem_1fr]">
        <DescriptionItem term="Hostname">{system.hostname}</DescriptionItem>
        <DescriptionItem term="Operating system">
          {system.os.name} ({system.os.platform}, {system.os.architecture})
        </DescriptionItem>
        <DescriptionItem term="Kernel">{system.os.kernel}</DescriptionItem>
        <DescriptionItem term="CPU">
          {system.cpuCount} × {system.cpuModel}
        </DescriptionItem>
        <DescriptionItem term="Memory">{formatBytes(system.memoryTotalBytes)}</DescriptionItem>
        <DescriptionItem term="Uptime">{formatDuration(system.uptimeSeconds)}</DescriptionItem>
        <DescriptionItem term="Agent">{system.agentVersion}</DescriptionItem>
        <DescriptionItem term="Runtime">{system.runtimeVersion}</DescriptionItem>
        <DescriptionItem term="Capabilities">
          <span className="flex flex-wrap gap-1">
            {system.capabilities.length === 0 ? '—' : system.capabilities.map((capability) => <Badge key={capability}>{capability}</Badge>)}
          </span>
        </DescriptionItem>
      </dl>
    );
  }

  return (
    <Card>
      <CardHeader title="System" description="Reported by the host's agent when asked." />
      {body}
    </Card>
  );
}

const WHY_NOT_ASKED = {
  offline: 'The host is offline, so it cannot answer. These details appear when its agent reconnects.',
  pending: 'The host has not sent its first heartbeat yet. These details appear once its agent is connected.',
  revoked: 'The host was revoked; its agent can no longer answer.',
} as const;
