import type { Container, ContainerState, DockerEngine } from '@infrapilot/protocol';
import { CONTAINER_STATES } from '../container-format';

/** The list's filters as they live in the URL (?host=&stack=&state=&q=), so a filtered view can be linked and shared. */
export interface ContainerFilters {
  /** A host (agent) id. */
  host: string;
  stack: string;
  state: ContainerState | '';
  /** Part of the name, image or id. */
  q: string;
}

export const FILTER_NAMES = ['host', 'stack', 'state', 'q'] as const satisfies ReadonlyArray<keyof ContainerFilters>;

export function filtersFromSearchParams(params: URLSearchParams): ContainerFilters {
  const state = params.get('state') ?? '';
  return {
    host: params.get('host') ?? '',
    stack: params.get('stack') ?? '',
    state: (CONTAINER_STATES as readonly string[]).includes(state) ? (state as ContainerState) : '',
    q: params.get('q') ?? '',
  };
}

export function hasFilters(filters: ContainerFilters): boolean {
  return FILTER_NAMES.some((name) => filters[name] !== '');
}

/** The containers the filters let through, by host, then stack, then name. */
export function filterContainers(items: readonly Container[], filters: ContainerFilters): Container[] {
  const text = filters.q.trim().toLowerCase();
  return items
    .filter(
      (item) =>
        (!filters.host || item.agentId === filters.host) &&
        (!filters.stack || item.stack === filters.stack) &&
        (!filters.state || item.state === filters.state) &&
        (!text || item.name.toLowerCase().includes(text) || item.image.toLowerCase().includes(text) || item.containerId.startsWith(text)),
    )
    .sort(
      (left, right) =>
        left.agentName.localeCompare(right.agentName) || (left.stack ?? '').localeCompare(right.stack ?? '') || left.name.localeCompare(right.name),
    );
}

/** The hosts to choose from: every host that reports Docker, and any host a container is on. */
export function hostChoices(items: readonly Container[], engines: readonly DockerEngine[]): Array<{ id: string; name: string }> {
  const names = new Map<string, string>();
  for (const engine of engines) names.set(engine.agentId, engine.agentName);
  for (const item of items) names.set(item.agentId, item.agentName);
  return [...names].map(([id, name]) => ({ id, name })).sort((left, right) => left.name.localeCompare(right.name));
}

/** The stacks to choose from (on the chosen host, when one is chosen). */
export function stackChoices(items: readonly Container[], host: string): string[] {
  return [...new Set(items.filter((item) => item.stack && (!host || item.agentId === host)).map((item) => item.stack!))].sort();
}

/** A container's key in the selection: unique across hosts. */
export function selectionKey(container: Pick<Container, 'agentId' | 'containerId'>): string {
  return `${container.agentId}/${container.containerId}`;
}
