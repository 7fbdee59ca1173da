import { isIP } from 'node:net';
import type Dockerode from 'dockerode';
import type { ContainerResolver } from '../docker/container-resolver.js';
import { containerRef } from '../docker/docker-input.js';
import { CommandFailure } from '../registry.js';

/** Where a proxy host forwards to, as validated (exactly one of host and container). */
export interface UpstreamTarget {
  host?: string;
  ipv6?: boolean;
  container?: string;
  port: number;
}

// Docker's spellings of "every address" in a port binding.
const WILDCARD_HOST_IPS = new Set(['', '0.0.0.0', '::']);

/**
 * Turns an upstream into the address nginx's proxy_pass takes: "10.0.0.5:8080",
 * "[2001:db8::1]:8080", "web.lan:80". A container is looked up in Docker at every call,
 * because its IP changes when it is recreated: the port it publishes on this host if it
 * publishes the one asked for, else its IP on its first network.
 */
export async function resolveUpstream(target: UpstreamTarget, containers: ContainerResolver | undefined, signal?: AbortSignal): Promise<string> {
  if (target.container === undefined) {
    if (target.host === undefined) throw new CommandFailure('invalid_argument', 'upstream: name a host or a container');
    return target.ipv6 ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  }
  if (!containers) {
    throw new CommandFailure('docker_unavailable', `upstream.container: "${target.container}" needs Docker, which this agent does not use (the docker capability is off in its policy file)`);
  }
  const ref = containerRef(target.container);
  const info = await containers.inspect(ref, signal);
  return containerAddress(ref, info, target.port);
}

/** The address of one port of an inspected container (see resolveUpstream). */
export function containerAddress(ref: string, info: Dockerode.ContainerInspectInfo, port: number): string {
  if (!info.State?.Running) {
    throw new CommandFailure('conflict', `Container "${ref}" is not running (${info.State?.Status ?? 'unknown state'}); start it before pointing a proxy host at it`);
  }
  const published = publishedAddress(info, port);
  if (published) return published;
  // A container on the host's network listens on the host's own addresses.
  if (info.HostConfig?.NetworkMode === 'host') return `127.0.0.1:${port}`;
  for (const network of Object.values(info.NetworkSettings?.Networks ?? {})) {
    const address = hostPort(network.IPAddress, port) ?? hostPort(network.GlobalIPv6Address, port);
    if (address) return address;
  }
  throw new CommandFailure('conflict', `Container "${ref}" has no IP address on any network and does not publish port ${port}; connect it to a network or publish the port`);
}

// Docker lists a published port as "<port>/tcp": [{ HostIp, HostPort }, ...].
function publishedAddress(info: Dockerode.ContainerInspectInfo, port: number): string | undefined {
  const bindings = (info.NetworkSettings?.Ports?.[`${port}/tcp`] ?? []) as { HostIp?: string; HostPort?: string }[];
  const usable = bindings.filter((binding) => /^\d+$/.test(binding.HostPort ?? ''));
  // Every-address bindings are reached on loopback; IPv4 first, as nginx's workers do.
  const wildcard = usable.find((binding) => binding.HostIp === '' || binding.HostIp === '0.0.0.0' || binding.HostIp === undefined);
  if (wildcard) return `127.0.0.1:${wildcard.HostPort}`;
  const wildcardV6 = usable.find((binding) => binding.HostIp === '::');
  if (wildcardV6) return `[::1]:${wildcardV6.HostPort}`;
  const specific = usable.find((binding) => !WILDCARD_HOST_IPS.has(binding.HostIp ?? ''));
  return specific ? hostPort(specific.HostIp, Number(specific.HostPort)) : undefined;
}

// What Docker reports ends up in a config file too: only a plain IP address passes.
function hostPort(ip: string | undefined, port: number): string | undefined {
  if (!ip || ip.includes('%')) return undefined;
  switch (isIP(ip)) {
    case 4:
      return `${ip}:${port}`;
    case 6:
      return `[${ip}]:${port}`;
    default:
      return undefined;
  }
}
