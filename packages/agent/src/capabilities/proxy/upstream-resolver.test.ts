import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { failureOf } from '../../test-helpers/docker.js';
import { containerAddress, resolveUpstream } from './upstream-resolver.js';

// Only the parts of `docker inspect` the resolver reads, shaped as Docker reports them.
function inspected(parts: {
  running?: boolean;
  ports?: Record<string, { HostIp: string; HostPort: string }[] | null>;
  networks?: Record<string, { IPAddress: string; GlobalIPv6Address?: string }>;
  networkMode?: string;
}): Dockerode.ContainerInspectInfo {
  return {
    State: { Running: parts.running ?? true, Status: parts.running === false ? 'exited' : 'running' },
    HostConfig: { NetworkMode: parts.networkMode ?? 'bridge' },
    NetworkSettings: { Ports: parts.ports ?? {}, Networks: parts.networks ?? {} },
  } as unknown as Dockerode.ContainerInspectInfo;
}

describe('resolveUpstream', () => {
  it('writes an address upstream as host:port, an IPv6 one in brackets', async () => {
    expect(await resolveUpstream({ host: '10.0.0.5', port: 8080 }, undefined)).toBe('10.0.0.5:8080');
    expect(await resolveUpstream({ host: 'web.lan', port: 80 }, undefined)).toBe('web.lan:80');
    expect(await resolveUpstream({ host: '2001:db8::1', ipv6: true, port: 443 }, undefined)).toBe('[2001:db8::1]:443');
  });

  it('refuses a container upstream when the agent has no Docker to ask', async () => {
    expect((await failureOf(resolveUpstream({ container: 'web', port: 80 }, undefined))).code).toBe('docker_unavailable');
  });
});

describe('containerAddress', () => {
  it('prefers the port published on every address, reached on loopback', () => {
    const info = inspected({
      ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }, { HostIp: '::', HostPort: '32768' }] },
      networks: { bridge: { IPAddress: '172.17.0.2' } },
    });
    expect(containerAddress('web', info, 8080)).toBe('127.0.0.1:32768');
  });

  it('uses the address a port is published on when it is a specific one', () => {
    expect(containerAddress('web', inspected({ ports: { '8080/tcp': [{ HostIp: '192.0.2.10', HostPort: '9000' }] } }), 8080)).toBe('192.0.2.10:9000');
    expect(containerAddress('web', inspected({ ports: { '8080/tcp': [{ HostIp: '::1', HostPort: '9000' }] } }), 8080)).toBe('[::1]:9000');
    expect(containerAddress('web', inspected({ ports: { '8080/tcp': [{ HostIp: '::', HostPort: '9000' }] } }), 8080)).toBe('[::1]:9000');
  });

  it("falls back to the container's IP on its first network when the port is not published", () => {
    const info = inspected({
      ports: { '8080/tcp': null, '9090/tcp': [{ HostIp: '0.0.0.0', HostPort: '32770' }] },
      networks: { none: { IPAddress: '' }, app: { IPAddress: '172.20.0.3' }, bridge: { IPAddress: '172.17.0.2' } },
    });
    expect(containerAddress('web', info, 8080)).toBe('172.20.0.3:8080');
    expect(containerAddress('web', inspected({ networks: { v6: { IPAddress: '', GlobalIPv6Address: 'fd00::3' } } }), 80)).toBe('[fd00::3]:80');
  });

  it('uses loopback for a container on the host network', () => {
    expect(containerAddress('web', inspected({ networkMode: 'host', networks: { host: { IPAddress: '' } } }), 3000)).toBe('127.0.0.1:3000');
  });

  it('refuses a container that is not running, and one with no address at all', () => {
    const stopped = (() => {
      try {
        containerAddress('web', inspected({ running: false }), 80);
      } catch (error) {
        return error as { code: string; message: string };
      }
    })();
    expect(stopped).toMatchObject({ code: 'conflict', message: expect.stringMatching(/^Container "web" is not running \(exited\)/) });
    expect(() => containerAddress('web', inspected({ networks: { none: { IPAddress: '' } } }), 80)).toThrow(/has no IP address/);
  });

  it('ignores what Docker reports when it is not a plain IP address', () => {
    const info = inspected({ ports: { '80/tcp': [{ HostIp: '1.2.3.4;evil', HostPort: '80' }] }, networks: { x: { IPAddress: '10.0.0.1 ' }, y: { IPAddress: '10.0.0.2' } } });
    expect(containerAddress('web', info, 80)).toBe('10.0.0.2:80');
  });
});
