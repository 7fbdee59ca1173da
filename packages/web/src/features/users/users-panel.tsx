import type { InfraPilotClient } from '@infrapilot/client';
import type { User, UserCreate } from '@infrapilot/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api';
import { PagedListView } from '../../components/ui/paged-list-view';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { useToast } from '../../components/ui/toast';
import { formErrorMessage } from '../../lib/error-text';
import { usePagedList } from '../../lib/paged-list';
import { invalidatePeople, peopleKeys } from '../members/people-keys';
import { CreateUserDialog } from './create-user-dialog';
import type { UserActions } from './user-actions-menu';
import { UsersTable } from './users-table';

export type UsersApi = Pick<InfraPilotClient['users'], 'list' | 'create' | 'disable' | 'enable' | 'resetPassword' | 'resetMfa'>;

const PAGE_SIZE = 50;

/** The users page for someone holding users:manage; the session comes in as props. */
export function UsersPanel({ currentUserId, users = api.users }: { currentUserId: string | null; users?: UsersApi }) {
  const queryClient = useQueryClient();
  const notify = useToast();
  const { query, items } = usePagedList(peopleKeys.users, (cursor) => users.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));

  const succeeded = (title: string, description?: string) => {
    notify({ title, description });
    void invalidatePeople(queryClient);
  };

  // Creating a user and resetting a password carry a password (sent, or generated and
  // returned once). They call the API directly rather than through useMutation, whose
  // cache would keep that password (variables and data) for minutes after the dialog closed.
  const create = async (input: UserCreate) => {
    const reply = await users.create(input);
    succeeded(`Created ${reply.user.email}`);
    return reply;
  };
  const resetPassword = async (user: User) => {
    const reply = await users.resetPassword(user.id);
    succeeded(`Reset the password of ${user.email}`);
    return reply;
  };
  const disable = useMutation({ mutationFn: (user: User) => users.disable(user.id), onSuccess: (user) => succeeded(`Disabled ${user.email}`, 'They were signed out everywhere.') });
  const enable = useMutation({
    mutationFn: (user: User) => users.enable(user.id),
    onSuccess: (user) => succeeded(`Enabled ${user.email}`, 'They can sign in again.'),
    // Enabling has no confirmation dialog to hold the error.
    onError: (error, user) => notify({ title: `Could not enable ${user.email}`, description: formErrorMessage(error), tone: 'error' }),
  });
  const resetMfa = useMutation({ mutationFn: (user: User) => users.resetMfa(user.id), onSuccess: (_reply, user) => succeeded(`Turned MFA off for ${user.email}`) });

  const actions: UserActions = {
    disable: disable.mutateAsync,
    enable: enable.mutateAsync,
    resetPassword,
    resetMfa: resetMfa.mutateAsync,
  };

  return (
    <>
      <PageHeader
        title="Users"
        description="Accounts of the people in this organization: create them, disable them, reset a forgotten password or a lost second factor."
        actions={<CreateUserDialog onCreate={create} />}
      />
      <PagedListView query={query} items={items} loadingLabel="Loading users…" empty={<EmptyState title="No users yet">Create the first one with "Create user" above.</EmptyState>}>
        <UsersTable users={items} currentUserId={currentUserId} actions={actions} />
      </PagedListView>
    </>
  );
}
