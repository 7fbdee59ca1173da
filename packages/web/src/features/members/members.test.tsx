import { ApiError } from '@infrapilot/client';
import type { Page, Role, User } from '@infrapilot/protocol';
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { makeUser, testId } from '../../testing/api-records';
import { renderWithProviders } from '../../testing/render-with-providers';
import { MembersPanel } from './members-panel';

const ME = makeUser({ id: testId(1), email: 'me@example.com', name: 'Me', role: 'super_admin', mfaEnabled: true });
const BOB = makeUser({ id: testId(2), email: 'bob@example.com', name: 'Bob', role: 'viewer', disabled: true });

/** A stand-in for api.members that remembers changes, as the server would; `pages` overrides what list returns first. */
function fakeMembersApi(pages: Array<Page<User>> = []) {
  let people = [ME, BOB];
  const remaining = [...pages];
  return {
    list: vi.fn(async (_page?: { limit?: number; cursor?: string }) => remaining.shift() ?? { items: people, nextCursor: null }),
    add: vi.fn(async (input: { email: string; role: Role }) => {
      const added = makeUser({ id: testId(3), email: input.email, role: input.role });
      people = [...people, added];
      return added;
    }),
    updateRole: vi.fn(async (userId: string, role: Role) => {
      people = people.map((person) => (person.id === userId ? { ...person, role } : person));
      return people.find((person) => person.id === userId)!;
    }),
    remove: vi.fn(async (userId: string) => {
      people = people.filter((person) => person.id !== userId);
      return { ok: true as const };
    }),
  };
}

describe('MembersPanel', () => {
  it('lists members with role, MFA and status', async () => {
    renderWithProviders(<MembersPanel canManage={false} currentUserId={ME.id} members={fakeMembersApi()} />);
    const row = (await screen.findByText('bob@example.com')).closest('tr')!;
    expect(row.textContent).toContain('Viewer');
    expect(row.textContent).toContain('Off');
    expect(row.textContent).toContain('Disabled');
    expect(row.textContent).toContain('never');
  });

  it('gives a viewer no controls', async () => {
    renderWithProviders(<MembersPanel canManage={false} currentUserId={ME.id} members={fakeMembersApi()} />);
    await screen.findByText('bob@example.com');
    expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull();
    expect(screen.queryByLabelText('Role of bob@example.com')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove bob@example.com' })).toBeNull();
  });

  it("changes a member's role and shows the new one at once", async () => {
    const members = fakeMembersApi();
    const { user } = renderWithProviders(<MembersPanel canManage currentUserId={ME.id} members={members} />);
    await user.selectOptions(await screen.findByLabelText('Role of bob@example.com'), 'operator');

    expect(members.updateRole).toHaveBeenCalledWith(BOB.id, 'operator');
    expect((await screen.findAllByText('bob@example.com is now Operator')).length).toBeGreaterThan(0);
    expect(screen.getByLabelText('Role of bob@example.com')).toHaveProperty('value', 'operator');
  });

  it("shows the server's refusal of a role change in a toast", async () => {
    const members = fakeMembersApi();
    members.updateRole.mockRejectedValue(new ApiError(409, 'last_super_admin', 'An organization must keep at least one super_admin'));
    const { user } = renderWithProviders(<MembersPanel canManage currentUserId={ME.id} members={members} />);
    await user.selectOptions(await screen.findByLabelText('Role of bob@example.com'), 'operator');

    expect((await screen.findAllByText('An organization must keep at least one super_admin')).length).toBeGreaterThan(0);
    expect(screen.getByLabelText('Role of bob@example.com')).toHaveProperty('value', 'viewer');
  });

  it('does not let you change or remove yourself', async () => {
    renderWithProviders(<MembersPanel canManage currentUserId={ME.id} members={fakeMembersApi()} />);
    expect(await screen.findByLabelText('Role of me@example.com')).toHaveProperty('disabled', true);
    expect(screen.queryByRole('button', { name: 'Remove me@example.com' })).toBeNull();
  });

  it('removes a member after confirmation', async () => {
    const members = fakeMembersApi();
    const { user } = renderWithProviders(<MembersPanel canManage currentUserId={ME.id} members={members} />);
    await user.click(await screen.findByRole('button', { name: 'Remove bob@example.com' }));
    await user.click(screen.getByRole('button', { name: 'Remove' }));

    expect(members.remove).toHaveBeenCalledWith(BOB.id);
    await waitFor(() => expect(screen.queryByText('bob@example.com')).toBeNull());
  });

  it('adds an existing user by e-mail, checking the address first', async () => {
    const members = fakeMembersApi();
    const { user } = renderWithProviders(<MembersPanel canManage currentUserId={ME.id} members={members} />);
    await user.click(await screen.findByRole('button', { name: 'Add member' }));

    await user.type(screen.getByLabelText('Email'), 'not an address');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    expect(screen.getByRole('alert').textContent).toMatch(/Enter an e-mail address/);
    expect(members.add).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText('Email'));
    await user.type(screen.getByLabelText('Email'), 'Carol@Example.com');
    await user.selectOptions(screen.getByLabelText('Role'), 'operator');
    await user.click(screen.getByRole('button', { name: 'Add member' }));

    expect(members.add).toHaveBeenCalledWith({ email: 'carol@example.com', role: 'operator' });
    expect(await screen.findByText('carol@example.com')).toBeTruthy();
    expect(screen.queryByLabelText('Email')).toBeNull();
  });

  it('loads more members when the server says there are more', async () => {
    const members = fakeMembersApi([
      { items: [ME], nextCursor: ME.id },
      { items: [BOB], nextCursor: null },
    ]);
    const { user } = renderWithProviders(<MembersPanel canManage={false} currentUserId={ME.id} members={members} />);
    await user.click(await screen.findByRole('button', { name: 'Load more' }));

    expect(await screen.findByText('bob@example.com')).toBeTruthy();
    expect(members.list).toHaveBeenLastCalledWith({ limit: 50, cursor: ME.id });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('keeps the rows shown when the next page fails, and says so', async () => {
    const members = fakeMembersApi([{ items: [ME], nextCursor: ME.id }]);
    members.list.mockResolvedValueOnce({ items: [ME], nextCursor: ME.id }).mockRejectedValueOnce(new ApiError(0, 'network_error', 'Cannot reach the server'));
    const { user } = renderWithProviders(<MembersPanel canManage={false} currentUserId={ME.id} members={members} />);
    await user.click(await screen.findByRole('button', { name: 'Load more' }));

    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not load more: Cannot reach the server/);
    expect(screen.getByText('me@example.com')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Load more' })).toBeTruthy();
  });
});
