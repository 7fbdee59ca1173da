import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricsCollector } from './metrics-collector.js';

interface Snapshot {
  cpu: string;
  eth0: [receive: number, transmit: number];
  wlan0?: [receive: number, transmit: number];
  lo: [receive: number, transmit: number];
}

const MEMINFO = `MemTotal:        8000000 kB
MemFree:         1000000 kB
MemAvailable:    6000000 kB
Buffers:          100000 kB
Cached:          2000000 kB
`;

// "/" exists on every machine, so statfs succeeds; the second mount never exists, so
// statfs fails and the collector must skip it.
const MOUNTS = `proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/vda / ext4 rw,relatime 0 0
/dev/vdb /nonexistent/infrapilot-test-mount xfs rw,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
`;

function netDev(snapshot: Snapshot): string {
  const line = (name: string, [rx, tx]: [number, number]) =>
    `${name.padStart(6)}: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`;
  return [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    line('lo', snapshot.lo),
    line('eth0', snapshot.eth0),
    ...(snapshot.wlan0 ? [line('wlan0', snapshot.wlan0)] : []),
    '',
  ].join('\n');
}

describe('MetricsCollector with fixture /proc files', () => {
  let procRoot: string;
  let clock: number;

  async function writeSnapshot(snapshot: Snapshot): Promise<void> {
    await writeFile(join(procRoot, 'stat'), `${snapshot.cpu}\ncpu0 0 0 0 0 0 0 0 0 0 0\n`);
    await writeFile(join(procRoot, 'net/dev'), netDev(snapshot));
  }

  beforeEach(async () => {
    procRoot = await mkdtemp(join(tmpdir(), 'infrapilot-proc-'));
    await mkdir(join(procRoot, 'net'));
    await mkdir(join(procRoot, 'self'));
    await writeFile(join(procRoot, 'meminfo'), MEMINFO);
    await writeFile(join(procRoot, 'loadavg'), '0.50 0.75 1.25 1/200 4242\n');
    await writeFile(join(procRoot, 'uptime'), '3600.99 7000.00\n');
    await writeFile(join(procRoot, 'self/mounts'), MOUNTS);
    clock = 1_700_000_000_000;
  });

  afterEach(async () => {
    await rm(procRoot, { recursive: true, force: true });
  });

  it('computes CPU percent and network rates from the deltas between two collects', async () => {
    const collector = new MetricsCollector({ procRoot, now: () => clock });
    await writeSnapshot({
      cpu: 'cpu  1000 0 500 8000 500 0 0 0 0 0',
      lo: [1_000, 1_000],
      eth0: [10_000, 5_000],
    });
    const first = await collector.collect();
    expect(first.networkReceiveBytesPerSecond).toBe(0);
    expect(first.networkTransmitBytesPerSecond).toBe(0);

    // 400 busy jiffies (300 user + 100 system) of 1000 elapsed: 40 %. The 100 iowait
    // jiffies count as idle.
    await writeSnapshot({
      cpu: 'cpu  1300 0 600 8500 600 0 0 0 0 0',
      lo: [900_000, 900_000],
      eth0: [30_000, 9_000],
    });
    clock += 4_000;
    const second = await collector.collect();

    expect(second.collectedAtUnixMs).toBe(clock);
    expect(second.cpuPercent).toBeCloseTo(40, 10);
    // Loopback traffic is not network traffic of the host.
    expect(second.networkReceiveBytesPerSecond).toBe(20_000 / 4);
    expect(second.networkTransmitBytesPerSecond).toBe(4_000 / 4);
  });

  it('reports memory, load and uptime from the fixture files', async () => {
    await writeSnapshot({ cpu: 'cpu  1 0 1 8 0 0 0 0 0 0', lo: [0, 0], eth0: [0, 0] });
    const sample = await new MetricsCollector({ procRoot, now: () => clock }).collect();

    expect(sample).toMatchObject({
      collectedAtUnixMs: clock,
      memoryTotalBytes: 8_000_000 * 1024,
      memoryUsedBytes: 2_000_000 * 1024,
      loadAverage1m: 0.5,
      loadAverage5m: 0.75,
      loadAverage15m: 1.25,
      uptimeSeconds: 3600,
    });
  });

  it('reports CPU as 0 on the first collect when no jiffies passed', async () => {
    await writeSnapshot({ cpu: 'cpu  1 0 1 8 0 0 0 0 0 0', lo: [0, 0], eth0: [0, 0] });
    const sample = await new MetricsCollector({ procRoot }).collect();
    expect(sample.cpuPercent).toBe(0);
  });

  it('skips a mount that statfs cannot read instead of failing the sample', async () => {
    await writeSnapshot({ cpu: 'cpu  1 0 1 8 0 0 0 0 0 0', lo: [0, 0], eth0: [0, 0] });
    const sample = await new MetricsCollector({ procRoot }).collect();

    expect(sample.disks.map((d) => [d.mountPoint, d.filesystem])).toEqual([['/', 'ext4']]);
    const [root] = sample.disks;
    expect(root?.totalBytes).toBeGreaterThan(0);
    expect(root?.usedBytes).toBeGreaterThanOrEqual(0);
    expect(root?.usedBytes).toBeLessThanOrEqual(root?.totalBytes ?? 0);
  });

  it('ignores interfaces that appeared or vanished between collects', async () => {
    const collector = new MetricsCollector({ procRoot, now: () => clock });
    await writeSnapshot({
      cpu: 'cpu  1 0 1 8 0 0 0 0 0 0',
      lo: [0, 0],
      eth0: [1_000, 1_000],
      wlan0: [9_000_000, 9_000_000],
    });
    await collector.collect();
    // wlan0 went away with its counters; a summed delta would go hugely negative.
    await writeSnapshot({ cpu: 'cpu  1 0 1 8 0 0 0 0 0 0', lo: [0, 0], eth0: [3_000, 2_000] });
    clock += 2_000;
    const second = await collector.collect();
    expect(second.networkReceiveBytesPerSecond).toBe(1_000);
    expect(second.networkTransmitBytesPerSecond).toBe(500);

    await writeSnapshot({
      cpu: 'cpu  1 0 1 8 0 0 0 0 0 0',
      lo: [0, 0],
      eth0: [3_000, 2_000],
      wlan0: [50_000, 50_000],
    });
    clock += 1_000;
    const third = await collector.collect();
    expect(third.networkReceiveBytesPerSecond).toBe(0);
    expect(third.networkTransmitBytesPerSecond).toBe(0);
  });
});

describe('MetricsCollector on this Linux machine', () => {
  it('reads plausible values from the real /proc', async () => {
    const collector = new MetricsCollector();
    const first = await collector.collect();
    const second = await collector.collect();

    for (const sample of [first, second]) {
      expect(sample.memoryTotalBytes).toBeGreaterThan(0);
      expect(sample.memoryUsedBytes).toBeGreaterThan(0);
      expect(sample.memoryUsedBytes).toBeLessThanOrEqual(sample.memoryTotalBytes);
      expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(sample.cpuPercent).toBeLessThanOrEqual(100);
      expect(sample.disks.length).toBeGreaterThanOrEqual(1);
      expect(sample.loadAverage1m).toBeGreaterThanOrEqual(0);
      expect(sample.uptimeSeconds).toBeGreaterThan(0);
      expect(sample.networkReceiveBytesPerSecond).toBeGreaterThanOrEqual(0);
      expect(sample.networkTransmitBytesPerSecond).toBeGreaterThanOrEqual(0);
    }
  });
});
