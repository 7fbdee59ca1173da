// Figures from Docker's stats JSON, computed the way `docker stats` computes them so the
// numbers people see here match the ones they know.

/** The part of a stats answer these figures read (cgroup v1 and v2 shapes alike). */
export interface DockerStatsJson {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
  pids_stats?: { current?: number };
}

/** One CPU reading: the container's total CPU time and the host's, in nanoseconds. */
export interface CpuReading {
  containerNs: number;
  systemNs: number;
  onlineCpus: number;
}

export function cpuReadingOf(stats: DockerStatsJson): CpuReading | undefined {
  const cpu = stats.cpu_stats;
  const containerNs = cpu?.cpu_usage?.total_usage;
  const systemNs = cpu?.system_cpu_usage;
  if (containerNs === undefined || systemNs === undefined) return undefined;
  const onlineCpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  return { containerNs, systemNs, onlineCpus };
}

/** Percent of one core, summed over cores (200 = two cores busy), between two readings. */
export function cpuPercentBetween(previous: CpuReading | undefined, current: CpuReading | undefined): number {
  if (!previous || !current) return 0;
  const containerDelta = current.containerNs - previous.containerNs;
  const systemDelta = current.systemNs - previous.systemNs;
  if (containerDelta <= 0 || systemDelta <= 0) return 0;
  return (containerDelta / systemDelta) * current.onlineCpus * 100;
}

/** Docker's own pair (a stats call without one-shot carries the previous reading too). */
export function cpuPercentOf(stats: DockerStatsJson): number {
  const previous = stats.precpu_stats;
  const before =
    previous?.cpu_usage?.total_usage !== undefined && previous.system_cpu_usage !== undefined
      ? { containerNs: previous.cpu_usage.total_usage, systemNs: previous.system_cpu_usage, onlineCpus: 1 }
      : undefined;
  return cpuPercentBetween(before, cpuReadingOf(stats));
}

/** Memory in use without the reclaimable page cache (as `docker stats`), and the limit. */
export function memoryOf(stats: DockerStatsJson): { memoryBytes: number; memoryLimitBytes: number } {
  const memory = stats.memory_stats;
  const usage = memory?.usage ?? 0;
  const detail = memory?.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file; older engines only cache.
  const reclaimable = detail.total_inactive_file ?? detail.inactive_file ?? detail.cache ?? 0;
  return { memoryBytes: Math.max(0, usage - (reclaimable < usage ? reclaimable : 0)), memoryLimitBytes: memory?.limit ?? 0 };
}

export function networkOf(stats: DockerStatsJson): { receiveBytes: number; transmitBytes: number } {
  let receiveBytes = 0;
  let transmitBytes = 0;
  for (const network of Object.values(stats.networks ?? {})) {
    receiveBytes += network.rx_bytes ?? 0;
    transmitBytes += network.tx_bytes ?? 0;
  }
  return { receiveBytes, transmitBytes };
}

export function blockIoOf(stats: DockerStatsJson): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    // v1 spells the operations "Read"/"Write", v2 "read"/"write".
    const op = entry.op?.toLowerCase();
    if (op === 'read') readBytes += entry.value ?? 0;
    else if (op === 'write') writeBytes += entry.value ?? 0;
  }
  return { readBytes, writeBytes };
}
