import { ApiError } from '@infrapilot/client';
import type { ApiKeyCreated, Page, ApiKey } from '@infrapilot/protocol';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { makeApiKey, testId } from '../../testing/api-records';
import { mutationCacheText } from '../../testing/mutation-cache-text';
import { renderWithProviders } from '../../testing/render-with-providers';
import { type ApiKeysApi, ApiKeysPanel } from './api-keys-panel';
import { CreateApiKeyDialog } from './create-api-key-dialog';

const SECRET = 'ipk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

function created(name = 'CI deploys'): ApiKeyCreated {
  return { apiKey: makeApiKey({ id: testId(101), name }), secret: SECRET };
}

function page(items: ApiKey[], nextCursor: string | null = null): Page<ApiKey> {
  return { items, nextCursor };
}

function fakeApiKeysApi(keys: ApiKey[]): ApiKeysApi & { list: ReturnType<typeof vi.fn>; create: ReturnType<typeof vi.fn>; revoke: ReturnType<typeof vi.fn> } {
  return {
    list: vi.fn(async () => page(keys)),
    create: vi.fn(async () => created()),
    revoke: vi.fn(async (id: string) => ({ ...keys.find((key) => key.id === id)!, revokedAt: '2025-03-01T00:00:00.000Z' })),
  };
}

describe('CreateApiKeyDialog', () => {
  it('shows the secret once after creation and forgets it when the dialog closes', async () => {
    const onCreate = vi.fn(async () => created());
    const { user } = renderWithProviders(<CreateApiKeyDialog roles={['operator', 'viewer']} onCreate={onCreate} origin="https://infra.example" />);

    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    await user.type(screen.getByLabelText('Name'), 'CI deploys');
    await user.selectOptions(screen.getByLabelText('Role'), 'operator');
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    expect(onCreate).toHaveBeenCalledWith({ name: 'CI deploys', role: 'operator' });
    expect(await screen.findByLabelText('API key')).toHaveProperty('textContent', SECRET);
    expect(screen.getByText(/Copy it now — it is not shown again/)).toBeTruthy();
    expect(screen.getByLabelText('Example request').textContent).toBe(`curl -H "Authorization: Bearer ${SECRET}" https://infra.example/api/v1/auth/me`);

    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByText(SECRET)).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    expect(screen.getByLabelText('Name')).toHaveProperty('value', '');
    expect(screen.queryByText(SECRET)).toBeNull();
    expect(screen.queryByLabelText('API key')).toBeNull();
  });

  it('offers only the roles it is given', async () => {
    const { user } = renderWithProviders(<CreateApiKeyDialog roles={['operator', 'viewer']} onCreate={vi.fn()} origin="https://infra.example" />);
    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    const options = within(screen.getByLabelText('Role')).getAllByRole('option').map((option) => option.textContent);
    expect(options).toEqual(['Operator', 'Viewer']);
  });

  it("shows the server's refusal and keeps the form", async () => {
    const onCreate = vi.fn(async () => {
      throw new ApiError(403, 'forbidden', 'Your role (operator) cannot create a super_admin key');
    });
    const { user } = renderWithProviders(<CreateApiKeyDialog roles={['super_admin', 'operator', 'viewer']} onCreate={onCreate} origin="https://infra.example" />);
    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    await user.type(screen.getByLabelText('Name'), 'admin key');
    await user.selectOptions(screen.getByLabelText('Role'), 'super_admin');
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Your role (operator) cannot create a super_admin key');
    expect(screen.getByLabelText('Name')).toHaveProperty('value', 'admin key');
    expect(screen.queryByLabelText('API key')).toBeNull();
  });

  it('asks for a name without calling the server', async () => {
    const onCreate = vi.fn(async () => created());
    const { user } = renderWithProviders(<CreateApiKeyDialog roles={['viewer']} onCreate={onCreate} origin="https://infra.example" />);
    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    expect(screen.getByRole('alert').textContent).toMatch(/Give the key a name/);
    expect(onCreate).not.toHaveBeenCalled();
  });
});

describe('ApiKeysPanel', () => {
  it('shows keys to a viewer without the create and revoke buttons', async () => {
    const apiKeys = fakeApiKeysApi([makeApiKey({ name: 'ci' })]);
    renderWithProviders(<ApiKeysPanel canManage={false} grantableRoles={[]} seesAllKeys={false} apiKeys={apiKeys} />);

    expect(await screen.findByText('ci')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create API key' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Revoke ci' })).toBeNull();
  });

  it('revokes a key after confirmation and reloads the list', async () => {
    const apiKeys = fakeApiKeysApi([makeApiKey({ id: testId(100), name: 'ci' }), makeApiKey({ id: testId(102), name: 'old', revokedAt: '2025-02-01T00:00:00.000Z' })]);
    const { user } = renderWithProviders(<ApiKeysPanel canManage grantableRoles={['operator', 'viewer']} seesAllKeys apiKeys={apiKeys} />);

    await user.click(await screen.findByRole('button', { name: 'Revoke ci' }));
    expect(screen.queryByRole('button', { name: 'Revoke old' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Revoke' }));

    expect(apiKeys.revoke).toHaveBeenCalledWith(testId(100));
    await waitFor(() => expect(apiKeys.list).toHaveBeenCalledTimes(2));
    expect((await screen.findAllByText('Revoked API key ci')).length).toBeGreaterThan(0);
  });

  it('keeps showing the secret while the list reloads after the first key is created', async () => {
    const apiKeys = fakeApiKeysApi([]);
    const { user, queryClient } = renderWithProviders(<ApiKeysPanel canManage grantableRoles={['operator', 'viewer']} seesAllKeys origin="https://infra.example" apiKeys={apiKeys} />);
    expect(await screen.findByText('No API keys yet')).toBeTruthy();
    apiKeys.list.mockResolvedValue(page([created().apiKey]));

    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    await user.type(screen.getByLabelText('Name'), 'CI deploys');
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    await waitFor(() => expect(apiKeys.list).toHaveBeenCalledTimes(2));
    expect(await screen.findByLabelText('API key')).toHaveProperty('textContent', SECRET);

    // Done forgets the secret everywhere: on screen and in the query client.
    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByText(SECRET)).toBeNull();
    expect(mutationCacheText(queryClient)).not.toContain(SECRET);
  });
});
