import type { ContainerStats } from '@infrapilot/protocol';
import { useEffect, useMemo, useState } from 'react';
import { Card } from '../../../components/ui/card';
import { DescriptionItem } from '../../../components/ui/description-list';
import { ErrorState, Loading } from '../../../components/ui/states';
import { formatBytes, formatPercent } from '../../../lib/format';
import { type ChartLine, MetricsChart } from '../../hosts/metrics-chart';
import { STATS_INTERVAL_MS, useContainerStats } from '../containers-queries';

/** Five minutes of 2-second readings. */
const MOST_READINGS = 150;
const WINDOW_SECONDS = (MOST_READINGS * STATS_INTERVAL_MS) / 1000;

/**
 * Live CPU and memory of a running container: a reading every 2 s while this tab is
 * open (and the browser tab visible), drawn as it comes; nothing is stored server-side.
 */
export function ContainerStatsPanel({ agentId, container, running }: { agentId: string; container: string; running: boolean }) {
  const stats = useContainerStats(agentId, container, running);
  const [readings, setReadings] = useState<ContainerStats[]>([]);
  useEffect(() => {
    const reading = stats.data;
    if (!reading) return;
    setReadings((current) => (current.at(-1)?.readAt === reading.readAt ? current : [...current, reading].slice(-MOST_READINGS)));
  }, [stats.data]);

  const chart = useMemo(() => {
    const timestamps = readings.map((reading) => Date.parse(reading.readAt) / 1000);
    const cpu: ChartLine[] = [{ label: 'CPU', values: readings.map((reading) => reading.cpuPercent), colour: 'primary' }];
    const memory: ChartLine[] = [
      { label: 'Used', values: readings.map((reading) => reading.memoryBytes), colour: 'primary' },
      { label: 'Limit', values: readings.map((reading) => (reading.memoryLimitBytes > 0 ? reading.memoryLimitBytes : null)), colour: 'mutedForeground', reference: true },
    ];
    const end = timestamps.at(-1) ?? Date.now() / 1000;
    return { timestamps, cpu, memory, timeWindow: [end - WINDOW_SECONDS, end] as const };
  }, [readings]);

  if (!running) return <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">Figures are read while the container runs. Start it to see them.</p>;
  if (readings.length === 0 && stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />;
  if (readings.length === 0) return <Loading label="Reading the container's figures…" />;
  const latest = readings.at(-1)!;
  // A busy container can use more than one core (over 100 %): the axis grows with it.
  const cpuMaximum = Math.max(100, ...readings.map((reading) => reading.cpuPercent));
  return (
    <div className="grid gap-4">
      <div className="grid gap-3 lg:grid-cols-2">
        <MetricsChart title="CPU" timestamps={chart.timestamps} timeWindow={chart.timeWindow} lines={chart.cpu} formatValue={formatPercent} pointCount={readings.length} fixedMaximum={cpuMaximum} />
        <MetricsChart title="Memory" timestamps={chart.timestamps} timeWindow={chart.timeWindow} lines={chart.memory} formatValue={formatBytes} pointCount={readings.length} binaryTicks />
      </div>
      <Card>
        <dl className="grid grid-cols-[10rem_1fr] gap-2 text-sm sm:grid-cols-[10rem_1fr_10rem_1fr]">
          <DescriptionItem term="CPU">{formatPercent(latest.cpuPercent)}</DescriptionItem>
          <DescriptionItem term="Memory">
            {formatBytes(latest.memoryBytes)}
            {latest.memoryLimitBytes > 0 && ` of ${formatBytes(latest.memoryLimitBytes)}`}
          </DescriptionItem>
          <DescriptionItem term="Network in / out">
            {formatBytes(latest.networkReceiveBytes)} / {formatBytes(latest.networkTransmitBytes)}
          </DescriptionItem>
          <DescriptionItem term="Disk read / written">
            {formatBytes(latest.blockReadBytes)} / {formatBytes(latest.blockWriteBytes)}
          </DescriptionItem>
          <DescriptionItem term="Processes">{latest.pids}</DescriptionItem>
        </dl>
        {stats.isError && (
          <p role="status" className="mt-2 text-sm text-destructive">
            The last reading failed; retrying every {STATS_INTERVAL_MS / 1000} seconds.
          </p>
        )}
      </Card>
    </div>
  );
}
