// What the benches ran on, recorded with every result.
import { cpus, release, totalmem, type, version } from 'node:os';
import { readFileSync } from 'node:fs';

function osName() {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease);
    if (pretty) return pretty[1];
  } catch {
    // not Linux, or no os-release: fall back on the kernel's name
  }
  return `${type()} ${version()}`;
}

/** @returns {{ cpuModel: string, cores: number, memoryGiB: number, os: string, kernel: string, node: string }} */
export function machineInfo() {
  const list = cpus();
  return {
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    kernel: `${type()} ${release()}`,
    node: process.version,
  };
}
