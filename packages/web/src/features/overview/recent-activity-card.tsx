import { actorOf } from '../audit/audit-table';
import type { AuditEntry } from '@infrapilot/protocol';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../app/api';
import { Badge } from '../../components/ui/badge';
import { Card, CardHeader } from '../../components/ui/card';
import { RelativeTime } from '../../components/ui/relative-time';
import { EmptyState, ErrorState, Loading } from '../../components/ui/states';
import { Table, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { statusTone } from '../audit/audit-status';

const RECENT_LIMIT = 10;

/**
 * Beside the audit log's queries under the 'audit' prefix. Nothing invalidates it when
 * something changes (changes do not announce themselves to the audit queries): it is
 * refetched when the overview is opened again after the query client's staleTime.
 */
export const recentActivityKey = ['audit', 'recent', { limit: RECENT_LIMIT }] as const;

/** The org's last few audited actions (shown only to roles with audit:read). */
export function RecentActivityCard() {
  const activity = useQuery({ queryKey: recentActivityKey, queryFn: () => api.audit.list({ limit: RECENT_LIMIT }) });
  return (
    <Card>
      <CardHeader title="Recent activity" actions={<Link to="/audit" className="text-sm text-primary hover:underline">View audit log</Link>} />
      {activity.isPending ? (
        <Loading label="Loading activity…" />
      ) : activity.isError ? (
        <ErrorState error={activity.error} onRetry={() => void activity.refetch()} />
      ) : activity.data.items.length === 0 ? (
        <EmptyState title="No activity yet">Changes made here, with the CLI or with API keys show up in this list.</EmptyState>
      ) : (
        <RecentActivityTable entries={activity.data.items} />
      )}
    </Card>
  );
}

function RecentActivityTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <Table aria-label="Recent activity">
      <TableHead>
        <TableRow>
          <TableHeaderCells names={['Time', 'Actor', 'Action', 'Status']} />
        </TableRow>
      </TableHead>
      <TableBody>
        {entries.map((entry) => (
          <TableRow key={entry.id}>
            <TableCell className="whitespace-nowrap">
              <RelativeTime iso={entry.createdAt} />
            </TableCell>
            <TableCell className="max-w-56 truncate">{actorOf(entry)}</TableCell>
            <TableCell>
              <code className="font-mono text-xs">{entry.action}</code>
            </TableCell>
            <TableCell>
              <Badge tone={statusTone(entry.responseStatus)}>{entry.responseStatus}</Badge>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
