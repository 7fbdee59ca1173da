import { describe, expect, it } from 'vitest';
import {
  filterDiskMounts,
  parseLoadavg,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseNetDevInterfaces,
  parseProcStat,
  parseUptime,
  unescapeMountField,
} from './proc-parsers.js';

const PROC_STAT = `cpu  6554 12 2080 49212 387 0 125 8 40 2
cpu0 2998 6 936 25137 14 0 55 3 20 1
cpu1 3556 6 1144 24075 373 0 70 5 20 1
intr 1412285 0 9 0 0 0 0 0 0 0 0 0 0 0 0 0 0
ctxt 2658121
btime 1761900000
processes 6012
procs_running 1
procs_blocked 0
`;

const MEMINFO = `MemTotal:       16318412 kB
MemFree:         1047220 kB
MemAvailable:    9841052 kB
Buffers:          512304 kB
Cached:          7912320 kB
SwapCached:            0 kB
Active:          6403160 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:   39675     542    0    0    0     0          0         0    39675     542    0    0    0     0       0          0
  eth0: 215062201    5978    0    0    0     0          0         0   464253    3716    0    0    0     0       0          0
docker0: 1000       10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
wlan0:4294967296 99 0 0 0 0 0 0 7 1 0 0 0 0 0 0
`;

const MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
udev /dev devtmpfs rw,nosuid,relatime,size=8126412k,nr_inodes=2031603,mode=755 0 0
tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1631844k,mode=755 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=ascii 0 0
/dev/sda1 /mnt/media\\040library xfs rw,relatime,attr2,inode64 0 0
/dev/sda1 /srv/media xfs rw,relatime,attr2,inode64 0 0
/dev/nvme0n1p2 /var/lib/docker/volumes/data ext4 rw,relatime,errors=remount-ro 0 0
overlay /var/lib/docker/overlay2/4f1c/merged overlay rw,relatime,lowerdir=/a,upperdir=/b,workdir=/c 0 0
tank/data /tank/data zfs rw,xattr,noacl 0 0
server:/export /mnt/nfs nfs4 rw,relatime,vers=4.2 0 0
`;

describe('parseProcStat', () => {
  it('reads idle (with iowait) and total jiffies from the aggregate cpu line', () => {
    // guest and guest_nice are already inside user and nice, so they are not added again.
    expect(parseProcStat(PROC_STAT)).toEqual({
      idle: 49212 + 387,
      total: 6554 + 12 + 2080 + 49212 + 387 + 0 + 125 + 8,
    });
  });

  it('accepts the short cpu line of old kernels', () => {
    expect(parseProcStat('cpu 10 0 5 85\n')).toEqual({ idle: 85, total: 100 });
  });

  it('refuses text without an aggregate cpu line', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4\n')).toThrow(/no aggregate cpu line/);
  });
});

describe('parseMeminfo', () => {
  it('reports total and available memory in bytes', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({
      totalBytes: 16318412 * 1024,
      availableBytes: 9841052 * 1024,
    });
  });

  it('estimates available memory from free, buffers and cache when MemAvailable is missing', () => {
    const old = MEMINFO.replace(/^MemAvailable:.*\n/m, '');
    expect(parseMeminfo(old).availableBytes).toBe((1047220 + 512304 + 7912320) * 1024);
  });

  it('refuses text without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 10 kB\n')).toThrow(/MemTotal/);
  });
});

describe('parseLoadavg', () => {
  it('reads the 1, 5 and 15 minute averages', () => {
    expect(parseLoadavg('0.52 1.58 2.05 2/389 12345\n')).toEqual({
      load1m: 0.52,
      load5m: 1.58,
      load15m: 2.05,
    });
  });

  it('refuses malformed text', () => {
    expect(() => parseLoadavg('garbage\n')).toThrow(/loadavg/);
  });
});

describe('parseNetDev', () => {
  it('reads per-interface counters, including counters glued to the colon', () => {
    expect(parseNetDevInterfaces(NET_DEV)).toEqual([
      { name: 'lo', receiveBytes: 39675, transmitBytes: 39675 },
      { name: 'eth0', receiveBytes: 215062201, transmitBytes: 464253 },
      { name: 'docker0', receiveBytes: 1000, transmitBytes: 2000 },
      { name: 'wlan0', receiveBytes: 4294967296, transmitBytes: 7 },
    ]);
  });

  it('sums every interface except loopback', () => {
    expect(parseNetDev(NET_DEV)).toEqual({
      receiveBytes: 215062201 + 1000 + 4294967296,
      transmitBytes: 464253 + 2000 + 7,
    });
  });
});

describe('parseUptime', () => {
  it('rounds uptime down to whole seconds', () => {
    expect(parseUptime('350735.47 234388.90\n')).toBe(350735);
  });
});

describe('parseMounts', () => {
  it('decodes octal escapes in mount points', () => {
    const entry = parseMounts(MOUNTS).find((m) => m.source === '/dev/sda1');
    expect(entry?.mountPoint).toBe('/mnt/media library');
  });

  it('decodes tab, newline and backslash escapes', () => {
    expect(unescapeMountField('/a\\011b\\012c\\134d')).toBe('/a\tb\nc\\d');
  });

  it('splits options and ignores blank lines', () => {
    expect(parseMounts('\n/dev/vda / ext4 rw,relatime 0 0\n\n')).toEqual([
      { source: '/dev/vda', mountPoint: '/', filesystem: 'ext4', options: ['rw', 'relatime'] },
    ]);
  });
});

describe('filterDiskMounts', () => {
  it('keeps disk filesystems and drops proc, sysfs, tmpfs, cgroup and network mounts', () => {
    const kept = filterDiskMounts(parseMounts(MOUNTS)).map((m) => m.filesystem);
    expect(kept).toEqual(['ext4', 'vfat', 'xfs', 'zfs']);
  });

  it('keeps one entry per device, at its shortest mount point', () => {
    const kept = filterDiskMounts(parseMounts(MOUNTS)).map((m) => m.mountPoint);
    expect(kept).toEqual(['/', '/boot/efi', '/srv/media', '/tank/data']);
  });

  it('keeps overlay only when it is the root filesystem', () => {
    const container = `overlay / overlay rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0
/dev/vda1 /data ext4 rw,relatime 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw,relatime 0 0
`;
    expect(
      filterDiskMounts(parseMounts(container)).map((m) => [m.filesystem, m.mountPoint]),
    ).toEqual([
      ['overlay', '/'],
      ['ext4', '/data'],
    ]);
  });
});
