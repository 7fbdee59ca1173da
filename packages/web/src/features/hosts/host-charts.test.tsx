import type { AgentMetrics } from '@infrapilot/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { HostCharts } from './host-charts';
import { applyLiveEvent } from './hosts-live-cache';
import { hostKeys } from './hosts-queries';
import { liveFigures, metrics, metricsPoint, seededQueryClient } from './hosts-test-fixtures';

const ID = '00000000-0000-7000-8000-000000000001';
const FIGURES = ['CPU chart', 'Memory chart', 'Disk chart', 'Network chart', 'Load chart'];

function pointsShown(): Record<string, string | null> {
  return Object.fromEntries(FIGURES.map((name) => [name, screen.getByRole('figure', { name }).getAttribute('data-points')]));
}

describe('host charts', () => {
  it('draws the five figures of the open range and adds each live sample to the 1 h charts', async () => {
    const queryClient = seededQueryClient();
    queryClient.setQueryData<AgentMetrics>(
      hostKeys.metrics(ID, '1h'),
      metrics(ID, [metricsPoint('2026-01-01T11:59:50.000Z'), metricsPoint('2026-01-01T12:00:00.000Z', { cpuPercent: 40 })]),
    );
    render(
      <QueryClientProvider client={queryClient}>
        <HostCharts hostId={ID} />
      </QueryClientProvider>,
    );
    expect(Object.values(pointsShown())).toEqual(['2', '2', '2', '2', '2']);
    expect(screen.getByRole('figure', { name: 'CPU chart' }).textContent).toContain('Latest: CPU 40%');

    applyLiveEvent(queryClient, {
      type: 'agent.sample',
      agentId: ID,
      live: liveFigures({ collectedAt: '2026-01-01T12:00:10.000Z' }),
      point: metricsPoint('2026-01-01T12:00:10.000Z', { cpuPercent: 55 }),
    });
    await waitFor(() => expect(Object.values(pointsShown())).toEqual(['3', '3', '3', '3', '3']));
    expect(screen.getByRole('figure', { name: 'CPU chart' }).textContent).toContain('Latest: CPU 55%');
  });

  it('says so when a range has no samples yet', async () => {
    const user = userEvent.setup();
    const queryClient = seededQueryClient();
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(ID, '1h'), metrics(ID, [metricsPoint('2026-01-01T12:00:00.000Z')]));
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(ID, '7d'), metrics(ID, [], 1800));
    render(
      <QueryClientProvider client={queryClient}>
        <HostCharts hostId={ID} />
      </QueryClientProvider>,
    );
    await user.click(screen.getByRole('tab', { name: '7 d' }));
    expect(Object.values(pointsShown())).toEqual(['0', '0', '0', '0', '0']);
    expect(screen.getAllByText('No samples in this range yet')).not.toHaveLength(0);
  });
});
