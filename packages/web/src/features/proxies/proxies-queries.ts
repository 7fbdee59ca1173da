import type { Agent, Certificate, Container, Page, ProxyConfig, ProxyHost, ProxyServer } from '@infrapilot/protocol';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useProxyApi } from './proxy-api';

export const proxyKeys = {
  all: ['proxies'] as const,
  list: () => ['proxies', 'list'] as const,
  detail: (agentId: string, proxyHostId: string) => ['proxies', 'detail', agentId, proxyHostId] as const,
  config: (agentId: string, proxyHostId: string) => ['proxies', 'config', agentId, proxyHostId] as const,
  server: (agentId: string) => ['proxies', 'server', agentId] as const,
  hosts: () => ['proxies', 'hosts'] as const,
  containers: (agentId: string) => ['proxies', 'containers', agentId] as const,
};

export const certificateKeys = {
  all: ['certificates'] as const,
  list: () => ['certificates', 'list'] as const,
  acme: () => ['certificates', 'acme'] as const,
};

/**
 * While an ACME order runs, its outcome may arrive as a live event; this refetch is the
 * safety net when the socket is down (or the server sends none), and stops once nothing
 * is pending.
 */
export const PENDING_REFRESH_MS = 10_000;
const PAGE_SIZE = 200;
/** A homelab has tens of proxy hosts; this bounds a runaway loop, not a real fleet. */
const MOST_PAGES = 20;

/** Every page of a list the API serves with `?limit=&cursor=`. */
async function readAll<T>(read: (query: { limit: number; cursor?: string }) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < MOST_PAGES);
  return items;
}

function proxyHostPending(host: ProxyHost): boolean {
  return host.certificate?.status === 'pending';
}

/** Every proxy host of the org, on every host; filtered by host in the browser. */
export function useProxyHosts() {
  const { proxies } = useProxyApi();
  return useQuery({
    queryKey: proxyKeys.list(),
    queryFn: (): Promise<ProxyHost[]> => readAll((query) => proxies.list(query)),
    refetchInterval: (query) => (query.state.data?.some(proxyHostPending) ? PENDING_REFRESH_MS : false),
  });
}

/**
 * Proxy hosts this tab is deleting, per query cache. Their page's queries stop refetching
 * as the request starts: the live event of the deletion can arrive before the reply, and
 * a refetch then would only answer 404 while the page is being left.
 */
const beingDeleted = new WeakMap<QueryClient, Set<string>>();

function isBeingDeleted(queryClient: QueryClient, proxyHostId: string): boolean {
  return beingDeleted.get(queryClient)?.has(proxyHostId) ?? false;
}

/** Deletes a proxy host with its page's queries held still meanwhile (and after, once it is gone). */
export async function deletingProxyHost<T>(queryClient: QueryClient, proxyHostId: string, remove: () => Promise<T>): Promise<T> {
  const ids = beingDeleted.get(queryClient) ?? new Set<string>();
  beingDeleted.set(queryClient, ids.add(proxyHostId));
  try {
    return await remove();
  } catch (error) {
    ids.delete(proxyHostId);
    throw error;
  }
}

/** One proxy host. Opened from the list, it shows the list's record at once. */
export function useProxyHost(agentId: string, proxyHostId: string) {
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: proxyKeys.detail(agentId, proxyHostId),
    queryFn: (): Promise<ProxyHost> => proxies.get(agentId, proxyHostId),
    initialData: () => queryClient.getQueryData<ProxyHost[]>(proxyKeys.list())?.find((host) => host.id === proxyHostId && host.agentId === agentId),
    initialDataUpdatedAt: () => queryClient.getQueryState(proxyKeys.list())?.dataUpdatedAt,
    enabled: () => !isBeingDeleted(queryClient, proxyHostId),
    refetchInterval: (query) => (query.state.data && proxyHostPending(query.state.data) ? PENDING_REFRESH_MS : false),
  });
}

/** The nginx file as rendered now, with the stored and live hashes (a round trip to the agent). */
export function useProxyConfig(agentId: string, proxyHostId: string, enabled: boolean) {
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: proxyKeys.config(agentId, proxyHostId),
    queryFn: (): Promise<ProxyConfig> => proxies.config(agentId, proxyHostId),
    enabled: () => enabled && !isBeingDeleted(queryClient, proxyHostId),
    retry: false,
  });
}

/** The host's nginx as its agent last reported it (the form warns when it is missing). */
export function useProxyServer(agentId: string) {
  const { proxies } = useProxyApi();
  return useQuery({
    queryKey: proxyKeys.server(agentId),
    queryFn: (): Promise<ProxyServer> => proxies.server(agentId),
    enabled: agentId !== '',
    retry: false,
  });
}

/** The hosts a proxy host can live on. */
export function useProxyHostChoices() {
  const { agents } = useProxyApi();
  return useQuery({
    queryKey: proxyKeys.hosts(),
    queryFn: (): Promise<Agent[]> => readAll((query) => agents.list(query)),
  });
}

/** A host's containers, for the upstream picker. */
export function useHostContainers(agentId: string, enabled: boolean) {
  const { containers } = useProxyApi();
  return useQuery({
    queryKey: proxyKeys.containers(agentId),
    queryFn: (): Promise<Container[]> => readAll((query) => containers.listOnHost(agentId, query)),
    enabled: enabled && agentId !== '',
    retry: false,
  });
}

/** Every certificate of the org. */
export function useCertificates() {
  const { certificates } = useProxyApi();
  return useQuery({
    queryKey: certificateKeys.list(),
    queryFn: (): Promise<Certificate[]> => readAll((query) => certificates.list(query)),
    refetchInterval: (query) => (query.state.data?.some((certificate) => certificate.status === 'pending') ? PENDING_REFRESH_MS : false),
  });
}

/** The ACME CA the server issues from. */
export function useAcmeSettings() {
  const { certificates } = useProxyApi();
  return useQuery({ queryKey: certificateKeys.acme(), queryFn: () => certificates.acmeSettings(), retry: false });
}

/** After any change to a proxy host or certificate: both lists and every open page read again. */
export function invalidateProxiesAndCertificates(queryClient: QueryClient): Promise<unknown> {
  return Promise.all([queryClient.invalidateQueries({ queryKey: proxyKeys.all }), queryClient.invalidateQueries({ queryKey: certificateKeys.all })]);
}

/** Puts a proxy host the server just answered with into the list and its page. */
export function storeProxyHost(queryClient: QueryClient, host: ProxyHost): void {
  queryClient.setQueryData<ProxyHost>(proxyKeys.detail(host.agentId, host.id), host);
  queryClient.setQueryData<ProxyHost[]>(proxyKeys.list(), (list) =>
    list ? (list.some((item) => item.id === host.id) ? list.map((item) => (item.id === host.id ? host : item)) : [...list, host]) : list,
  );
}
