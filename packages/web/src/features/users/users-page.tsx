import { Link } from 'react-router';
import { useCan, useSession } from '../../app/session';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { UsersPanel } from './users-panel';

/** /users: account administration, for super admins (users:manage). */
export function UsersPage() {
  const { me } = useSession();
  const canManage = useCan('users:manage');
  if (!canManage) {
    return (
      <>
        <PageHeader title="Users" />
        <EmptyState
          title="Only super admins manage user accounts"
          action={
            <Link to="/members" className="text-sm text-primary underline-offset-2 hover:underline">
              See who belongs to this organization
            </Link>
          }
        >
          Ask a super admin of this organization to create an account or reset a password for you.
        </EmptyState>
      </>
    );
  }
  return <UsersPanel currentUserId={me?.user?.id ?? null} />;
}
