import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { joinControlPlane } from '@infrapilot/agent';
import { SystemMetricsSchema, type SystemMetrics } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { createEnrollment } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import type { AgentPrincipal } from './agents.service.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/** One heartbeat's figures; disks are summed per sample, load and network averaged per step. */
function metrics(cpuPercent: number, memoryUsedBytes: number, collectedAtMs = 0): SystemMetrics {
  return create(SystemMetricsSchema, {
    collectedAtUnixMs: BigInt(collectedAtMs),
    cpuPercent,
    memoryUsedBytes: BigInt(memoryUsedBytes),
    memoryTotalBytes: 16_000_000_000n,
    disks: [
      { mountPoint: '/', filesystem: 'ext4', usedBytes: 4_000_000_000n, totalBytes: 10_000_000_000n },
      { mountPoint: '/data', filesystem: 'xfs', usedBytes: 1_000_000_000n, totalBytes: 40_000_000_000n },
    ],
    loadAverage1m: cpuPercent / 8,
    loadAverage5m: 0.5,
    loadAverage15m: 0.25,
    networkReceiveBytesPerSecond: cpuPercent * 4,
    networkTransmitBytesPerSecond: 512,
    uptimeSeconds: 3600n,
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

describeOnBothDialects('agent metrics over HTTP', (dialect) => {
  let server: TestServer;
  const stateDirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A real enrollment (token, CSR, Register over TLS) that leaves an agent row to feed figures to. */
  async function enrolledAgent(name: string): Promise<AgentPrincipal> {
    const enrollment = await createEnrollment(server.admin, name);
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    stateDirs.push(stateDir);
    const identity = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: `${name}.test` });
    return { agentId: identity.agentId, orgId: identity.orgId, name, status: 'pending' };
  }

  /** Moves the server's clock to the next whole minute, so steps start at round instants. */
  function alignClockToMinute(): number {
    const now = server.clock.now().getTime();
    server.clock.advance(MINUTE - (now % MINUTE));
    return server.clock.now().getTime();
  }

  it('averages heartbeats per step, counts them, and dates each point at the start of its step', async () => {
    const agent = await enrolledAgent('averaged');
    const agents = server.app.services.agents;
    const start = alignClockToMinute();
    // Six heartbeats, 10 s apart: three fall in each 30 s step.
    const cpu = [10, 20, 30, 40, 50, 90];
    for (const [index, value] of cpu.entries()) {
      await agents.recordHeartbeat(agent, metrics(value, (index + 1) * 1_000_000), '');
      server.clock.advance(10 * SECOND);
    }

    const series = await server.admin.agents.metrics(agent.agentId, { from: iso(start), to: iso(start + MINUTE), step: 30 });
    expect(series).toMatchObject({ agentId: agent.agentId, from: iso(start), to: iso(start + MINUTE), stepSeconds: 30 });
    expect(series.points).toEqual([
      {
        at: iso(start),
        samples: 3,
        cpuPercent: 20,
        memoryUsedBytes: 2_000_000,
        memoryTotalBytes: 16_000_000_000,
        diskUsedBytes: 5_000_000_000,
        diskTotalBytes: 50_000_000_000,
        loadAverage1m: 2.5,
        networkReceiveBytesPerSecond: 80,
        networkTransmitBytesPerSecond: 512,
      },
      {
        at: iso(start + 30 * SECOND),
        samples: 3,
        cpuPercent: 60,
        memoryUsedBytes: 5_000_000,
        memoryTotalBytes: 16_000_000_000,
        diskUsedBytes: 5_000_000_000,
        diskTotalBytes: 50_000_000_000,
        loadAverage1m: 7.5,
        networkReceiveBytesPerSecond: 240,
        networkTransmitBytesPerSecond: 512,
      },
    ]);

    // A step that does not divide the range: steps start at `from`, empty ones are left out.
    const uneven = await server.admin.agents.metrics(agent.agentId, { from: iso(start + 5 * SECOND), to: iso(start + MINUTE), step: 20 });
    expect(uneven.points.map((point) => [point.at, point.samples, point.cpuPercent])).toEqual([
      [iso(start + 5 * SECOND), 2, 25],
      [iso(start + 25 * SECOND), 2, 45],
      [iso(start + 45 * SECOND), 1, 90],
    ]);
  });

  it('stores what the agent collected while cut off at its own timestamps', async () => {
    const agent = await enrolledAgent('backlog');
    const now = alignClockToMinute();
    const accepted = await server.app.services.agents.recordBacklog(agent, [
      metrics(10, 1, now - 10 * MINUTE),
      metrics(30, 1, now - 10 * MINUTE + 59 * SECOND),
      metrics(70, 1, now - 5 * MINUTE),
      metrics(99, 1, now - 8 * DAY), // beyond the 7-day retention
      metrics(99, 1, now + 10 * MINUTE), // from the future: a host clock problem
    ]);
    expect(accepted).toBe(3);

    const series = await server.admin.agents.metrics(agent.agentId, { from: iso(now - 15 * MINUTE), to: iso(now), step: 60 });
    expect(series.points.map((point) => [point.at, point.samples, point.cpuPercent])).toEqual([
      [iso(now - 10 * MINUTE), 2, 20],
      [iso(now - 5 * MINUTE), 1, 70],
    ]);
    const everything = await server.admin.agents.metrics(agent.agentId, { from: iso(now - 9 * DAY), to: iso(now + DAY), step: 86_400 });
    expect(everything.points.reduce((sum, point) => sum + point.samples, 0)).toBe(3);
  });

  it('shows the last hour in about 300 steps when asked for nothing', async () => {
    const agent = await enrolledAgent('defaults');
    const now = server.clock.now().getTime();
    await server.app.services.agents.recordBacklog(agent, [metrics(40, 1, now - 30 * MINUTE), metrics(99, 1, now - 2 * 60 * MINUTE)]);

    /** `to` defaults to now (a sample taken this very millisecond may be included). */
    const endsNow = (to: string) => Date.parse(to) - now >= 0 && Date.parse(to) - now < SECOND;
    const steps = (series: { from: string; to: string; stepSeconds: number }) => Math.ceil((Date.parse(series.to) - Date.parse(series.from)) / 1000 / series.stepSeconds);

    const series = await server.admin.agents.metrics(agent.agentId);
    expect(endsNow(series.to)).toBe(true);
    expect(Date.parse(series.to) - Date.parse(series.from)).toBe(60 * MINUTE);
    expect(series.stepSeconds).toBeGreaterThanOrEqual(12);
    expect(steps(series)).toBeLessThanOrEqual(300);
    expect(steps(series)).toBeGreaterThanOrEqual(299);
    expect(series.points.map((point) => [point.samples, point.cpuPercent])).toEqual([[1, 40]]);

    // With only `from`, the range ends now; the default step follows the range.
    const day = await server.admin.agents.metrics(agent.agentId, { from: iso(now - DAY) });
    expect(day.from).toBe(iso(now - DAY));
    expect(endsNow(day.to)).toBe(true);
    expect(steps(day)).toBeLessThanOrEqual(300);
    expect(steps(day)).toBeGreaterThanOrEqual(299);
    expect(day.points.reduce((sum, point) => sum + point.samples, 0)).toBe(2);
  });

  it('refuses a step that would give more than 2000 points, naming the smallest step allowed', async () => {
    const agent = await enrolledAgent('fine-grained');
    const to = server.clock.now().getTime();
    const error = await apiFailure(server.admin.agents.metrics(agent.agentId, { from: iso(to - DAY), to: iso(to), step: 43 }));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.message).toContain('44s');
    expect(error.details).toEqual([{ path: 'querystring.step', message: 'at least 44' }]);
    await expect(server.admin.agents.metrics(agent.agentId, { from: iso(to - DAY), to: iso(to), step: 44 })).resolves.toMatchObject({ stepSeconds: 44 });
  });

  it('refuses a range that ends before it starts, or spans more than 92 days', async () => {
    const agent = await enrolledAgent('bad-ranges');
    const to = server.clock.now().getTime();
    for (const from of [to, to + MINUTE]) {
      const error = await apiFailure(server.admin.agents.metrics(agent.agentId, { from: iso(from), to: iso(to), step: 60 }));
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.details.map((detail) => detail.path)).toContain('querystring.from');
    }
    const tooLong = await apiFailure(server.admin.agents.metrics(agent.agentId, { from: iso(to - 93 * DAY), to: iso(to), step: 86_400 }));
    expect(tooLong).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(tooLong.message).toContain('92 days');
    await expect(server.admin.agents.metrics(agent.agentId, { from: iso(to - 92 * DAY), to: iso(to), step: 86_400 })).resolves.toMatchObject({ points: [] });
  });

  it('refuses a `from` later than now when `to` is left to default', async () => {
    // Without `to`, the range ends now; a `from` after it is the same mistake as from ≥ to.
    const agent = await enrolledAgent('future-from');
    const later = server.clock.now().getTime() + DAY;
    const error = await apiFailure(server.admin.agents.metrics(agent.agentId, { from: iso(later) }));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('refuses malformed queries with the field named', async () => {
    const agent = await enrolledAgent('malformed');
    for (const query of [{ from: 'yesterday' }, { step: '0' }, { step: '1.5' }, { step: '86401' }, { bucket: '1' }]) {
      const error = await apiFailure(server.admin.request('GET', `/api/v1/agents/${agent.agentId}/metrics`, { query }));
      expect(error, JSON.stringify(query)).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.details[0]?.path, JSON.stringify(query)).toMatch(/^querystring\./);
    }
  });

  it('answers 404 for metrics of an agent that does not exist', async () => {
    const error = await apiFailure(server.admin.agents.metrics('0190a0a0-0000-7000-8000-000000000000'));
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('prunes samples older than the retention period and keeps the rest', async () => {
    const agent = await enrolledAgent('pruned');
    const now = server.clock.now().getTime();
    await server.app.services.agents.recordBacklog(agent, [metrics(10, 1, now - 6 * DAY), metrics(20, 1, now - 2 * DAY), metrics(30, 1, now - MINUTE)]);
    const total = async () => {
      const series = await server.admin.agents.metrics(agent.agentId, { from: iso(now - 10 * DAY), to: iso(now + 10 * DAY), step: 86_400 });
      return series.points.map((point) => point.cpuPercent);
    };
    expect(await total()).toEqual([10, 20, 30]);

    // Three days later the oldest sample is nine days old, past the 7-day retention.
    server.clock.advance(3 * DAY);
    expect(await server.app.services.agents.pruneOldSamples()).toBe(1);
    expect(await total()).toEqual([20, 30]);
    expect(await server.app.services.agents.pruneOldSamples()).toBe(0);
  });
});
