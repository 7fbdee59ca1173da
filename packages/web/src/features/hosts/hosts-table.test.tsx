import type { Page } from '@infrapilot/protocol';
import type { QueryClient } from '@tanstack/react-query';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../testing/render-with-providers';
import { applyLiveEvent } from './hosts-live-cache';
import { type Host, hostKeys, useHosts } from './hosts-queries';
import { HostsTable } from './hosts-table';
import { host, liveFigures, seededQueryClient } from './hosts-test-fixtures';

const NOW = Date.parse('2026-01-01T12:05:00Z');

const WEB = host({ id: '00000000-0000-7000-8000-000000000001', name: 'web-1', live: liveFigures({ cpuPercent: 20 }) });
const DATABASE = host({ id: '00000000-0000-7000-8000-000000000002', name: 'db-1', live: liveFigures({ cpuPercent: 85 }), version: '0.2.0' });
const CACHE = host({ id: '00000000-0000-7000-8000-000000000003', name: 'cache-1', status: 'offline', connected: false, live: liveFigures({ cpuPercent: 50 }) });

/** The hosts page's table, fed from the query cache the way the page feeds it. */
function HostsFromCache() {
  const hosts = useHosts();
  return hosts.data ? <HostsTable hosts={hosts.data.items} now={NOW} /> : null;
}

function renderTable(queryClient: QueryClient, hosts: Host[], route = '/hosts') {
  queryClient.setQueryData<Page<Host>>(hostKeys.list(), { items: hosts, nextCursor: null });
  return renderWithProviders(<HostsFromCache />, { queryClient, route });
}

function shownNames(): string[] {
  const rows = screen.getAllByRole('row').filter((row) => row.hasAttribute('data-host-id'));
  return rows.map((row) => within(row).getByRole('link').textContent ?? '');
}

describe('hosts table', () => {
  it('opens filtered from the URL (the overview links to /hosts?status=offline) and keeps the filter in it', async () => {
    const user = userEvent.setup();
    renderTable(seededQueryClient(), [WEB, DATABASE, CACHE], '/hosts?status=offline');
    expect(shownNames()).toEqual(['cache-1']);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), '');
    await user.type(screen.getByRole('searchbox', { name: 'Filter hosts' }), 'db');
    expect(shownNames()).toEqual(['db-1']);
    expect(screen.getByTestId('location').textContent).toBe('/hosts?q=db');
  });

  it('lists hosts by name with a link to each, and sorts by CPU busiest first, then least busy first', async () => {
    const user = userEvent.setup();
    renderTable(seededQueryClient(), [WEB, DATABASE, CACHE]);
    expect(shownNames()).toEqual(['cache-1', 'db-1', 'web-1']);
    expect(screen.getByRole('link', { name: 'web-1' })).toHaveProperty('pathname', `/hosts/${WEB.id}`);

    const cpuHeader = screen.getByRole('columnheader', { name: /CPU/ });
    await user.click(within(cpuHeader).getByRole('button'));
    expect(shownNames()).toEqual(['db-1', 'cache-1', 'web-1']);
    expect(cpuHeader.getAttribute('aria-sort')).toBe('descending');

    await user.click(within(cpuHeader).getByRole('button'));
    expect(shownNames()).toEqual(['web-1', 'cache-1', 'db-1']);
    expect(cpuHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('none');
  });

  it('filters by name, hostname, version or status text, and by the status select', async () => {
    const user = userEvent.setup();
    renderTable(seededQueryClient(), [WEB, DATABASE, CACHE]);
    const filter = screen.getByRole('searchbox', { name: 'Filter hosts' });

    await user.type(filter, 'WEB');
    expect(shownNames()).toEqual(['web-1']);

    await user.clear(filter);
    await user.type(filter, '0.2.0');
    expect(shownNames()).toEqual(['db-1']);

    await user.clear(filter);
    await user.type(filter, 'offline');
    expect(shownNames()).toEqual(['cache-1']);

    await user.clear(filter);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'active');
    expect(shownNames()).toEqual(['db-1', 'web-1']);

    await user.type(filter, 'nothing-matches');
    expect(shownNames()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Clear filter' }));
    expect(shownNames()).toEqual(['cache-1', 'db-1', 'web-1']);
  });

  it('shows each status as a badge with exactly the status word, and usage as labelled meters', () => {
    renderTable(seededQueryClient(), [WEB, CACHE]);
    const webRow = screen.getAllByRole('row').find((row) => row.getAttribute('data-host-id') === WEB.id)!;
    expect(within(webRow).getByTestId('host-status').textContent).toBe('active');
    const memory = within(webRow).getByRole('meter', { name: 'Memory of web-1' });
    expect(memory.getAttribute('aria-valuetext')).toBe('25%, 1.0 GiB of 4.0 GiB');
    expect(within(webRow).getByRole('meter', { name: 'Disk of web-1' }).getAttribute('aria-valuenow')).toBe('10');
    expect(within(webRow).getByText('5 minutes ago')).toBeTruthy();

    const cacheRow = screen.getAllByRole('row').find((row) => row.getAttribute('data-host-id') === CACHE.id)!;
    expect(within(cacheRow).getByTestId('host-status').textContent).toBe('offline');
  });

  it('shows a host removed while the page is open as "revoked", greyed, until the page reloads', async () => {
    const queryClient = seededQueryClient();
    renderTable(queryClient, [WEB, DATABASE]);
    applyLiveEvent(queryClient, { type: 'agent.removed', agentId: WEB.id, at: '2026-01-01T12:04:00.000Z' });

    const webRow = screen.getAllByRole('row').find((row) => row.getAttribute('data-host-id') === WEB.id)!;
    // The query cache tells React on its next tick.
    await waitFor(() => expect(within(webRow).getByTestId('host-status').textContent).toBe('revoked'));
    expect(webRow.className).toContain('opacity-60');
    const databaseRow = screen.getAllByRole('row').find((row) => row.getAttribute('data-host-id') === DATABASE.id)!;
    expect(within(databaseRow).getByTestId('host-status').textContent).toBe('active');
  });
});
