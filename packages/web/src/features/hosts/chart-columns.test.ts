import { describe, expect, it } from 'vitest';
import { chartColumnsOf } from './chart-columns';
import { metrics, metricsPoint } from './hosts-test-fixtures';

describe('chartColumnsOf', () => {
  it('gives uPlot one ascending x column in seconds and one column per figure', () => {
    const columns = chartColumnsOf(
      metrics('id', [metricsPoint('2026-01-01T12:00:10.000Z', { cpuPercent: 30 }), metricsPoint('2026-01-01T12:00:00.000Z', { cpuPercent: 20 })]),
    );
    expect(columns.timestamps).toEqual([Date.parse('2026-01-01T12:00:00Z') / 1000, Date.parse('2026-01-01T12:00:10Z') / 1000]);
    expect(columns.cpuPercent).toEqual([20, 30]);
    expect(columns.pointCount).toBe(2);
  });

  it('breaks the line where the host was silent, without counting the break as a point', () => {
    const columns = chartColumnsOf(metrics('id', [metricsPoint('2026-01-01T12:00:00.000Z'), metricsPoint('2026-01-01T12:30:00.000Z')], 10));
    expect(columns.cpuPercent).toEqual([12, null, 12]);
    expect(columns.pointCount).toBe(2);
  });
});
