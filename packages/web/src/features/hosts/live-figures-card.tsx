import type { AgentLiveFigures } from '@infrapilot/protocol';
import type { ReactNode } from 'react';
import { Card, CardHeader } from '../../components/ui/card';
import { RelativeTime } from '../../components/ui/relative-time';
import { formatBytes, formatDuration, formatRate, percentOf } from '../../lib/format';
import { UsageBar } from './usage-bar';

/** The host's figures from its latest heartbeat; the live socket replaces them as heartbeats arrive. */
export function LiveFiguresCard({ live, now }: { live: AgentLiveFigures | null; now: number }) {
  if (!live) {
    return (
      <Card>
        <CardHeader title="Right now" />
        <p className="text-sm text-muted-foreground">No figures yet. They arrive with the host's first heartbeat.</p>
      </Card>
    );
  }
  const memoryDetail = `${formatBytes(live.memoryUsedBytes)} of ${formatBytes(live.memoryTotalBytes)}`;
  return (
    <Card>
      <CardHeader
        title="Right now"
        description={
          <>
            From the heartbeat <RelativeTime iso={live.collectedAt} now={now} />
          </>
        }
      />
      <dl className="grid gap-3 text-sm">
        <Figure term="CPU">
          <UsageBar label="CPU" percent={live.cpuPercent} />
        </Figure>
        <Figure term="Memory">
          <UsageBar label="Memory" percent={percentOf(live.memoryUsedBytes, live.memoryTotalBytes)} detail={memoryDetail} />
          <span className="text-xs text-muted-foreground">{memoryDetail}</span>
        </Figure>
        {live.disks.map((disk) => {
          const detail = `${formatBytes(disk.usedBytes)} of ${formatBytes(disk.totalBytes)}`;
          return (
            <Figure key={disk.mountPoint} term={<span className="break-all font-mono text-xs">{disk.mountPoint}</span>}>
              <UsageBar label={`Disk ${disk.mountPoint}`} percent={percentOf(disk.usedBytes, disk.totalBytes)} detail={detail} />
              <span className="text-xs text-muted-foreground">
                {detail} · {disk.filesystem}
              </span>
            </Figure>
          );
        })}
        <Figure term="Load">
          <span className="tabular-nums">
            {live.loadAverage1m.toFixed(2)} · {live.loadAverage5m.toFixed(2)} · {live.loadAverage15m.toFixed(2)}
          </span>
          <span className="text-xs text-muted-foreground">1, 5 and 15 minute averages</span>
        </Figure>
        <Figure term="Network">
          <span className="tabular-nums">
            {formatRate(live.networkReceiveBytesPerSecond)} in · {formatRate(live.networkTransmitBytesPerSecond)} out
          </span>
        </Figure>
        <Figure term="Uptime">{formatDuration(live.uptimeSeconds)}</Figure>
      </dl>
    </Card>
  );
}

function Figure({ term, children }: { term: ReactNode; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[6rem_1fr] items-start gap-2">
      <dt className="text-muted-foreground">{term}</dt>
      <dd className="grid min-w-0 gap-0.5">{children}</dd>
    </div>
  );
}
