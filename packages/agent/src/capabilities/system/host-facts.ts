import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** The operating system, shaped like the protocol's OsInfo. */
export interface OsFacts {
  name: string;
  kernel: string;
  architecture: string;
  platform: string;
}

/** What system.info reports about the host. */
export interface SystemFacts {
  hostname: string;
  os: OsFacts;
  cpuCount: number;
  cpuModel: string;
  memoryTotalBytes: number;
  uptimeSeconds: number;
  runtimeVersion: string;
}

// os-release(5): /etc/os-release wins, /usr/lib/os-release is the vendor's fallback.
const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];

/** Parses os-release(5) text (shell-style KEY=value lines) into a map. */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    let value = match[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      // Only double quotes allow backslash escapes in shell syntax.
      if (quote === '"') value = value.replace(/\\([\\"$`])/g, '$1');
    }
    values.set(match[1], value);
  }
  return values;
}

/** Reads the OS name from os-release (falling back to `os.type()`) and the kernel from node:os. */
export async function readOsFacts(options: { osReleasePath?: string } = {}): Promise<OsFacts> {
  const candidates =
    options.osReleasePath === undefined ? OS_RELEASE_PATHS : [options.osReleasePath];
  let name: string | undefined;
  for (const path of candidates) {
    try {
      name = parseOsRelease(await readFile(path, 'utf8')).get('PRETTY_NAME') || undefined;
      break;
    } catch {
      // Missing on macOS and on minimal images; the next candidate or os.type() answers.
    }
  }
  return {
    name: name ?? os.type(),
    kernel: os.release(),
    architecture: os.arch(),
    platform: os.platform(),
  };
}

/** Reads hostname, OS, CPU, memory, uptime and runtime version of this host. */
export async function readSystemFacts(): Promise<SystemFacts> {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    os: await readOsFacts(),
    // os.cpus() is empty where /proc/cpuinfo is unreadable (some sandboxes).
    cpuCount: cpus.length > 0 ? cpus.length : os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    memoryTotalBytes: os.totalmem(),
    uptimeSeconds: Math.floor(os.uptime()),
    runtimeVersion: process.version,
  };
}
