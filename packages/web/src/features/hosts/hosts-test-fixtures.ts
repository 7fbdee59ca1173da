import type { AgentLiveFigures, AgentMetrics, AgentMetricsPoint } from '@infrapilot/protocol';
import { QueryClient } from '@tanstack/react-query';
import type { Host } from './hosts-queries';

/** A query client for component tests: seeded by hand, never fetching on its own. */
export function seededQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY, retry: false } } });
}

export function liveFigures(overrides: Partial<AgentLiveFigures> = {}): AgentLiveFigures {
  return {
    collectedAt: '2026-01-01T12:00:00.000Z',
    cpuPercent: 10,
    memoryUsedBytes: 1024 ** 3,
    memoryTotalBytes: 4 * 1024 ** 3,
    disks: [{ mountPoint: '/', filesystem: 'ext4', usedBytes: 10 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 }],
    loadAverage1m: 0.5,
    loadAverage5m: 0.4,
    loadAverage15m: 0.3,
    networkReceiveBytesPerSecond: 1000,
    networkTransmitBytesPerSecond: 500,
    uptimeSeconds: 3600,
    ...overrides,
  };
}

export function host(overrides: Partial<Host> & Pick<Host, 'id' | 'name'>): Host {
  return {
    hostname: `${overrides.name}.lan`,
    status: 'active',
    connected: true,
    version: '0.1.0',
    protocolVersion: 1,
    os: { name: 'Debian GNU/Linux 13', kernel: '6.12.0', architecture: 'x64', platform: 'linux' },
    capabilities: ['system'],
    lastSeenAt: '2026-01-01T12:00:00.000Z',
    createdAt: '2025-12-01T12:00:00.000Z',
    certificateExpiresAt: '2026-01-31T12:00:00.000Z',
    certificateFingerprint: 'ab:cd',
    live: liveFigures(),
    ...overrides,
  };
}

export function metricsPoint(at: string, overrides: Partial<AgentMetricsPoint> = {}): AgentMetricsPoint {
  return {
    at,
    samples: 1,
    cpuPercent: 12,
    memoryUsedBytes: 1024 ** 3,
    memoryTotalBytes: 4 * 1024 ** 3,
    diskUsedBytes: 10 * 1024 ** 3,
    diskTotalBytes: 100 * 1024 ** 3,
    loadAverage1m: 0.5,
    networkReceiveBytesPerSecond: 1000,
    networkTransmitBytesPerSecond: 500,
    ...overrides,
  };
}

export function metrics(agentId: string, points: AgentMetricsPoint[], stepSeconds = 10): AgentMetrics {
  return { agentId, from: points[0]?.at ?? '2026-01-01T11:00:00.000Z', to: points.at(-1)?.at ?? '2026-01-01T12:00:00.000Z', stepSeconds, points };
}
