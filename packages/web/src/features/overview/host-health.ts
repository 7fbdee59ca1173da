import type { AgentStatus } from '@infrapilot/protocol';
import { formatPercent, formatRelative, percentOf } from '../../lib/format';
import type { Host } from '../hosts/hosts-queries';

/** CPU, memory or a disk above this share needs someone's attention. */
export const ATTENTION_THRESHOLD_PERCENT = 90;

export const HOST_STATUSES: AgentStatus[] = ['active', 'offline', 'pending'];

/** Revoked hosts stay in this tab's cache until the next fetch; they are gone for good. */
function hostsInService(hosts: Host[]): Host[] {
  return hosts.filter((host) => !host.revokedAt);
}

export type HostStatusCounts = Record<AgentStatus, number> & { total: number };

export function countHostsByStatus(hosts: Host[]): HostStatusCounts {
  const counts: HostStatusCounts = { active: 0, offline: 0, pending: 0, total: 0 };
  for (const host of hostsInService(hosts)) {
    counts[host.status] += 1;
    counts.total += 1;
  }
  return counts;
}

export interface AttentionItem {
  host: Host;
  /** Why, in words: "offline, last seen 5 minutes ago", "CPU 96%", "disk / 93%". */
  reasons: string[];
}

/** Offline hosts first, then hosts whose last figures are over the threshold; by name within each. */
export function hostsNeedingAttention(hosts: Host[], now: number = Date.now()): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const host of hostsInService(hosts)) {
    const reasons = host.status === 'offline' ? [offlineReason(host, now)] : overloadReasons(host);
    if (reasons.length > 0) items.push({ host, reasons });
  }
  const rank = (item: AttentionItem) => (item.host.status === 'offline' ? 0 : 1);
  return items.sort((a, b) => rank(a) - rank(b) || a.host.name.localeCompare(b.host.name));
}

function offlineReason(host: Host, now: number): string {
  return host.lastSeenAt ? `offline, last seen ${formatRelative(host.lastSeenAt, now)}` : 'offline, never reported';
}

/** An offline host's figures are old news, so only hosts still reporting are judged on them. */
function overloadReasons(host: Host): string[] {
  const live = host.live;
  if (!live) return [];
  const reasons: string[] = [];
  if (live.cpuPercent > ATTENTION_THRESHOLD_PERCENT) reasons.push(`CPU ${formatPercent(live.cpuPercent)}`);
  const memory = percentOf(live.memoryUsedBytes, live.memoryTotalBytes);
  if (memory > ATTENTION_THRESHOLD_PERCENT) reasons.push(`memory ${formatPercent(memory)}`);
  for (const disk of live.disks) {
    const used = percentOf(disk.usedBytes, disk.totalBytes);
    if (used > ATTENTION_THRESHOLD_PERCENT) reasons.push(`disk ${disk.mountPoint} ${formatPercent(used)}`);
  }
  return reasons;
}
