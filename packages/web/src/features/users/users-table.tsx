import type { User } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { RelativeTime } from '../../components/ui/relative-time';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { AccountStatusBadge, MfaBadge } from '../members/person-badges';
import { PersonNameCell } from '../members/person-name-cell';
import { ROLE_LABELS } from '../members/roles';
import { type UserActions, UserActionsMenu } from './user-actions-menu';

export function UsersTable({ users, currentUserId, actions }: { users: User[]; currentUserId: string | null; actions: UserActions }) {
  return (
    <Table>
      <TableHead>
        <tr>
          <TableHeaderCells names={['Name', 'Email', 'Role', 'MFA', 'Status', 'Created', 'Last sign-in']} />
          <TableActionsHeaderCell />
        </tr>
      </TableHead>
      <TableBody>
        {users.map((user) => {
          const isMe = user.id === currentUserId;
          return (
            <TableRow key={user.id} data-user-id={user.id}>
              <PersonNameCell name={user.name} isMe={isMe} />
              <TableCell>{user.email}</TableCell>
              <TableCell className="whitespace-nowrap">{ROLE_LABELS[user.role]}</TableCell>
              <TableCell>
                <MfaBadge enabled={user.mfaEnabled} />
              </TableCell>
              <TableCell>
                <AccountStatusBadge disabled={user.disabled} />
              </TableCell>
              <TableCell className="whitespace-nowrap">
                <RelativeTime iso={user.createdAt} />
              </TableCell>
              <TableCell className="whitespace-nowrap">
                <RelativeTime iso={user.lastLoginAt} />
              </TableCell>
              <TableCell className="text-right">
                {isMe ? (
                  // The server refuses these on your own account: yours go through Account, which asks for proof.
                  <Link to="/account" className="whitespace-nowrap text-sm text-primary underline-offset-2 hover:underline">
                    Your account
                  </Link>
                ) : (
                  <UserActionsMenu user={user} actions={actions} />
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
