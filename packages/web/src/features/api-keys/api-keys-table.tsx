import type { ApiKey } from '@infrapilot/protocol';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { RelativeTime } from '../../components/ui/relative-time';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { formatDateTime } from '../../lib/format';
import { ROLE_LABELS } from '../members/roles';
import { ApiKeyStatusBadge } from './api-key-status';

export function ApiKeysTable({ keys, canManage, onRevoke }: { keys: ApiKey[]; canManage: boolean; onRevoke: (key: ApiKey) => Promise<unknown> }) {
  return (
    <Table>
      <TableHead>
        <tr>
          <TableHeaderCells names={['Name', 'Prefix', 'Role', 'Created', 'Last used', 'Expires', 'Status']} />
          {canManage && <TableActionsHeaderCell />}
        </tr>
      </TableHead>
      <TableBody>
        {keys.map((key) => (
          <TableRow key={key.id} data-api-key-id={key.id}>
            <TableCell className="font-medium">{key.name}</TableCell>
            <TableCell>
              <code className="font-mono text-xs">{key.prefix}…</code>
            </TableCell>
            <TableCell className="whitespace-nowrap">{ROLE_LABELS[key.role]}</TableCell>
            <TableCell className="whitespace-nowrap">
              <RelativeTime iso={key.createdAt} />
            </TableCell>
            <TableCell className="whitespace-nowrap">
              <RelativeTime iso={key.lastUsedAt} />
            </TableCell>
            <TableCell className="whitespace-nowrap">{key.expiresAt ? formatDateTime(key.expiresAt) : <span className="text-muted-foreground">never</span>}</TableCell>
            <TableCell>
              <ApiKeyStatusBadge apiKey={key} />
            </TableCell>
            {canManage && (
              <TableCell className="text-right">
                {!key.revokedAt && (
                  <ConfirmDialog
                    trigger={
                      <Button variant="ghost" size="sm" aria-label={`Revoke ${key.name}`}>
                        Revoke
                      </Button>
                    }
                    title={`Revoke ${key.name}?`}
                    description="The key stops working at once; scripts using it get 401 from then on. This cannot be undone — create a new key to replace it."
                    confirmLabel="Revoke"
                    onConfirm={() => onRevoke(key)}
                  />
                )}
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
