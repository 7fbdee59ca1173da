import type { AgentLiveFigures } from '@infrapilot/protocol';
import { percentOf } from '../../lib/format';
import type { Host } from './hosts-queries';

/** What a host's badge says: its agent status, or "revoked" once this tab saw it removed. */
export type HostDisplayStatus = 'active' | 'offline' | 'pending' | 'revoked';

export function displayStatusOf(host: Host): HostDisplayStatus {
  return host.revokedAt ? 'revoked' : host.status;
}

/** Used and total bytes over every mounted disk, or null before the first heartbeat. */
export function diskTotalsOf(live: AgentLiveFigures | null): { usedBytes: number; totalBytes: number } | null {
  if (!live || live.disks.length === 0) return null;
  return live.disks.reduce(
    (sum, disk) => ({ usedBytes: sum.usedBytes + disk.usedBytes, totalBytes: sum.totalBytes + disk.totalBytes }),
    { usedBytes: 0, totalBytes: 0 },
  );
}

export function cpuPercentOf(host: Host): number | null {
  return host.live ? host.live.cpuPercent : null;
}

export function memoryPercentOf(host: Host): number | null {
  return host.live ? percentOf(host.live.memoryUsedBytes, host.live.memoryTotalBytes) : null;
}

export function diskPercentOf(host: Host): number | null {
  const totals = diskTotalsOf(host.live);
  return totals ? percentOf(totals.usedBytes, totals.totalBytes) : null;
}
