import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import { type ChartColours, useChartColours, withAlpha } from './use-chart-colours';

/** One line of a chart. */
export interface ChartLine {
  label: string;
  values: Array<number | null>;
  /** Picks the line's colour from the theme. */
  colour: keyof ChartColours;
  /** A reference line (a total) is dashed and has no area under it. */
  reference?: boolean;
}

export interface MetricsChartProps {
  /** "CPU" → the figure is named "CPU chart". */
  title: string;
  /** Unix seconds, ascending. */
  timestamps: number[];
  /** The x axis: [start, end] in Unix seconds (the chosen range), not just where the data is. */
  timeWindow: readonly [number, number];
  lines: ChartLine[];
  /** Formats axis ticks, the legend and the spoken summary. */
  formatValue: (value: number) => string;
  /** Real points drawn (gap markers excluded); 0 shows the empty note. */
  pointCount: number;
  /** A fixed y range (CPU: 0–100); otherwise 0 to a little above the largest value. */
  fixedMaximum?: number;
  /** Ticks at 1, 2, 5 × powers of 1024, so byte axes read "512 MiB", not "488 MiB". */
  binaryTicks?: boolean;
  height?: number;
}

const BINARY_TICKS = Array.from({ length: 6 }, (_, power) => [1, 2, 5, 10, 20, 50, 100, 200, 500].map((step) => step * 1024 ** power)).flat();

/**
 * A time-series chart drawn by uPlot. The plot is created once per mount (and again
 * when the theme changes); new data goes in through setData, so a heartbeat does not
 * rebuild it. It follows its container's width, down to a phone's.
 */
export function MetricsChart({ title, timestamps, timeWindow, lines, formatValue, pointCount, fixedMaximum, binaryTicks = false, height = 180 }: MetricsChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const colours = useChartColours();
  const data = useMemo<uPlot.AlignedData>(() => [timestamps, ...lines.map((line) => line.values)], [timestamps, lines]);

  // The plot is built from the latest props without listing them as reasons to rebuild.
  const latest = useRef({ data, lines, formatValue, timeWindow });
  latest.current = { data, lines, formatValue, timeWindow };
  const lineShape = lines.map((line) => `${line.label}:${line.colour}:${line.reference ? 1 : 0}`).join('|');

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const options = chartOptions({
      width: container.clientWidth || 320,
      height,
      colours,
      lines: latest.current.lines,
      format: (value) => latest.current.formatValue(value),
      timeWindow: () => latest.current.timeWindow,
      // A lone sample is no line: draw the points while there are few of them.
      showPoints: pointCount < 3,
      fixedMaximum,
      binaryTicks,
    });
    // Without a 2D canvas (a DOM without one, as in component tests) the figure keeps its summary and count.
    let plot: uPlot | null = null;
    if (canDrawOnCanvas()) {
      try {
        plot = new uPlot(options, latest.current.data, container);
      } catch {
        plot = null;
      }
    }
    plotRef.current = plot;
    const resize = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => plot?.setSize({ width: container.clientWidth || 320, height }));
    resize?.observe(container);
    return () => {
      resize?.disconnect();
      plot?.destroy();
      plotRef.current = null;
    };
  }, [colours, lineShape, height, fixedMaximum, binaryTicks, pointCount < 3]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return (
    <div role="figure" aria-label={`${title} chart`} data-points={pointCount} className="min-w-0 rounded-lg border border-border bg-card p-3">
      <h3 className="mb-2 text-sm font-medium">{title}</h3>
      <div className="relative">
        <div ref={containerRef} className="w-full" aria-hidden />
        {pointCount === 0 && (
          <div className="absolute inset-0 flex items-center justify-center rounded bg-card/80 text-sm text-muted-foreground">No samples in this range yet</div>
        )}
      </div>
      <p className="sr-only">{spokenSummary(lines, formatValue, pointCount)}</p>
    </div>
  );
}

let canvasSupport: boolean | undefined;
function canDrawOnCanvas(): boolean {
  canvasSupport ??= Boolean(document.createElement('canvas').getContext('2d'));
  return canvasSupport;
}

/** What a screen reader hears instead of the canvas: each line's latest value. */
function spokenSummary(lines: ChartLine[], formatValue: (value: number) => string, pointCount: number): string {
  if (pointCount === 0) return 'No samples in this range yet.';
  const latestValues = lines.map((line) => {
    const value = line.values.findLast((candidate) => candidate !== null);
    return `${line.label} ${value === undefined || value === null ? 'unknown' : formatValue(value)}`;
  });
  return `Latest: ${latestValues.join(', ')}. ${pointCount} points.`;
}

function chartOptions({
  width,
  height,
  colours,
  lines,
  format,
  timeWindow,
  showPoints,
  fixedMaximum,
  binaryTicks,
}: {
  width: number;
  height: number;
  colours: ChartColours;
  lines: ChartLine[];
  format: (value: number) => string;
  timeWindow: () => readonly [number, number];
  showPoints: boolean;
  fixedMaximum: number | undefined;
  binaryTicks: boolean;
}): uPlot.Options {
  const axisColours = { stroke: colours.mutedForeground, grid: { stroke: colours.border, width: 1 }, ticks: { stroke: colours.border, width: 1 } };
  return {
    width,
    height,
    // Room above the top tick and right of the last time label, so neither is cut off.
    padding: [12, 24, 0, 0],
    legend: { show: true },
    cursor: { points: { size: 6 } },
    scales: {
      x: { time: true, range: () => [...timeWindow()] as [number, number] },
      y: { range: (_plot, _min, max) => [0, fixedMaximum ?? (max > 0 ? max * 1.1 : 1)] },
    },
    series: [
      {},
      ...lines.map<uPlot.Series>((line) => ({
        label: line.label,
        stroke: colours[line.colour],
        width: line.reference ? 1 : 1.5,
        ...(line.reference ? { dash: [4, 4] } : { fill: withAlpha(colours[line.colour], 0.12) }),
        points: { show: showPoints, size: 5 },
        value: (_plot, value) => (value === null || value === undefined ? '—' : format(value)),
      })),
    ],
    axes: [
      // Time labels ("12:45pm") need more room than uPlot's default spacing on a narrow chart.
      { ...axisColours, space: 70 },
      {
        ...axisColours,
        ...(binaryTicks ? { incrs: BINARY_TICKS } : {}),
        values: (_plot, splits) => splits.map((split) => format(split)),
        // Wide enough for the longest label ("1.5 GiB/s"), at about 7 px a character plus the tick and gap.
        size: (_plot, values) => Math.max(44, ...(values ?? []).map((value) => String(value).length * 7 + 20)),
      },
    ],
  };
}
