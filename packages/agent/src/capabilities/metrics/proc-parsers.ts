// Parsers for the text of Linux /proc files. Pure: they take the file's text and never
// touch the file system, so every kernel quirk can be tested with fixture strings.

/** Aggregate CPU time from /proc/stat, in jiffies since boot. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** Memory totals from /proc/meminfo, in bytes. */
export interface MemoryInfo {
  totalBytes: number;
  availableBytes: number;
}

/** The three load averages from /proc/loadavg. */
export interface LoadAverage {
  load1m: number;
  load5m: number;
  load15m: number;
}

/** Byte counters of one network interface from /proc/net/dev. */
export interface InterfaceCounters {
  name: string;
  receiveBytes: number;
  transmitBytes: number;
}

/** Byte counters summed over every interface except loopback. */
export interface NetworkTotals {
  receiveBytes: number;
  transmitBytes: number;
}

/** One line of /proc/self/mounts, with octal escapes decoded. */
export interface MountEntry {
  source: string;
  mountPoint: string;
  filesystem: string;
  options: string[];
}

/** Parses the aggregate `cpu` line of /proc/stat into idle and total jiffies. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) throw new Error('/proc/stat: no aggregate cpu line');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) {
    throw new Error(`/proc/stat: malformed cpu line "${line}"`);
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    fields;
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice, so
  // adding them would count virtual-machine time twice.
  return {
    // A CPU waiting on I/O could run something else, so iowait counts as idle (as top does).
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Parses /proc/meminfo into total and available bytes. */
export function parseMeminfo(text: string): MemoryInfo {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) kib.set(match[1], Number(match[2]));
  }
  const total = kib.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo: no MemTotal');
  // MemAvailable appeared in Linux 3.14; before it, free + buffers + page cache is the
  // usual estimate of what could be handed to a new process.
  const available =
    kib.get('MemAvailable') ??
    (kib.get('MemFree') ?? 0) + (kib.get('Buffers') ?? 0) + (kib.get('Cached') ?? 0);
  return { totalBytes: total * 1024, availableBytes: Math.min(available, total) * 1024 };
}

/** Parses the 1, 5 and 15 minute load averages from /proc/loadavg. */
export function parseLoadavg(text: string): LoadAverage {
  const [load1m, load5m, load15m] = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (
    load1m === undefined ||
    load5m === undefined ||
    load15m === undefined ||
    ![load1m, load5m, load15m].every(Number.isFinite)
  ) {
    throw new Error(`/proc/loadavg: malformed "${text.trim()}"`);
  }
  return { load1m, load5m, load15m };
}

/** Parses /proc/net/dev into per-interface byte counters, loopback included. */
export function parseNetDevInterfaces(text: string): InterfaceCounters[] {
  const interfaces: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    // The two header lines contain '|' and no interface line does.
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    // Old kernels glue large counters to the colon ("eth0:123456"), hence no space needed.
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const receiveBytes = fields[0];
    const transmitBytes = fields[8];
    if (receiveBytes === undefined || transmitBytes === undefined) continue;
    if (!Number.isFinite(receiveBytes) || !Number.isFinite(transmitBytes)) continue;
    interfaces.push({ name, receiveBytes, transmitBytes });
  }
  return interfaces;
}

/** Sums receive and transmit bytes over every interface except `lo`. */
export function parseNetDev(text: string): NetworkTotals {
  let receiveBytes = 0;
  let transmitBytes = 0;
  for (const counters of parseNetDevInterfaces(text)) {
    if (counters.name === 'lo') continue;
    receiveBytes += counters.receiveBytes;
    transmitBytes += counters.transmitBytes;
  }
  return { receiveBytes, transmitBytes };
}

/** Parses /proc/uptime into whole seconds since boot. */
export function parseUptime(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds)) throw new Error(`/proc/uptime: malformed "${text.trim()}"`);
  return Math.floor(seconds);
}

/** Decodes the octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash) the kernel writes in mount fields. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/** Parses /proc/self/mounts into entries, in mount order. */
export function parseMounts(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, mountPoint, filesystem, options] = line.trim().split(/\s+/);
    if (source === undefined || mountPoint === undefined || filesystem === undefined) continue;
    entries.push({
      source: unescapeMountField(source),
      mountPoint: unescapeMountField(mountPoint),
      filesystem,
      options: options === undefined ? [] : options.split(','),
    });
  }
  return entries;
}

// Filesystems that hold data on a disk. Everything else in the mount table (proc, sysfs,
// tmpfs, cgroup, devpts, fuse, network filesystems, ...) either has no disk behind it or
// could hang statfs when its server is away.
const DISK_FILESYSTEMS = new Set([
  'ext2',
  'ext3',
  'ext4',
  'xfs',
  'btrfs',
  'zfs',
  'vfat',
  'exfat',
  'ntfs',
  'ntfs3',
  'f2fs',
  'jfs',
  'reiserfs',
  'bcachefs',
]);

/** Keeps the mounts worth reporting as disks: one entry per device, at its shortest mount point. */
export function filterDiskMounts(entries: readonly MountEntry[]): MountEntry[] {
  const bySource = new Map<string, MountEntry>();
  for (const entry of entries) {
    // Inside a container the root is an overlay whose statfs reports the host disk that
    // holds it; overlays elsewhere are other containers' roots seen from the host.
    const isContainerRoot = entry.filesystem === 'overlay' && entry.mountPoint === '/';
    if (!DISK_FILESYSTEMS.has(entry.filesystem) && !isContainerRoot) continue;
    // Bind mounts and btrfs subvolumes repeat a device; statfs would report the same
    // numbers again, so only the mount closest to the root is kept.
    const seen = bySource.get(entry.source);
    if (seen === undefined || entry.mountPoint.length < seen.mountPoint.length) {
      bySource.set(entry.source, entry);
    }
  }
  return [...bySource.values()];
}
