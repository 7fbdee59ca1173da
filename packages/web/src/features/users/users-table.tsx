import type { User } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { Badge } from '../../components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from '../../components/ui/table';
import { AccountStatusBadge, MfaBadge } from '../members/person-badges';
import { RelativeTime } from '../members/relative-time';
import { ROLE_LABELS } from '../members/roles';
import { type UserActions, UserActionsMenu } from './user-actions-menu';
import { ActionsHeaderCell } from '../members/actions-header-cell';

export function UsersTable({ users, currentUserId, actions }: { users: User[]; currentUserId: string | null; actions: UserActions }) {
  return (
    <Table>
      <TableHead>
        <tr>
          <TableHeaderCell>Name</TableHeaderCell>
          <TableHeaderCell>Email</TableHeaderCell>
          <TableHeaderCell>Role</TableHeaderCell>
          <TableHeaderCell>MFA</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell>Created</TableHeaderCell>
          <TableHeaderCell>Last sign-in</TableHeaderCell>
            <ActionsHeaderCell />
        </tr>
      </TableHead>
      <TableBody>
        {users.map((user) => {
          const isMe = user.id === currentUserId;
          return (
            <TableRow key={user.id} data-user-id={user.id}>
              <TableCell className="whitespace-nowrap font-medium">
                {user.name}
                {isMe && (
                  <Badge tone="info" className="ml-2">
                    you
                  </Badge>
                )}
              </TableCell>
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
