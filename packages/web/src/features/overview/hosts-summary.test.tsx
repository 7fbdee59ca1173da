import type { AgentLiveFigures, Page } from '@infrapilot/protocol';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../testing/render-with-providers';
import { type Host, hostKeys } from '../hosts/hosts-queries';
import { seededQueryClient } from '../hosts/hosts-test-fixtures';
import { HostsSummary } from './hosts-summary';

const GIB = 1024 ** 3;

function figures(overrides: Partial<AgentLiveFigures> = {}): AgentLiveFigures {
  return {
    collectedAt: '2025-06-01T12:00:00.000Z',
    cpuPercent: 20,
    memoryUsedBytes: 2 * GIB,
    memoryTotalBytes: 8 * GIB,
    disks: [{ mountPoint: '/', filesystem: 'ext4', usedBytes: 10 * GIB, totalBytes: 100 * GIB }],
    loadAverage1m: 0.5,
    loadAverage5m: 0.4,
    loadAverage15m: 0.3,
    networkReceiveBytesPerSecond: 1000,
    networkTransmitBytesPerSecond: 1000,
    uptimeSeconds: 3600,
    ...overrides,
  };
}

function host(id: string, overrides: Partial<Host> = {}): Host {
  return {
    id,
    name: id,
    hostname: id,
    status: 'active',
    connected: true,
    version: '0.1.0',
    protocolVersion: 1,
    os: null,
    capabilities: [],
    lastSeenAt: '2025-06-01T12:00:00.000Z',
    createdAt: '2025-05-01T12:00:00.000Z',
    certificateExpiresAt: null,
    certificateFingerprint: null,
    live: figures(),
    ...overrides,
  };
}

/** The hosts list as the live cache keeps it; nothing is fetched. */
function renderWithHosts(hosts: Host[], canAddHosts = true) {
  const queryClient = seededQueryClient();
  queryClient.setQueryData<Page<Host>>(hostKeys.list(), { items: hosts, nextCursor: null });
  return renderWithProviders(<HostsSummary canAddHosts={canAddHosts} />, { queryClient });
}

function statusLink(status: string): HTMLElement {
  const link = within(screen.getByRole('list', { name: 'Hosts by status' }))
    .getAllByRole('link')
    .find((candidate) => candidate.getAttribute('data-status') === status);
  if (!link) throw new Error(`no link for ${status}`);
  return link;
}

describe('HostsSummary', () => {
  const seeded = [
    host('web-1'),
    host('web-2', { live: figures({ cpuPercent: 97 }) }),
    host('db-1', { live: figures({ disks: [{ mountPoint: '/var', filesystem: 'ext4', usedBytes: 95 * GIB, totalBytes: 100 * GIB }] }) }),
    host('cache-1', { status: 'offline', connected: false }),
    host('new-1', { status: 'pending', connected: false, live: null, lastSeenAt: null }),
    host('gone-1', { status: 'offline', revokedAt: '2025-06-01T12:05:00.000Z' }),
  ];

  it('counts hosts by status, leaving out revoked ones, each count linking to the filtered list', () => {
    renderWithHosts(seeded);
    expect(screen.getByTestId('hosts-total').textContent).toBe('5');
    expect(statusLink('active').textContent).toBe('3 active');
    expect(statusLink('offline').textContent).toBe('1 offline');
    expect(statusLink('pending').textContent).toBe('1 pending');
    expect(statusLink('offline').getAttribute('href')).toBe('/hosts?status=offline');
  });

  it('lists offline and overloaded hosts as needing attention, with links to them', () => {
    renderWithHosts(seeded);
    const list = screen.getByRole('list', { name: 'Hosts needing attention' });
    const names = within(list).getAllByRole('link').map((link) => link.textContent);
    expect(names).toEqual(['cache-1', 'db-1', 'web-2']);
    expect(within(list).getByRole('link', { name: 'web-2' }).getAttribute('href')).toBe('/hosts/web-2');
    expect(within(list).getByText('CPU 97%')).toBeTruthy();
    expect(within(list).getByText('disk /var 95%')).toBeTruthy();
  });

  it('says so when no host needs attention', () => {
    renderWithHosts([host('web-1')]);
    expect(screen.queryByRole('list', { name: 'Hosts needing attention' })).toBeNull();
    expect(screen.getByText(/every host is reporting/)).toBeTruthy();
  });

  it('invites adding a first host when there is none', () => {
    renderWithHosts([]);
    expect(screen.getByText('No hosts yet')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Add your first host' }).getAttribute('href')).toBe('/hosts');
  });

  it('offers no "Add your first host" to roles that cannot add hosts', () => {
    renderWithHosts([], false);
    expect(screen.getByText('No hosts yet')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Add your first host' })).toBeNull();
  });
});
