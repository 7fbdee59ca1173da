import type { AuditEntry, Page } from '@infrapilot/protocol';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithProviders } from '../../testing/render-with-providers';
import { seededQueryClient } from '../hosts/hosts-test-fixtures';
import { RecentActivityCard, recentActivityKey } from './recent-activity-card';

function entry(id: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    orgId: 'org-1',
    userId: 'user-1',
    apiKeyId: null,
    actorLabel: 'ada@example.com',
    action: 'agent.create',
    resourceType: 'agent',
    resourceId: 'agent-1',
    ipAddress: '192.0.2.7',
    userAgent: null,
    requestBody: null,
    responseStatus: 201,
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    ...overrides,
  };
}

function renderWithEntries(entries: AuditEntry[]) {
  const queryClient = seededQueryClient();
  queryClient.setQueryData<Page<AuditEntry>>(recentActivityKey, { items: entries, nextCursor: null });
  return renderWithProviders(<RecentActivityCard />, { queryClient });
}

describe('RecentActivityCard', () => {
  it('shows when, who, what and how it ended for each entry, and links to the audit log', () => {
    renderWithEntries([entry('1'), entry('2', { actorLabel: null, userId: null, apiKeyId: 'key-1', action: 'member.remove', responseStatus: 403 })]);
    const rows = within(screen.getByRole('table', { name: 'Recent activity' })).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent))).toEqual([
      ['5 minutes ago', 'ada@example.com', 'agent.create', '201'],
      ['5 minutes ago', 'API key …key-1', 'member.remove', '403'],
    ]);
    expect(screen.getByRole('link', { name: 'View audit log' }).getAttribute('href')).toBe('/audit');
  });

  it('says when there is no activity yet', () => {
    renderWithEntries([]);
    expect(screen.getByText('No activity yet')).toBeTruthy();
  });
});
