import type { AgentMetrics } from '@infrapilot/protocol';

/** The metrics as uPlot wants them: one x column (Unix seconds) and one column per figure. */
export interface ChartColumns {
  timestamps: number[];
  cpuPercent: Array<number | null>;
  memoryUsedBytes: Array<number | null>;
  memoryTotalBytes: Array<number | null>;
  diskUsedBytes: Array<number | null>;
  receiveBytesPerSecond: Array<number | null>;
  transmitBytesPerSecond: Array<number | null>;
  loadAverage1m: Array<number | null>;
  /** Real points, without the gap markers. */
  pointCount: number;
}

/** Anything shorter is jitter between heartbeats, not an outage worth breaking the line for. */
const SHORTEST_GAP_SECONDS = 120;

/**
 * Turns the API's points into columns, adding an empty point where the host was silent
 * for a while, so the line breaks there instead of drawing a straight line over the outage.
 */
export function chartColumnsOf(metrics: AgentMetrics): ChartColumns {
  const columns: ChartColumns = {
    timestamps: [],
    cpuPercent: [],
    memoryUsedBytes: [],
    memoryTotalBytes: [],
    diskUsedBytes: [],
    receiveBytesPerSecond: [],
    transmitBytesPerSecond: [],
    loadAverage1m: [],
    pointCount: metrics.points.length,
  };
  const gapSeconds = Math.max(3 * metrics.stepSeconds, SHORTEST_GAP_SECONDS);
  // Live samples are appended after the server's buckets; keep the x column ascending whatever happens.
  const points = [...metrics.points].sort((left, right) => Date.parse(left.at) - Date.parse(right.at));
  let previous: number | null = null;
  for (const point of points) {
    const at = Date.parse(point.at) / 1000;
    if (previous !== null && at - previous > gapSeconds) push(columns, previous + gapSeconds / 2, null);
    push(columns, at, point);
    previous = at;
  }
  return columns;
}

function push(columns: ChartColumns, at: number, point: AgentMetrics['points'][number] | null): void {
  columns.timestamps.push(at);
  columns.cpuPercent.push(point?.cpuPercent ?? null);
  columns.memoryUsedBytes.push(point?.memoryUsedBytes ?? null);
  columns.memoryTotalBytes.push(point?.memoryTotalBytes ?? null);
  columns.diskUsedBytes.push(point?.diskUsedBytes ?? null);
  columns.receiveBytesPerSecond.push(point?.networkReceiveBytesPerSecond ?? null);
  columns.transmitBytesPerSecond.push(point?.networkTransmitBytesPerSecond ?? null);
  columns.loadAverage1m.push(point?.loadAverage1m ?? null);
}
