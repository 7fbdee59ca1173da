import { ArrowDown, ArrowUp, ArrowUpDown, Search } from 'lucide-react';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Button } from '../../components/ui/button';
import { Input, Select } from '../../components/ui/input';
import { RelativeTime } from '../../components/ui/relative-time';
import { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from '../../components/ui/table';
import { cn } from '../../lib/class-names';
import { formatBytes } from '../../lib/format';
import { type HostDisplayStatus, cpuPercentOf, diskPercentOf, diskTotalsOf, memoryPercentOf } from './host-figures';
import { HostStatusBadge } from './host-status-badge';
import type { Host } from './hosts-queries';
import { FIRST_DIRECTION, type SortColumn, type SortOrder, filterHosts, sortHosts } from './hosts-table-order';
import { UsageBar } from './usage-bar';

const STATUS_CHOICES: Array<HostDisplayStatus> = ['active', 'offline', 'pending'];

/**
 * The hosts with a text filter, a status filter and sortable columns. `now` comes from
 * the page's clock so "last seen" keeps counting without refetching.
 */
export function HostsTable({ hosts, now }: { hosts: readonly Host[]; now: number }) {
  // The filters live in the URL, so the overview can link to "offline hosts" and a filtered view can be shared.
  const [searchParams, setSearchParams] = useSearchParams();
  const filterText = searchParams.get('q') ?? '';
  const requestedStatus = searchParams.get('status') ?? '';
  const status: HostDisplayStatus | '' = (STATUS_CHOICES as string[]).includes(requestedStatus) ? (requestedStatus as HostDisplayStatus) : '';
  const setFilter = (name: 'q' | 'status', value: string) =>
    setSearchParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  const [order, setOrder] = useState<SortOrder>({ column: 'name', direction: 'ascending' });

  const shown = useMemo(() => sortHosts(filterHosts(hosts, filterText, status), order), [hosts, filterText, status, order]);

  const sortBy = (column: SortColumn) =>
    setOrder((current) =>
      current.column === column
        ? { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: FIRST_DIRECTION[column] },
    );
  const header = (column: SortColumn, label: string, className?: string) => (
    <SortableHeader column={column} label={label} order={order} onSort={sortBy} className={className} />
  );

  return (
    <div className="grid gap-3">
      <div className="flex flex-col gap-2 sm:flex-row">
        <div className="relative sm:max-w-sm sm:flex-1">
          <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-muted-foreground" aria-hidden />
          <Input
            type="search"
            aria-label="Filter hosts"
            placeholder="Filter by name, hostname, status or version"
            className="pl-8"
            value={filterText}
            onChange={(event) => setFilter('q', event.target.value)}
          />
        </div>
        <Select aria-label="Status" className="sm:w-44" value={status} onChange={(event) => setFilter('status', event.target.value)}>
          <option value="">All statuses</option>
          {STATUS_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </Select>
      </div>
      <Table aria-label="Hosts">
        <TableHead>
          <tr>
            {header('name', 'Name')}
            {header('status', 'Status')}
            {header('cpu', 'CPU', 'min-w-36')}
            {header('memory', 'Memory', 'min-w-36')}
            {header('disk', 'Disk', 'min-w-36')}
            <TableHeaderCell>Version</TableHeaderCell>
            {header('lastSeen', 'Last seen')}
          </tr>
        </TableHead>
        <TableBody>
          {shown.map((host) => (
            <HostRow key={host.id} host={host} now={now} />
          ))}
          {shown.length === 0 && (
            <tr>
              <TableCell colSpan={7} className="py-6 text-center text-muted-foreground">
                No hosts match this filter.{' '}
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() =>
                    setSearchParams(
                      (current) => {
                        const next = new URLSearchParams(current);
                        next.delete('q');
                        next.delete('status');
                        return next;
                      },
                      { replace: true },
                    )
                  }
                >
                  Clear filter
                </Button>
              </TableCell>
            </tr>
          )}
        </TableBody>
      </Table>
    </div>
  );
}

function SortableHeader({
  column,
  label,
  order,
  onSort,
  className,
}: {
  column: SortColumn;
  label: string;
  order: SortOrder;
  onSort: (column: SortColumn) => void;
  className?: string | undefined;
}) {
  const active = order.column === column;
  const Icon = !active ? ArrowUpDown : order.direction === 'ascending' ? ArrowUp : ArrowDown;
  return (
    <TableHeaderCell aria-sort={active ? order.direction : 'none'} className={className}>
      <button
        type="button"
        onClick={() => onSort(column)}
        className="inline-flex items-center gap-1 rounded font-medium uppercase tracking-wide hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
      >
        {label}
        <Icon className={cn('h-3 w-3', !active && 'opacity-40')} aria-hidden />
      </button>
    </TableHeaderCell>
  );
}

function HostRow({ host, now }: { host: Host; now: number }) {
  const live = host.live;
  const disks = diskTotalsOf(live);
  // An offline host's figures are its last heartbeat's, not now's: the cells say so on hover.
  const stale = host.status !== 'active' && !host.revokedAt;
  const staleTitle = stale ? 'Last reported figures; the host is not reporting now' : undefined;
  return (
    <TableRow data-host-id={host.id} className={cn(host.revokedAt && 'text-muted-foreground opacity-60')}>
      <TableCell className="whitespace-nowrap">
        <Link to={`/hosts/${encodeURIComponent(host.id)}`} className="font-medium text-primary hover:underline focus-visible:outline-2 focus-visible:outline-ring">
          {host.name}
        </Link>
        {host.hostname && host.hostname !== host.name && <div className="text-xs text-muted-foreground">{host.hostname}</div>}
      </TableCell>
      <TableCell>
        <HostStatusBadge host={host} />
      </TableCell>
      <TableCell title={staleTitle}>
        <UsageBar label={`CPU of ${host.name}`} percent={cpuPercentOf(host)} />
      </TableCell>
      <TableCell title={staleTitle}>
        <UsageBar
          label={`Memory of ${host.name}`}
          percent={memoryPercentOf(host)}
          {...(live ? { detail: usedOf(live.memoryUsedBytes, live.memoryTotalBytes) } : {})}
        />
      </TableCell>
      <TableCell title={staleTitle}>
        <UsageBar label={`Disk of ${host.name}`} percent={diskPercentOf(host)} {...(disks ? { detail: usedOf(disks.usedBytes, disks.totalBytes) } : {})} />
      </TableCell>
      <TableCell className="whitespace-nowrap">{host.version ?? <Unknown />}</TableCell>
      <TableCell className="whitespace-nowrap">
        <RelativeTime iso={host.lastSeenAt} now={now} />
      </TableCell>
    </TableRow>
  );
}

function usedOf(usedBytes: number, totalBytes: number): string {
  return `${formatBytes(usedBytes)} of ${formatBytes(totalBytes)}`;
}

function Unknown() {
  return <span className="text-muted-foreground">—</span>;
}
