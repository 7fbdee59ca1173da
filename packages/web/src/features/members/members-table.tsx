import { ROLES, type Role, type User } from '@infrapilot/protocol';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { Select } from '../../components/ui/input';
import { RelativeTime } from '../../components/ui/relative-time';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { AccountStatusBadge, MfaBadge } from './person-badges';
import { PersonNameCell } from './person-name-cell';
import { RoleOptions } from './role-options';
import { ROLE_LABELS } from './roles';

export interface MembersTableProps {
  members: User[];
  /** The signed-in person: their own row is read-only (removing yourself would lock you out). */
  currentUserId: string | null;
  /** users:manage: role selects and remove buttons. */
  canManage: boolean;
  /** The member whose role change is on its way to the server. */
  pendingUserId?: string | undefined;
  onChangeRole: (member: User, role: Role) => void;
  onRemove: (member: User) => Promise<unknown>;
}

export function MembersTable({ members, currentUserId, canManage, pendingUserId, onChangeRole, onRemove }: MembersTableProps) {
  return (
    <Table>
      <TableHead>
        <tr>
          <TableHeaderCells names={['Name', 'Email', 'Role', 'MFA', 'Status', 'Last sign-in']} />
          {canManage && <TableActionsHeaderCell />}
        </tr>
      </TableHead>
      <TableBody>
        {members.map((member) => {
          const isMe = member.id === currentUserId;
          return (
            <TableRow key={member.id} data-member-id={member.id}>
              <PersonNameCell name={member.name} isMe={isMe} />
              <TableCell>{member.email}</TableCell>
              <TableCell>
                {canManage ? (
                  <Select
                    aria-label={`Role of ${member.email}`}
                    className="h-8 w-auto min-w-36"
                    value={member.role}
                    disabled={isMe || pendingUserId === member.id}
                    title={isMe ? 'Another super admin must change your role' : undefined}
                    onChange={(event) => onChangeRole(member, event.target.value as Role)}
                  >
                    <RoleOptions roles={ROLES} />
                  </Select>
                ) : (
                  <span className="whitespace-nowrap">{ROLE_LABELS[member.role]}</span>
                )}
              </TableCell>
              <TableCell>
                <MfaBadge enabled={member.mfaEnabled} />
              </TableCell>
              <TableCell>
                <AccountStatusBadge disabled={member.disabled} />
              </TableCell>
              <TableCell className="whitespace-nowrap">
                <RelativeTime iso={member.lastLoginAt} />
              </TableCell>
              {canManage && (
                <TableCell className="text-right">
                  {!isMe && (
                    <ConfirmDialog
                      trigger={
                        <Button variant="ghost" size="sm" aria-label={`Remove ${member.email}`}>
                          Remove
                        </Button>
                      }
                      title={`Remove ${member.email}?`}
                      description="They lose access to this organization at once. Their account stays, with any other organizations they belong to; add them again at any time."
                      confirmLabel="Remove"
                      onConfirm={() => onRemove(member)}
                    />
                  )}
                </TableCell>
              )}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
