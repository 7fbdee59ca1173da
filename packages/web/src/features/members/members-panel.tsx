import type { InfraPilotClient } from '@infrapilot/client';
import type { MemberAdd, Role, User } from '@infrapilot/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api';
import { PagedListView } from '../../components/ui/paged-list-view';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { useToast } from '../../components/ui/toast';
import { formErrorMessage } from '../../lib/error-text';
import { usePagedList, replaceInPages } from '../../lib/paged-list';
import { AddMemberDialog } from './add-member-dialog';
import { MembersTable } from './members-table';
import { invalidatePeople, peopleKeys } from './people-keys';
import { ROLE_LABELS } from './roles';

export type MembersApi = Pick<InfraPilotClient['members'], 'list' | 'add' | 'updateRole' | 'remove'>;

const PAGE_SIZE = 50;

export interface MembersPanelProps {
  canManage: boolean;
  currentUserId: string | null;
  /** The API it talks to; tests pass a stand-in. */
  members?: MembersApi;
}

/** The members page without the session: who may manage, and who "you" are, come in as props. */
export function MembersPanel({ canManage, currentUserId, members = api.members }: MembersPanelProps) {
  const queryClient = useQueryClient();
  const notify = useToast();
  const { query, items } = usePagedList(peopleKeys.members, (cursor) => members.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));

  const add = useMutation({
    mutationFn: (input: MemberAdd) => members.add(input),
    onSuccess: (member) => {
      notify({ title: `Added ${member.email}`, description: `They are now ${ROLE_LABELS[member.role]} in this organization.` });
      void invalidatePeople(queryClient);
    },
  });

  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: User; role: Role }) => members.updateRole(member.id, role),
    onSuccess: (member) => {
      replaceInPages(queryClient, peopleKeys.members, member);
      notify({ title: `${member.email} is now ${ROLE_LABELS[member.role]}` });
      void invalidatePeople(queryClient);
    },
    onError: (error, { member }) => notify({ title: `Could not change the role of ${member.email}`, description: formErrorMessage(error), tone: 'error' }),
  });

  const remove = useMutation({
    mutationFn: (member: User) => members.remove(member.id),
    onSuccess: (_reply, member) => {
      notify({ title: `Removed ${member.email}` });
      void invalidatePeople(queryClient);
    },
  });

  return (
    <>
      <PageHeader
        title="Members"
        description="Everyone who can sign in to this organization, with their role."
        actions={canManage && <AddMemberDialog onAdd={add.mutateAsync} />}
      />
      <PagedListView
        query={query}
        items={items}
        loadingLabel="Loading members…"
        empty={
          <EmptyState title="No members yet">
            {canManage ? 'Add someone with an existing account with "Add member", or create a new person on the Users page.' : 'Ask a super admin to add people.'}
          </EmptyState>
        }
      >
        <MembersTable
          members={items}
          currentUserId={currentUserId}
          canManage={canManage}
          pendingUserId={changeRole.isPending ? changeRole.variables.member.id : undefined}
          onChangeRole={(member, role) => changeRole.mutate({ member, role })}
          onRemove={remove.mutateAsync}
        />
      </PagedListView>
    </>
  );
}
