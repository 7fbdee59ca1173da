import type { AgentMetrics, Page } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { applyLiveEvent } from './hosts-live-cache';
import { type Host, hostKeys } from './hosts-queries';
import { host, liveFigures, metrics, metricsPoint, seededQueryClient } from './hosts-test-fixtures';

const ID = '00000000-0000-7000-8000-000000000001';
const OTHER_ID = '00000000-0000-7000-8000-000000000002';

function seeded() {
  const queryClient = seededQueryClient();
  queryClient.setQueryData<Page<Host>>(hostKeys.list(), {
    items: [host({ id: ID, name: 'web-1' }), host({ id: OTHER_ID, name: 'db-1' })],
    nextCursor: null,
  });
  queryClient.setQueryData<Host>(hostKeys.detail(ID), host({ id: ID, name: 'web-1' }));
  return queryClient;
}

describe('applyLiveEvent', () => {
  it('changes a cached host status in the list and on its page, and marks it disconnected when it goes offline', () => {
    const queryClient = seeded();
    applyLiveEvent(queryClient, { type: 'agent.status_changed', agentId: ID, from: 'active', to: 'offline', at: '2026-01-01T12:01:00.000Z' });

    const list = queryClient.getQueryData<Page<Host>>(hostKeys.list())!;
    expect(list.items.find((item) => item.id === ID)).toMatchObject({ status: 'offline', connected: false });
    expect(list.items.find((item) => item.id === OTHER_ID)).toMatchObject({ status: 'active', connected: true });
    expect(queryClient.getQueryData<Host>(hostKeys.detail(ID))).toMatchObject({ status: 'offline', connected: false });
  });

  it('puts a sample into the host figures and appends it to the 1 h chart, dropping points older than an hour', () => {
    const queryClient = seeded();
    queryClient.setQueryData<AgentMetrics>(
      hostKeys.metrics(ID, '1h'),
      metrics(ID, [metricsPoint('2026-01-01T10:59:00.000Z'), metricsPoint('2026-01-01T11:30:00.000Z')]),
    );
    const live = liveFigures({ collectedAt: '2026-01-01T12:00:10.000Z', cpuPercent: 77 });
    applyLiveEvent(queryClient, { type: 'agent.sample', agentId: ID, live, point: metricsPoint('2026-01-01T12:00:10.000Z', { cpuPercent: 77 }) });

    expect(queryClient.getQueryData<Host>(hostKeys.detail(ID))).toMatchObject({ live: { cpuPercent: 77 }, lastSeenAt: '2026-01-01T12:00:10.000Z' });
    const chart = queryClient.getQueryData<AgentMetrics>(hostKeys.metrics(ID, '1h'))!;
    expect(chart.points.map((point) => point.at)).toEqual(['2026-01-01T11:30:00.000Z', '2026-01-01T12:00:10.000Z']);
    expect(chart.points.at(-1)?.cpuPercent).toBe(77);
    expect(chart.to).toBe('2026-01-01T12:00:10.000Z');
  });

  it('leaves the longer ranges alone: they are averaged by the server and refetched when opened', () => {
    const queryClient = seeded();
    const day = metrics(ID, [metricsPoint('2026-01-01T11:00:00.000Z')], 300);
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(ID, '24h'), day);
    applyLiveEvent(queryClient, { type: 'agent.sample', agentId: ID, live: liveFigures(), point: metricsPoint('2026-01-01T12:00:10.000Z') });
    expect(queryClient.getQueryData<AgentMetrics>(hostKeys.metrics(ID, '24h'))).toEqual(day);
  });

  it('marks a removed host revoked instead of dropping it', () => {
    const queryClient = seeded();
    applyLiveEvent(queryClient, { type: 'agent.removed', agentId: ID, at: '2026-01-01T12:02:00.000Z' });
    expect(queryClient.getQueryData<Page<Host>>(hostKeys.list())!.items).toHaveLength(2);
    expect(queryClient.getQueryData<Host>(hostKeys.detail(ID))).toMatchObject({ revokedAt: '2026-01-01T12:02:00.000Z', connected: false });
  });
});
