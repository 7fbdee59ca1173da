import type { Container, ContainerDetail, Image, Stack } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { containerTable, imageTable, inspectFields, inspectSections, portsText, shellQuote, stackTable, withoutEnvironmentValues } from './docker.render.js';

const AGENT = '0190a8b0-0000-7000-8000-000000000001';

function container(overrides: Partial<Container>): Container {
  return {
    id: '0190a8b0-0000-7000-8000-0000000000aa',
    agentId: AGENT,
    agentName: 'web-1',
    containerId: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
    name: 'shop-web-1',
    image: 'nginx:1.27',
    state: 'running',
    statusText: 'Up 5 minutes',
    health: null,
    stack: 'shop',
    stackService: 'web',
    cpuPercent: 1.234,
    memoryBytes: 52_428_800,
    memoryLimitBytes: 1_073_741_824,
    restartCount: 2,
    exitCode: null,
    ports: [],
    createdAt: '2025-03-01T11:00:00.000Z',
    startedAt: '2025-03-01T11:55:00.000Z',
    lastSyncedAt: '2025-03-01T12:00:00.000Z',
    ...overrides,
  };
}

describe('containerTable', () => {
  it('shows state with health, CPU, memory, restarts, ports and status; no host column for one host', () => {
    const table = containerTable(
      [
        container({
          health: 'healthy',
          ports: [
            { ip: '0.0.0.0', privatePort: 80, publicPort: 8080, protocol: 'tcp' },
            { ip: '::', privatePort: 80, publicPort: 8080, protocol: 'tcp' },
            { ip: '', privatePort: 443, publicPort: null, protocol: 'tcp' },
          ],
        }),
        container({ name: 'job', stack: null, state: 'exited', exitCode: 137, cpuPercent: null, memoryBytes: null, restartCount: 0, statusText: 'Exited (137) 1 hour ago' }),
      ],
      false,
    );
    expect(table.head).toEqual(['name', 'image', 'state', 'stack', 'CPU %', 'memory', 'restarts', 'ports', 'status']);
    expect(table.rows).toEqual([
      ['shop-web-1', 'nginx:1.27', 'running (healthy)', 'shop', '1.2', '50.0 MiB', 2, '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/tcp', 'Up 5 minutes'],
      ['job', 'nginx:1.27', 'exited (137)', null, '', '', 0, '', 'Exited (137) 1 hour ago'],
    ]);
  });

  it('shows the health only of a running container, and the exit code of a stopped one', () => {
    const stopped = containerTable([container({ state: 'exited', health: 'unhealthy', exitCode: 0 })], false);
    expect(stopped.rows[0]![2]).toBe('exited (0)');
  });

  it('puts the host first when the list spans hosts', () => {
    const table = containerTable([container({ agentName: 'db-1' })], true);
    expect(table.head[0]).toBe('host');
    expect(table.rows[0]![0]).toBe('db-1');
  });
});

describe('portsText', () => {
  it('lists a binding once even when Docker repeats it', () => {
    const port = { ip: '0.0.0.0', privatePort: 53, publicPort: 53, protocol: 'udp' };
    expect(portsText([port, port])).toBe('0.0.0.0:53->53/udp');
  });
});

describe('inspect', () => {
  const detail: ContainerDetail = {
    agentId: AGENT,
    agentName: 'web-1',
    containerId: 'a1b2c3d4e5f6',
    name: 'shop-web-1',
    image: 'nginx:1.27',
    imageId: 'sha256:0123456789abcdef0123',
    state: 'exited',
    createdAt: '2025-03-01T11:00:00.000Z',
    startedAt: '2025-03-01T11:55:00.000Z',
    finishedAt: '2025-03-01T11:59:00.000Z',
    exitCode: 1,
    restartCount: 3,
    restartPolicy: 'unless-stopped',
    health: null,
    command: ['sh', '-c', "echo 'hi' && sleep 1"],
    entrypoint: [],
    workingDir: '/srv',
    user: '',
    hostname: 'a1b2c3d4e5f6',
    tty: false,
    env: [
      { name: 'PATH', value: '/bin' },
      { name: 'DB_PASSWORD', value: 's3cret' },
    ],
    labels: { 'com.docker.compose.project': 'shop' },
    ports: [],
    mounts: [{ type: 'volume', name: 'shop_data', source: '/var/lib/docker/volumes/shop_data/_data', destination: '/data', mode: 'z', readOnly: false }],
    networks: [],
    stack: 'shop',
    stackService: 'web',
  };

  it('summarises state, restarts, the command line quoted as a shell would need it, and the stack', () => {
    const fields = Object.fromEntries(inspectFields(detail));
    expect(fields).toMatchObject({
      Image: 'nginx:1.27 (0123456789ab)',
      State: 'exited (exit code 1)',
      Finished: '2025-03-01 11:59:00Z',
      Restarts: '3 (policy: unless-stopped)',
      Command: `sh -c 'echo '\\''hi'\\'' && sleep 1'`,
      User: '(image default)',
      Stack: 'shop (service web)',
    });
  });

  it('hides environment values unless asked, and leaves out empty sections', () => {
    const hidden = inspectSections(detail, false);
    expect(hidden.map((section) => section.title)).toEqual(['Mounts', 'Environment', 'Labels']);
    const environment = hidden.find((section) => section.title === 'Environment')!;
    expect(JSON.stringify(environment)).not.toContain('s3cret');
    expect(environment.table.rows[1]).toEqual(['DB_PASSWORD', '(hidden; --show-env shows values)']);
    const shown = inspectSections(detail, true).find((section) => section.title === 'Environment')!;
    expect(shown.table.rows[1]).toEqual(['DB_PASSWORD', 's3cret']);
    expect(inspectSections({ ...detail, env: [{ name: 'X', value: null }] }, true).find((section) => section.title === 'Environment')!.table.rows).toEqual([
      ['X', '(your role may not read values)'],
    ]);
    expect(JSON.stringify(withoutEnvironmentValues(detail))).not.toContain('s3cret');
  });

  it('quotes only what needs quoting', () => {
    expect(shellQuote('/usr/bin/env')).toBe('/usr/bin/env');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('')).toBe("''");
  });
});

describe('stacks and images', () => {
  it('shows how many of a stack\'s containers run and the count per state', () => {
    const stack: Stack = { agentId: AGENT, agentName: 'web-1', name: 'shop', services: ['db', 'web'], containers: 3, running: 2, states: { running: 2, exited: 1, paused: 0 } };
    expect(stackTable([stack], false).rows).toEqual([['shop', 'db, web', '2/3', 'running 2, exited 1']]);
    expect(stackTable([stack], true).rows[0]![0]).toBe('web-1');
  });

  it('lists images newest first with short ids, sizes and <none> for untagged ones', () => {
    const images: Image[] = [
      { id: 'sha256:aaaaaaaaaaaaaaaa', tags: ['old:1'], sizeBytes: 1024, createdAt: '2024-01-01T00:00:00.000Z', containers: 0 },
      { id: 'sha256:bbbbbbbbbbbbbbbb', tags: [], sizeBytes: 5 * 1024 * 1024, createdAt: '2025-01-01T00:00:00.000Z', containers: null },
    ];
    expect(imageTable(images).rows).toEqual([
      ['bbbbbbbbbbbb', '<none>', '5.0 MiB', '2025-01-01 00:00:00Z', null],
      ['aaaaaaaaaaaa', 'old:1', '1.0 KiB', '2024-01-01 00:00:00Z', 0],
    ]);
  });
});
