import { ApiError } from '@infrapilot/client';
import type { AuditEntry, Page } from '@infrapilot/protocol';
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { formatDateTime } from '../../lib/format';
import { makeAuditEntry, testId } from '../../testing/api-records';
import { renderWithProviders } from '../../testing/render-with-providers';
import { AuditLog } from './audit-log';
import { AuditTable } from './audit-table';

function page(items: AuditEntry[], nextCursor: string | null = null): Page<AuditEntry> {
  return { items, nextCursor };
}

function fakeAuditApi(...pages: Array<Page<AuditEntry>>) {
  const list = vi.fn(async (_query?: Record<string, unknown>) => pages.shift() ?? page([]));
  return { list };
}

describe('AuditTable', () => {
  it('expands a row to show the user agent, ids and the redacted request body', async () => {
    const body = { email: 'bob@example.com', role: 'operator', password: '[redacted]' };
    const entry = makeAuditEntry({ requestBody: body, userAgent: 'infrapilot-cli/0.1.0' });
    const { user } = renderWithProviders(<AuditTable entries={[entry]} />);

    const toggle = screen.getByRole('button', { name: `Details of user.create at ${formatDateTime(entry.createdAt)}` });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByLabelText('Request body')).toBeNull();

    await user.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByLabelText('Request body').textContent).toBe(JSON.stringify(body, null, 2));
    expect(screen.getByText('infrapilot-cli/0.1.0')).toBeTruthy();
    expect(screen.getByText(entry.resourceId!)).toBeTruthy();

    await user.click(toggle);
    expect(screen.queryByLabelText('Request body')).toBeNull();
  });

  it('colours the status by class: success, refused, failed', () => {
    renderWithProviders(
      <AuditTable
        entries={[
          makeAuditEntry({ id: testId(1), responseStatus: 201 }),
          makeAuditEntry({ id: testId(2), responseStatus: 403 }),
          makeAuditEntry({ id: testId(3), responseStatus: 503 }),
        ]}
      />,
    );
    expect(screen.getByText('201').className).toMatch(/text-success/);
    expect(screen.getByText('403').className).toMatch(/text-warning/);
    expect(screen.getByText('503').className).toMatch(/text-destructive/);
  });
});

describe('AuditLog', () => {
  it('reads its filters from the URL and asks the server with them', async () => {
    const audit = fakeAuditApi(page([makeAuditEntry({ action: 'user.disable' })]));
    renderWithProviders(<AuditLog audit={audit} />, { route: '/audit?action=user.*&resourceType=user' });

    expect(await screen.findByText('user.disable')).toBeTruthy();
    expect(screen.getByLabelText('Action')).toHaveProperty('value', 'user.*');
    expect(screen.getByLabelText('Resource type')).toHaveProperty('value', 'user');
    expect(audit.list).toHaveBeenCalledWith({ action: 'user.*', resourceType: 'user', limit: 50 });
  });

  it('puts applied filters in the URL, times as ISO instants, and clears them', async () => {
    const audit = fakeAuditApi(page([makeAuditEntry()]));
    const { user } = renderWithProviders(<AuditLog audit={audit} />, { route: '/audit' });
    await screen.findByText('user.create');

    await user.type(screen.getByLabelText('Action'), 'api_key.*');
    await user.type(screen.getByLabelText('From'), '2025-03-01T14:30');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    const fromIso = new Date('2025-03-01T14:30').toISOString();
    await waitFor(() => expect(audit.list).toHaveBeenLastCalledWith({ action: 'api_key.*', from: fromIso, limit: 50 }));
    const search = new URLSearchParams(screen.getByTestId('location').textContent!.split('?')[1]);
    expect(search.get('action')).toBe('api_key.*');
    expect(search.get('from')).toBe(fromIso);

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/audit'));
    expect(screen.getByLabelText('Action')).toHaveProperty('value', '');
  });

  it('shows a validation error from the server next to the filter it concerns', async () => {
    const audit = {
      list: vi.fn(async () => {
        throw new ApiError(400, 'validation_failed', 'Invalid request: querystring.action: Invalid string', [
          { path: 'querystring.action', message: 'Use lower-case letters, digits and . _ - *' },
        ]);
      }),
    };
    renderWithProviders(<AuditLog audit={audit} />, { route: '/audit?action=User%20Create' });

    const fieldError = await screen.findByText('Use lower-case letters, digits and . _ - *');
    expect(screen.getByLabelText('Action').getAttribute('aria-describedby')).toBe(fieldError.id);
  });

  it('loads the next page with the cursor of the last', async () => {
    const audit = fakeAuditApi(page([makeAuditEntry({ id: testId(9), action: 'member.add' })], testId(9)), page([makeAuditEntry({ id: testId(8), action: 'member.remove' })]));
    const { user } = renderWithProviders(<AuditLog audit={audit} />, { route: '/audit' });

    await user.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('member.remove')).toBeTruthy();
    expect(screen.getByText('member.add')).toBeTruthy();
    expect(audit.list).toHaveBeenLastCalledWith({ limit: 50, cursor: testId(9) });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('says what to do when no entry matches', async () => {
    renderWithProviders(<AuditLog audit={fakeAuditApi(page([]))} />, { route: '/audit?resourceType=proxy' });
    expect(await screen.findByText('No entries match these filters')).toBeTruthy();
  });
});
