import { useCan, useSession } from '../../app/session';
import { MembersPanel } from './members-panel';

/** /members: who belongs to this org. Anyone may look; super admins change roles and membership. */
export function MembersPage() {
  const { me } = useSession();
  const canManage = useCan('users:manage');
  return <MembersPanel canManage={canManage} currentUserId={me?.user?.id ?? null} />;
}
