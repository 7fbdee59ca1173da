import { type HostDisplayStatus, cpuPercentOf, diskPercentOf, displayStatusOf, memoryPercentOf } from './host-figures';
import type { Host } from './hosts-queries';

export type SortColumn = 'name' | 'status' | 'cpu' | 'memory' | 'disk' | 'lastSeen';
export type SortDirection = 'ascending' | 'descending';
export interface SortOrder {
  column: SortColumn;
  direction: SortDirection;
}

/** Busiest and most recent first is what one looks for in figures; names read A→Z. */
export const FIRST_DIRECTION: Record<SortColumn, SortDirection> = {
  name: 'ascending',
  status: 'ascending',
  cpu: 'descending',
  memory: 'descending',
  disk: 'descending',
  lastSeen: 'descending',
};

/** Healthy first, then those that need a look. */
const STATUS_RANK: Record<HostDisplayStatus, number> = { active: 0, pending: 1, offline: 2, revoked: 3 };

const SORT_KEY: Record<SortColumn, (host: Host) => string | number | null> = {
  name: (host) => host.name.toLowerCase(),
  status: (host) => STATUS_RANK[displayStatusOf(host)],
  cpu: cpuPercentOf,
  memory: memoryPercentOf,
  disk: diskPercentOf,
  lastSeen: (host) => (host.lastSeenAt ? Date.parse(host.lastSeenAt) : null),
};

/** Sorted copy; hosts without a value (no heartbeat yet) go last either way, ties by name. */
export function sortHosts(hosts: readonly Host[], order: SortOrder): Host[] {
  const keyOf = SORT_KEY[order.column];
  const sign = order.direction === 'ascending' ? 1 : -1;
  return [...hosts].sort((left, right) => {
    const a = keyOf(left);
    const b = keyOf(right);
    if (a === null || b === null) {
      if (a !== b) return a === null ? 1 : -1;
    } else if (a !== b) {
      return (a < b ? -1 : 1) * sign;
    }
    return left.name.localeCompare(right.name);
  });
}

/** Hosts whose name, hostname, status or version contain `text` (any case), with the chosen status. */
export function filterHosts(hosts: readonly Host[], text: string, status: HostDisplayStatus | ''): Host[] {
  const needle = text.trim().toLowerCase();
  return hosts.filter((host) => {
    const shown = displayStatusOf(host);
    if (status && shown !== status) return false;
    if (!needle) return true;
    return [host.name, host.hostname, shown, host.version].some((value) => value?.toLowerCase().includes(needle));
  });
}
