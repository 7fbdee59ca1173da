import type { AgentMetrics, LiveEvent, Page } from '@infrapilot/protocol';
import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useLiveEvents } from '../../app/live-socket';
import { type Host, METRIC_RANGES, hostKeys } from './hosts-queries';

/** Keeps the hosts' cached lists, details and 1 h charts current from the live socket, without refetching. */
export function useHostsLiveCache(): void {
  const queryClient = useQueryClient();
  useLiveEvents((event) => applyLiveEvent(queryClient, event));
}

/** Applies one live frame to the query cache (exported for the component tests). */
export function applyLiveEvent(queryClient: QueryClient, event: LiveEvent): void {
  switch (event.type) {
    case 'agent.status_changed':
      updateHost(queryClient, event.agentId, (host) => ({ ...host, status: event.to, connected: event.to === 'active' ? host.connected : false }));
      // Back from offline: whether its command stream is open again is only in the full record.
      if (event.to === 'active') void queryClient.invalidateQueries({ queryKey: hostKeys.detail(event.agentId) });
      break;
    case 'agent.sample':
      updateHost(queryClient, event.agentId, (host) => ({ ...host, live: event.live, lastSeenAt: event.live.collectedAt }));
      appendChartPoint(queryClient, event);
      break;
    case 'agent.removed':
      markHostRevoked(queryClient, event.agentId, event.at);
      break;
    case 'agent.enrolled':
      // A new host: fetch the list once to get its full record.
      void queryClient.invalidateQueries({ queryKey: hostKeys.list() });
      break;
    case 'ready':
      // (Re)connected: frames sent while the socket was not open (down, or not yet open when
      // the page fetched) are lost, so what is on screen is refetched once.
      void queryClient.invalidateQueries({ queryKey: hostKeys.all, predicate: (query) => refetchedOnReconnect(queryClient, query.queryKey) });
      break;
  }
}

/**
 * Which hosts queries a (re)connection refetches: not the system info (each one is a
 * round trip to the agent, and the frames do not change it), and nothing about a host
 * this tab saw revoked (the API now answers 404 for it, which would replace the revoked
 * banner with "Not found").
 */
function refetchedOnReconnect(queryClient: QueryClient, queryKey: QueryKey): boolean {
  const [, kind, id] = queryKey;
  if (kind === 'system-info') return false;
  if ((kind === 'detail' || kind === 'metrics') && typeof id === 'string') return !isRevokedHere(queryClient, id);
  return true;
}

/** Whether this tab saw the host revoked (its cached record, in its page or in the list, says so). */
function isRevokedHere(queryClient: QueryClient, id: string): boolean {
  if (queryClient.getQueryData<Host>(hostKeys.detail(id))?.revokedAt) return true;
  return Boolean(queryClient.getQueryData<Page<Host>>(hostKeys.list())?.items.some((host) => host.id === id && host.revokedAt));
}

/** Marks a host revoked in the list and its detail, so both grey it out until the page reloads. */
export function markHostRevoked(queryClient: QueryClient, id: string, at: string): void {
  updateHost(queryClient, id, (host) => ({ ...host, revokedAt: host.revokedAt ?? at, connected: false }));
}

function updateHost(queryClient: QueryClient, id: string, change: (host: Host) => Host): void {
  queryClient.setQueryData<Page<Host>>(hostKeys.list(), (page) =>
    page ? { ...page, items: page.items.map((host) => (host.id === id ? change(host) : host)) } : page,
  );
  queryClient.setQueryData<Host>(hostKeys.detail(id), (host) => (host ? change(host) : host));
}

/** The 1 h chart gets each new sample as a point; longer ranges are averaged server-side and refetched when opened. */
function appendChartPoint(queryClient: QueryClient, event: Extract<LiveEvent, { type: 'agent.sample' }>): void {
  queryClient.setQueryData<AgentMetrics>(hostKeys.metrics(event.agentId, '1h'), (metrics) => {
    if (!metrics) return metrics;
    const oldest = Date.parse(event.point.at) - METRIC_RANGES['1h'].seconds * 1000;
    return {
      ...metrics,
      to: event.point.at,
      points: [...metrics.points.filter((point) => Date.parse(point.at) >= oldest), event.point],
    };
  });
}
