import type { AgentMetrics, Page } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { applyLiveEvent } from './hosts-live-cache';
import { type Host, hostKeys } from './hosts-queries';
import { host, liveFigures, metrics, metricsPoint, seededQueryClient } from './hosts-test-fixtures';

const ID = '00000000-0000-7000-8000-000000000001';
const OTHER_ID = '00000000-0000-7000-8000-000000000002';
const READY = { type: 'ready', orgId: '00000000-0000-7000-8000-000000000009', at: '2026-01-01T12:03:00.000Z' } as const;

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

  // Regression: every 'ready' frame refetched all ['hosts'] queries, including the system
  // info (a round trip to the agent) and revoked hosts, whose 404 replaced the revoked banner.
  it('on (re)connection refetches the hosts on screen, but not system info nor anything about a revoked host', () => {
    const queryClient = seeded();
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(ID, '1h'), metrics(ID, [metricsPoint('2026-01-01T11:59:50.000Z')]));
    queryClient.setQueryData(hostKeys.systemInfo(ID), { hostname: 'web-1' });
    queryClient.setQueryData<Host>(hostKeys.detail(OTHER_ID), host({ id: OTHER_ID, name: 'db-1' }));
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(OTHER_ID, '1h'), metrics(OTHER_ID, [metricsPoint('2026-01-01T11:59:50.000Z')]));
    applyLiveEvent(queryClient, { type: 'agent.removed', agentId: OTHER_ID, at: '2026-01-01T12:02:00.000Z' });

    applyLiveEvent(queryClient, READY);

    const invalidated = (key: readonly unknown[]) => queryClient.getQueryState(key)?.isInvalidated;
    expect(invalidated(hostKeys.list())).toBe(true);
    expect(invalidated(hostKeys.detail(ID))).toBe(true);
    expect(invalidated(hostKeys.metrics(ID, '1h'))).toBe(true);
    expect(invalidated(hostKeys.systemInfo(ID))).toBe(false);
    expect(invalidated(hostKeys.detail(OTHER_ID))).toBe(false);
    expect(invalidated(hostKeys.metrics(OTHER_ID, '1h'))).toBe(false);
  });

  it('leaves the metrics of a host revoked in the list alone even when its page was never opened', () => {
    const queryClient = seededQueryClient();
    queryClient.setQueryData<Page<Host>>(hostKeys.list(), { items: [host({ id: ID, name: 'web-1', revokedAt: '2026-01-01T12:02:00.000Z' })], nextCursor: null });
    queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(ID, '24h'), metrics(ID, [metricsPoint('2026-01-01T11:00:00.000Z')], 300));

    applyLiveEvent(queryClient, READY);

    expect(queryClient.getQueryState(hostKeys.metrics(ID, '24h'))?.isInvalidated).toBe(false);
  });
});
