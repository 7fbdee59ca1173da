import type { Agent, AgentMetrics, AgentSystemInfo, Page } from '@infrapilot/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api';

/** A host as the pages show it: the API's agent, plus when this tab saw it revoked. */
export type Host = Agent & { revokedAt?: string };

/** The chart ranges the detail page offers, with the step that keeps each near 300 points. */
export const METRIC_RANGES = {
  '1h': { label: '1 h', seconds: 3_600, stepSeconds: 10 },
  '24h': { label: '24 h', seconds: 86_400, stepSeconds: 300 },
  '7d': { label: '7 d', seconds: 7 * 86_400, stepSeconds: 1_800 },
} as const;
export type MetricRange = keyof typeof METRIC_RANGES;

export const hostKeys = {
  all: ['hosts'] as const,
  list: () => ['hosts', 'list'] as const,
  detail: (id: string) => ['hosts', 'detail', id] as const,
  metrics: (id: string, range: MetricRange) => ['hosts', 'metrics', id, range] as const,
  systemInfo: (id: string) => ['hosts', 'system-info', id] as const,
};

/**
 * Every host of the org (the API pages by 100; a homelab has fewer). The API leaves
 * revoked hosts out; hosts this tab saw revoked stay in the list until the page reloads,
 * so a refetch (after an enrollment, say) does not make them vanish without a word.
 */
export function useHosts() {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: hostKeys.list(),
    queryFn: async (): Promise<Page<Host>> => {
      const items: Host[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.agents.list({ limit: 100, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const listed = new Set(items.map((host) => host.id));
      const revokedHere = queryClient.getQueryData<Page<Host>>(hostKeys.list())?.items.filter((host) => host.revokedAt && !listed.has(host.id)) ?? [];
      return { items: [...items, ...revokedHere], nextCursor: null };
    },
  });
}

/**
 * One host. Opened from the list, it shows the list's record at once (and refetches it
 * when that is stale). A host this tab saw revoked is not asked for again: the API
 * answers 404 for it now, and the page shows it as revoked instead.
 */
export function useHost(id: string) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: hostKeys.detail(id),
    queryFn: (): Promise<Host> => api.agents.get(id),
    initialData: () => queryClient.getQueryData<Page<Host>>(hostKeys.list())?.items.find((host) => host.id === id),
    initialDataUpdatedAt: () => queryClient.getQueryState(hostKeys.list())?.dataUpdatedAt,
    enabled: (query) => !query.state.data?.revokedAt,
  });
}

export function useHostMetrics(id: string, range: MetricRange) {
  return useQuery({
    queryKey: hostKeys.metrics(id, range),
    queryFn: (): Promise<AgentMetrics> => {
      const { seconds, stepSeconds } = METRIC_RANGES[range];
      const to = Date.now();
      return api.agents.metrics(id, { from: new Date(to - seconds * 1000).toISOString(), to: new Date(to).toISOString(), step: stepSeconds });
    },
  });
}

/** What the host reports about itself; only asked while it is active (anything else answers 503). */
export function useHostSystemInfo(id: string, enabled: boolean) {
  return useQuery({
    queryKey: hostKeys.systemInfo(id),
    queryFn: (): Promise<AgentSystemInfo> => api.agents.systemInfo(id),
    enabled,
    // A host that just went away will not answer a second time either; the person can retry.
    retry: false,
  });
}
