import { useMemo, useState } from 'react';
import { Card } from '../../components/ui/card';
import { ErrorState, Loading } from '../../components/ui/states';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../components/ui/tabs';
import { formatBytes, formatPercent, formatRate } from '../../lib/format';
import { chartColumnsOf } from './chart-columns';
import { METRIC_RANGES, type MetricRange, useHostMetrics } from './hosts-queries';
import { type ChartLine, MetricsChart } from './metrics-chart';

const RANGES = Object.keys(METRIC_RANGES) as MetricRange[];

const formatLoad = (value: number) => value.toFixed(2);

/** CPU, memory, disk, network and load over the chosen range; only the open range is fetched. */
export function HostCharts({ hostId }: { hostId: string }) {
  const [range, setRange] = useState<MetricRange>('1h');
  return (
    <Card>
      <Tabs value={range} onValueChange={(value) => setRange(value as MetricRange)}>
        <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
          <h2 className="text-base font-semibold">History</h2>
          <TabsList aria-label="Time range">
            {RANGES.map((key) => (
              <TabsTrigger key={key} value={key}>
                {METRIC_RANGES[key].label}
              </TabsTrigger>
            ))}
          </TabsList>
        </div>
        {RANGES.map((key) => (
          <TabsContent key={key} value={key} className="focus-visible:outline-2 focus-visible:outline-ring">
            <RangeCharts hostId={hostId} range={key} />
          </TabsContent>
        ))}
      </Tabs>
    </Card>
  );
}

function RangeCharts({ hostId, range }: { hostId: string; range: MetricRange }) {
  const metrics = useHostMetrics(hostId, range);
  // Recomputed only when the cached metrics change (a new heartbeat on the 1 h range).
  const charts = useMemo(() => {
    if (!metrics.data) return null;
    const columns = chartColumnsOf(metrics.data);
    const lines = (...chartLines: ChartLine[]) => chartLines;
    return {
      columns,
      cpu: lines({ label: 'CPU', values: columns.cpuPercent, colour: 'primary' }),
      memory: lines(
        { label: 'Used', values: columns.memoryUsedBytes, colour: 'primary' },
        { label: 'Total', values: columns.memoryTotalBytes, colour: 'mutedForeground', reference: true },
      ),
      disk: lines({ label: 'Used', values: columns.diskUsedBytes, colour: 'warning' }),
      network: lines(
        { label: 'Received', values: columns.receiveBytesPerSecond, colour: 'primary' },
        { label: 'Sent', values: columns.transmitBytesPerSecond, colour: 'success' },
      ),
      load: lines({ label: 'Load (1 min)', values: columns.loadAverage1m, colour: 'primary' }),
    };
  }, [metrics.data]);

  if (metrics.isPending) return <Loading label="Loading charts…" />;
  if (metrics.isError) return <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} />;
  if (!charts) return null;
  const { timestamps, pointCount } = charts.columns;
  // The x axis always spans the chosen range, ending at the newest data, however few points there are.
  const endSeconds = Math.max(Date.parse(metrics.data.to) / 1000, timestamps.at(-1) ?? 0);
  const common = { timestamps, pointCount, timeWindow: [endSeconds - METRIC_RANGES[range].seconds, endSeconds] as const };
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <MetricsChart title="CPU" {...common} lines={charts.cpu} formatValue={formatPercent} fixedMaximum={100} />
      <MetricsChart title="Memory" {...common} lines={charts.memory} formatValue={formatBytes} binaryTicks />
      <MetricsChart title="Disk" {...common} lines={charts.disk} formatValue={formatBytes} binaryTicks />
      <MetricsChart title="Network" {...common} lines={charts.network} formatValue={formatRate} binaryTicks />
      <MetricsChart title="Load" {...common} lines={charts.load} formatValue={formatLoad} />
    </div>
  );
}
