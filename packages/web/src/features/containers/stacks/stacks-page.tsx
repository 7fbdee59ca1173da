import type { ContainerState, Stack } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { useCan } from '../../../app/session';
import { Badge } from '../../../components/ui/badge';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../../components/ui/states';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../../components/ui/table';
import { TONE_OF_STATE } from '../container-format';
import { useStacks } from '../containers-queries';
import { StackActionButton } from './stack-action-button';

/** /stacks: compose projects across hosts, with their containers' states and stack-wide actions. */
export function StacksPage() {
  const stacks = useStacks();
  return (
    <>
      <PageHeader title="Stacks" description="Docker Compose projects on every host, grouped from their containers' labels." />
      {stacks.data ? (
        stacks.data.length === 0 ? (
          <EmptyState title="No compose stacks">
            A stack is a set of containers started by <code>docker compose up</code> (they carry the com.docker.compose.project label). Start one on a host
            and it shows up here; single containers are on the Containers page.
          </EmptyState>
        ) : (
          <StacksTable stacks={stacks.data} />
        )
      ) : stacks.isError ? (
        <ErrorState error={stacks.error} onRetry={() => void stacks.refetch()} />
      ) : (
        <Loading label="Loading stacks…" />
      )}
    </>
  );
}

export function StacksTable({ stacks }: { stacks: readonly Stack[] }) {
  const canOperate = useCan('containers:operate');
  const sorted = [...stacks].sort((left, right) => left.agentName.localeCompare(right.agentName) || left.name.localeCompare(right.name));
  return (
    <Table aria-label="Stacks">
      <TableHead>
        <tr>
          <TableHeaderCells names={['Stack', 'Host', 'Services', 'Running', 'States']} />
          {canOperate && <TableActionsHeaderCell />}
        </tr>
      </TableHead>
      <TableBody>
        {sorted.map((stack) => (
          <TableRow key={`${stack.agentId}/${stack.name}`} data-stack={stack.name}>
            <TableCell className="whitespace-nowrap">
              <Link
                to={`/containers?${new URLSearchParams({ host: stack.agentId, stack: stack.name }).toString()}`}
                className="font-medium text-primary hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                aria-label={`${stack.name}: its containers on ${stack.agentName}`}
              >
                {stack.name}
              </Link>
            </TableCell>
            <TableCell className="whitespace-nowrap">
              <Link to={`/hosts/${encodeURIComponent(stack.agentId)}`} className="hover:underline">
                {stack.agentName}
              </Link>
            </TableCell>
            <TableCell className="text-xs">{stack.services.join(', ') || '—'}</TableCell>
            <TableCell className="whitespace-nowrap tabular-nums">
              {stack.running} of {stack.containers}
            </TableCell>
            <TableCell>
              <span className="flex flex-wrap gap-1">
                {Object.entries(stack.states)
                  .filter(([, count]) => count > 0)
                  .map(([state, count]) => (
                    <Badge key={state} tone={TONE_OF_STATE[state as ContainerState] ?? 'neutral'}>
                      {count} {state}
                    </Badge>
                  ))}
              </span>
            </TableCell>
            {canOperate && (
              <TableCell>
                <span className="flex justify-end gap-1">
                  <StackActionButton stack={stack} action="start" />
                  <StackActionButton stack={stack} action="stop" />
                  <StackActionButton stack={stack} action="restart" />
                </span>
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
