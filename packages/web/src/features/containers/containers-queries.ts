import type { Container, ContainerDetail, ContainerStats, DockerEngine, Image, Network, Stack, Volume } from '@infrapilot/protocol';
import { type QueryClient, useQuery } from '@tanstack/react-query';
import { useDockerApi } from './docker-api';

/** Every container of the org with each host's Docker status: what the list, the host page and the filters read. */
export interface ContainerListData {
  items: Container[];
  engines: DockerEngine[];
}

/** A container's inspect as the page shows it, plus when this tab saw it removed. */
export type ContainerDetailView = ContainerDetail & { removedAt?: string };

export const containerKeys = {
  all: ['containers'] as const,
  list: () => ['containers', 'list'] as const,
  details: (agentId: string) => ['containers', 'detail', agentId] as const,
  detail: (agentId: string, container: string) => ['containers', 'detail', agentId, container] as const,
  stats: (agentId: string, container: string) => ['containers', 'stats', agentId, container] as const,
  stacks: () => ['containers', 'stacks'] as const,
  images: (agentId: string) => ['containers', 'images', agentId] as const,
  volumes: (agentId: string) => ['containers', 'volumes', agentId] as const,
  networks: (agentId: string) => ['containers', 'networks', agentId] as const,
};

/** CPU and memory come from heartbeats, not events: the list is refetched this often while shown. */
export const CONTAINER_LIST_REFRESH_MS = 15_000;
const PAGE_SIZE = 500;
/** A homelab has a few hundred containers; this bounds a runaway loop, not a real fleet. */
const MOST_PAGES = 20;

/**
 * Every container of every host, read in pages of 500. One list for the whole app: the
 * filters (host, stack, state, name) apply in the browser, so typing in the search box
 * does not ask the server, and a live event patches one cache entry.
 */
export function useContainerList() {
  const { containers } = useDockerApi();
  return useQuery({
    queryKey: containerKeys.list(),
    queryFn: async (): Promise<ContainerListData> => {
      const items: Container[] = [];
      let engines: DockerEngine[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await containers.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        engines = page.engines;
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < MOST_PAGES);
      return { items, engines };
    },
    refetchInterval: CONTAINER_LIST_REFRESH_MS,
  });
}

/** One container's inspect (a round trip to its agent). */
export function useContainerDetail(agentId: string, container: string) {
  const { containers } = useDockerApi();
  return useQuery({
    queryKey: containerKeys.detail(agentId, container),
    queryFn: (): Promise<ContainerDetailView> => containers.get(agentId, container),
    // A container this tab saw removed answers 404 now; the page says "removed" instead.
    enabled: (query) => !query.state.data?.removedAt,
  });
}

/** How often the Stats tab asks for a new reading. */
export const STATS_INTERVAL_MS = 2_000;

/** The container's current figures, read every 2 s while the Stats tab is open (and the browser tab visible). */
export function useContainerStats(agentId: string, container: string, enabled: boolean) {
  const { containers } = useDockerApi();
  return useQuery({
    queryKey: containerKeys.stats(agentId, container),
    queryFn: (): Promise<ContainerStats> => containers.stats(agentId, container),
    enabled,
    refetchInterval: STATS_INTERVAL_MS,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
}

export function useStacks() {
  const { stacks } = useDockerApi();
  return useQuery({
    queryKey: containerKeys.stacks(),
    queryFn: async (): Promise<Stack[]> => (await stacks.list()).items,
    refetchInterval: CONTAINER_LIST_REFRESH_MS,
  });
}

export function useImages(agentId: string) {
  const { docker } = useDockerApi();
  return useQuery({ queryKey: containerKeys.images(agentId), queryFn: async (): Promise<Image[]> => (await docker.images(agentId)).items, retry: false });
}

export function useVolumes(agentId: string) {
  const { docker } = useDockerApi();
  return useQuery({ queryKey: containerKeys.volumes(agentId), queryFn: async (): Promise<Volume[]> => (await docker.volumes(agentId)).items, retry: false });
}

export function useNetworks(agentId: string) {
  const { docker } = useDockerApi();
  return useQuery({ queryKey: containerKeys.networks(agentId), queryFn: async (): Promise<Network[]> => (await docker.networks(agentId)).items, retry: false });
}

/** Whether two records are the same Docker container (the row id may change when the server re-reads a host). */
export function sameContainer(left: Pick<Container, 'agentId' | 'containerId'>, right: Pick<Container, 'agentId' | 'containerId'>): boolean {
  return left.agentId === right.agentId && left.containerId === right.containerId;
}

/** Puts a container's new record into the list (adding it when new) and into its open detail page. */
export function upsertContainer(queryClient: QueryClient, container: Container): void {
  queryClient.setQueryData<ContainerListData>(containerKeys.list(), (list) => {
    if (!list) return list;
    const present = list.items.some((item) => sameContainer(item, container));
    return { ...list, items: present ? list.items.map((item) => (sameContainer(item, container) ? container : item)) : [...list.items, container] };
  });
  updateDetails(queryClient, container.agentId, container.containerId, (detail) => ({
    ...detail,
    state: container.state,
    restartCount: container.restartCount,
    exitCode: container.exitCode,
    startedAt: container.startedAt,
    health: detail.health && container.health ? { ...detail.health, status: container.health } : detail.health,
  }));
}

/** Takes a removed container out of the list; its open page keeps it, marked removed. */
export function dropContainer(queryClient: QueryClient, agentId: string, containerId: string, at: string): void {
  queryClient.setQueryData<ContainerListData>(containerKeys.list(), (list) =>
    list ? { ...list, items: list.items.filter((item) => !sameContainer(item, { agentId, containerId })) } : list,
  );
  updateDetails(queryClient, agentId, containerId, (detail) => ({ ...detail, removedAt: detail.removedAt ?? at }));
}

/**
 * Applies a change to every cached detail page of one container, whichever way its URL
 * named it (name, id or id prefix): the cached inspect's full id says which it is.
 */
function updateDetails(queryClient: QueryClient, agentId: string, containerId: string, change: (detail: ContainerDetailView) => ContainerDetailView): void {
  for (const [queryKey, detail] of queryClient.getQueriesData<ContainerDetailView>({ queryKey: containerKeys.details(agentId) })) {
    if (detail?.containerId === containerId) queryClient.setQueryData<ContainerDetailView>(queryKey, change(detail));
  }
}

/** The cached detail pages of one container (to refetch them after an event). */
export function detailKeysOf(queryClient: QueryClient, agentId: string, containerId: string) {
  return queryClient
    .getQueriesData<ContainerDetailView>({ queryKey: containerKeys.details(agentId) })
    .filter(([, detail]) => detail?.containerId === containerId)
    .map(([queryKey]) => queryKey);
}
