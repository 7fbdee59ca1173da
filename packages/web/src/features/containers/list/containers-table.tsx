import type { Container } from '@infrapilot/protocol';
import { type RefObject, useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCell, TableRow } from '../../../components/ui/table';
import { cn } from '../../../lib/class-names';
import { formatBytes, formatPercent } from '../../../lib/format';
import type { ContainerAction } from '../container-actions';
import { containerPath, formatPorts } from '../container-format';
import { ContainerStateBadge } from '../container-state-badge';
import { selectionKey } from './container-filters';
import { ContainerRowMenu } from './container-row-menu';

export interface TableSelection {
  selected: ReadonlySet<string>;
  toggle(key: string, on: boolean): void;
  toggleAll(keys: string[], on: boolean): void;
}

/**
 * The containers, one row each. With a `selection` (operators) each row has a checkbox
 * for the bulk actions; the header's checkbox selects every row shown.
 */
export function ContainersTable({
  containers,
  showHost,
  selection,
  canOperate,
  canExec,
  onAction,
}: {
  containers: readonly Container[];
  showHost: boolean;
  selection?: TableSelection | undefined;
  canOperate: boolean;
  canExec: boolean;
  onAction: (action: ContainerAction, container: Container, returnFocus: RefObject<HTMLElement | null>) => void;
}) {
  const keys = containers.map(selectionKey);
  const selectedShown = selection ? keys.filter((key) => selection.selected.has(key)).length : 0;
  return (
    <Table aria-label="Containers">
      <TableHead>
        <tr>
          {selection && (
            <TableHeaderCell className="w-8">
              <SelectAllCheckbox
                checked={selectedShown > 0 && selectedShown === keys.length}
                indeterminate={selectedShown > 0 && selectedShown < keys.length}
                onChange={(on) => selection.toggleAll(keys, on)}
              />
            </TableHeaderCell>
          )}
          {showHost && <TableHeaderCell>Host</TableHeaderCell>}
          <TableHeaderCell>Name / stack</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell>Image</TableHeaderCell>
          <TableHeaderCell className="text-right">CPU</TableHeaderCell>
          <TableHeaderCell className="text-right">Memory</TableHeaderCell>
          <TableHeaderCell className="text-right">Restarts</TableHeaderCell>
          <TableHeaderCell>Ports</TableHeaderCell>
          <TableActionsHeaderCell />
        </tr>
      </TableHead>
      <TableBody>
        {containers.map((container) => {
          const key = selectionKey(container);
          return (
            <TableRow key={key} data-container-id={container.containerId} data-container-name={container.name}>
              {selection && (
                <TableCell>
                  <input
                    type="checkbox"
                    className="h-4 w-4"
                    aria-label={`Select ${container.name} on ${container.agentName}`}
                    checked={selection.selected.has(key)}
                    onChange={(event) => selection.toggle(key, event.target.checked)}
                  />
                </TableCell>
              )}
              {showHost && (
                <TableCell className="whitespace-nowrap">
                  <Link to={`/hosts/${encodeURIComponent(container.agentId)}`} className="hover:underline focus-visible:outline-2 focus-visible:outline-ring">
                    {container.agentName}
                  </Link>
                </TableCell>
              )}
              <TableCell className="whitespace-nowrap">
                <Link to={containerPath(container)} className="font-medium text-primary hover:underline focus-visible:outline-2 focus-visible:outline-ring">
                  {container.name}
                </Link>
                {/* The stack sits under the name (one column fewer keeps the table within a laptop's width). */}
                {container.stack && (
                  <div className="text-xs text-muted-foreground" data-testid="container-stack">
                    <span className="sr-only">Stack </span>
                    {container.stack}
                    {container.stackService && ` / ${container.stackService}`}
                  </div>
                )}
              </TableCell>
              <TableCell>
                <div className="flex flex-col gap-0.5">
                  <ContainerStateBadge state={container.state} health={container.health} />
                  <span className="max-w-40 text-xs text-muted-foreground">{container.statusText}</span>
                </div>
              </TableCell>
              <TableCell className="max-w-44 truncate" title={container.image}>
                {container.image}
              </TableCell>
              <TableCell className="whitespace-nowrap text-right tabular-nums">{container.cpuPercent === null ? <Dash /> : formatPercent(container.cpuPercent)}</TableCell>
              <TableCell
                className="whitespace-nowrap text-right tabular-nums"
                title={container.memoryLimitBytes ? `Limit ${formatBytes(container.memoryLimitBytes)}` : undefined}
              >
                {container.memoryBytes === null ? <Dash /> : formatBytes(container.memoryBytes)}
              </TableCell>
              <TableCell className={cn('text-right tabular-nums', container.restartCount > 0 && 'font-medium text-warning')}>{container.restartCount}</TableCell>
              <TableCell className="text-xs">
                {container.ports.length === 0 ? (
                  <Dash />
                ) : (
                  formatPorts(container.ports).map((port) => (
                    <div key={port} className="whitespace-nowrap">
                      {port}
                    </div>
                  ))
                )}
              </TableCell>
              <TableCell className="text-right">
                <ContainerRowMenu
                  container={container}
                  canOperate={canOperate}
                  canExec={canExec}
                  onAction={(action, returnFocus) => onAction(action, container, returnFocus)}
                />
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

function SelectAllCheckbox({ checked, indeterminate, onChange }: { checked: boolean; indeterminate: boolean; onChange: (on: boolean) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  // "Some selected" has no HTML attribute; it is a property.
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <input
      ref={ref}
      type="checkbox"
      className="h-4 w-4"
      aria-label="Select every container shown"
      checked={checked}
      onChange={(event) => onChange(event.target.checked)}
    />
  );
}

function Dash() {
  return <span className="text-muted-foreground">—</span>;
}
