import type { AuditEntry } from '@infrapilot/protocol';
import { ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { cn } from '../../lib/class-names';
import { formatDateTime } from '../../lib/format';
import { AuditEntryDetails } from './audit-entry-details';
import { statusTone } from './audit-status';

const COLUMNS = 7;

/** The tail of a UUIDv7: its head is a timestamp, so ids made the same minute share it. */
function shortId(id: string): string {
  return `…${id.slice(-8)}`;
}

/** Who acted: the label saved at the time, else what kind of caller it was. */
export function actorOf(entry: AuditEntry): string {
  if (entry.actorLabel) return entry.actorLabel;
  if (entry.apiKeyId) return `API key ${shortId(entry.apiKeyId)}`;
  if (entry.userId) return `User ${shortId(entry.userId)}`;
  return 'Not signed in';
}

/** Audit entries in the order given (newest first), each expandable to its details. */
export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <Table>
      <TableHead>
        <tr>
          <TableActionsHeaderCell label="Details" className="w-10" />
          <TableHeaderCells names={['Time', 'Actor', 'Action', 'Resource', 'Status', 'IP']} />
        </tr>
      </TableHead>
      <TableBody>
        {entries.map((entry) => {
          const isOpen = expanded.has(entry.id);
          const time = formatDateTime(entry.createdAt);
          const detailsId = `audit-details-${entry.id}`;
          return (
            <Fragment key={entry.id}>
              <TableRow data-audit-id={entry.id}>
                <TableCell className="py-1">
                  <Button
                    variant="ghost"
                    size="icon"
                    aria-expanded={isOpen}
                    aria-controls={isOpen ? detailsId : undefined}
                    aria-label={`Details of ${entry.action} at ${time}`}
                    onClick={() => toggle(entry.id)}
                  >
                    <ChevronRight className={cn('h-4 w-4 transition-transform', isOpen && 'rotate-90')} aria-hidden />
                  </Button>
                </TableCell>
                <TableCell className="whitespace-nowrap">
                  <time dateTime={entry.createdAt}>{time}</time>
                </TableCell>
                <TableCell className="max-w-56 truncate" title={actorOf(entry)}>
                  {actorOf(entry)}
                </TableCell>
                <TableCell>
                  <code className="font-mono text-xs">{entry.action}</code>
                </TableCell>
                <TableCell>
                  {entry.resourceType ?? '—'}
                  {entry.resourceId && (
                    <span className="ml-1 font-mono text-xs text-muted-foreground" title={entry.resourceId}>
                      {shortId(entry.resourceId)}
                    </span>
                  )}
                </TableCell>
                <TableCell>
                  <Badge tone={statusTone(entry.responseStatus)}>{entry.responseStatus}</Badge>
                </TableCell>
                <TableCell className="whitespace-nowrap font-mono text-xs">{entry.ipAddress ?? '—'}</TableCell>
              </TableRow>
              {isOpen && (
                <tr id={detailsId} className="bg-muted/30">
                  <td colSpan={COLUMNS}>
                    <AuditEntryDetails entry={entry} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </TableBody>
    </Table>
  );
}
