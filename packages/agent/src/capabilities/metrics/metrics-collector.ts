import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  filterDiskMounts,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDevInterfaces,
  parseProcStat,
  parseUptime,
  type CpuTimes,
  type InterfaceCounters,
} from './proc-parsers.js';

/** Space used on one mounted filesystem. */
export interface DiskUsageSample {
  mountPoint: string;
  filesystem: string;
  usedBytes: number;
  totalBytes: number;
}

/** One reading of the host's vital signs, shaped like the protocol's SystemMetrics. */
export interface SystemMetricsSample {
  collectedAtUnixMs: number;
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  disks: DiskUsageSample[];
  loadAverage1m: number;
  loadAverage5m: number;
  loadAverage15m: number;
  networkReceiveBytesPerSecond: number;
  networkTransmitBytesPerSecond: number;
  uptimeSeconds: number;
}

/** Options of {@link MetricsCollector}; tests point `procRoot` at fixture files. */
export interface MetricsCollectorOptions {
  procRoot?: string;
  now?: () => number;
}

// Long enough for a few jiffies (10 ms each at the usual HZ=100) to pass, short enough
// that the first heartbeat is not held up.
const FIRST_CPU_WINDOW_MS = 100;

interface NetworkSnapshot {
  atUnixMs: number;
  interfaces: Map<string, InterfaceCounters>;
}

/** Reads CPU, memory, disk, load, network and uptime from /proc; rates are deltas between calls. */
export class MetricsCollector {
  readonly #procRoot: string;
  readonly #now: () => number;
  #previousCpu: CpuTimes | undefined;
  #previousNetwork: NetworkSnapshot | undefined;

  constructor(options: MetricsCollectorOptions = {}) {
    this.#procRoot = options.procRoot ?? '/proc';
    this.#now = options.now ?? Date.now;
  }

  /** Takes one sample; the first call measures CPU over a short window and reports network rates as 0. */
  async collect(): Promise<SystemMetricsSample> {
    const [cpuPercent, memory, load, uptimeSeconds, disks, network] = await Promise.all([
      this.#cpuPercent(),
      this.#read('meminfo').then(parseMeminfo),
      this.#read('loadavg').then(parseLoadavg),
      this.#read('uptime').then(parseUptime),
      this.#disks(),
      this.#read('net/dev').then(parseNetDevInterfaces),
    ]);
    const collectedAtUnixMs = this.#now();
    const rates = this.#networkRates({
      atUnixMs: collectedAtUnixMs,
      interfaces: new Map(network.filter((i) => i.name !== 'lo').map((i) => [i.name, i])),
    });
    return {
      collectedAtUnixMs,
      cpuPercent,
      memoryUsedBytes: memory.totalBytes - memory.availableBytes,
      memoryTotalBytes: memory.totalBytes,
      disks,
      loadAverage1m: load.load1m,
      loadAverage5m: load.load5m,
      loadAverage15m: load.load15m,
      networkReceiveBytesPerSecond: rates.receive,
      networkTransmitBytesPerSecond: rates.transmit,
      uptimeSeconds,
    };
  }

  #read(relativePath: string): Promise<string> {
    return readFile(join(this.#procRoot, relativePath), 'utf8');
  }

  async #cpuPercent(): Promise<number> {
    let previous = this.#previousCpu;
    if (previous === undefined) {
      // /proc/stat counts from boot; without an earlier reading the only honest figure
      // is one measured over a fresh window.
      previous = parseProcStat(await this.#read('stat'));
      await sleep(FIRST_CPU_WINDOW_MS);
    }
    const current = parseProcStat(await this.#read('stat'));
    this.#previousCpu = current;
    const total = current.total - previous.total;
    const idle = current.idle - previous.idle;
    if (total <= 0) return 0;
    return Math.min(100, Math.max(0, ((total - idle) / total) * 100));
  }

  #networkRates(current: NetworkSnapshot): { receive: number; transmit: number } {
    const previous = this.#previousNetwork;
    this.#previousNetwork = current;
    if (previous === undefined) return { receive: 0, transmit: 0 };
    const seconds = (current.atUnixMs - previous.atUnixMs) / 1000;
    if (seconds <= 0) return { receive: 0, transmit: 0 };
    let receive = 0;
    let transmit = 0;
    // Deltas are taken per interface so that a veth vanishing with its container, or a
    // counter reset, does not show up as a huge negative or positive spike.
    for (const [name, after] of current.interfaces) {
      const before = previous.interfaces.get(name);
      if (before === undefined) continue;
      receive += Math.max(0, after.receiveBytes - before.receiveBytes);
      transmit += Math.max(0, after.transmitBytes - before.transmitBytes);
    }
    return { receive: receive / seconds, transmit: transmit / seconds };
  }

  async #disks(): Promise<DiskUsageSample[]> {
    const mounts = filterDiskMounts(parseMounts(await this.#read('self/mounts')));
    const samples = await Promise.all(
      mounts.map(async (mount): Promise<DiskUsageSample | undefined> => {
        try {
          const stats = await statfs(mount.mountPoint);
          return {
            mountPoint: mount.mountPoint,
            filesystem: mount.filesystem,
            usedBytes: (stats.blocks - stats.bfree) * stats.bsize,
            totalBytes: stats.blocks * stats.bsize,
          };
        } catch {
          // A mount can vanish between reading the table and statfs, or be hidden from
          // the agent's mount namespace; one bad mount must not cost the whole sample.
          return undefined;
        }
      }),
    );
    return samples.filter((s): s is DiskUsageSample => s !== undefined);
  }
}
