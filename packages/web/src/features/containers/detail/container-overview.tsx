import type { ContainerDetail } from '@infrapilot/protocol';
import type { ReactNode } from 'react';
import { Badge } from '../../../components/ui/badge';
import { Card, CardHeader } from '../../../components/ui/card';
import { DescriptionItem } from '../../../components/ui/description-list';
import { RelativeTime } from '../../../components/ui/relative-time';
import { Table, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../../components/ui/table';
import { commandLine, formatPorts, toneOfHealth } from '../container-format';

/** What inspect says about the container, in cards: how it runs, its health, ports, mounts, networks and labels. */
export function ContainerOverview({ detail }: { detail: ContainerDetail }) {
  const labels = Object.entries(detail.labels).sort(([left], [right]) => left.localeCompare(right));
  const ports = formatPorts(detail.ports);
  return (
    <div className="grid gap-4">
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader title="Runtime" />
          <dl className="grid grid-cols-[9rem_1fr] gap-2 text-sm">
            <DescriptionItem term="Image">
              <span className="break-all">{detail.image}</span>
              <div className="break-all text-xs text-muted-foreground">{detail.imageId}</div>
            </DescriptionItem>
            <DescriptionItem term="Command">
              <code className="break-all text-xs">{commandLine([...detail.entrypoint, ...detail.command]) || '—'}</code>
            </DescriptionItem>
            <DescriptionItem term="Working directory">{detail.workingDir || '—'}</DescriptionItem>
            <DescriptionItem term="User">{detail.user || 'root (image default)'}</DescriptionItem>
            <DescriptionItem term="Hostname">{detail.hostname || '—'}</DescriptionItem>
            <DescriptionItem term="TTY">{detail.tty ? 'Yes' : 'No'}</DescriptionItem>
            <DescriptionItem term="Compose">{detail.stack ? `${detail.stack} / ${detail.stackService ?? '—'}` : '—'}</DescriptionItem>
            <DescriptionItem term="Id">
              <code className="break-all text-xs">{detail.containerId}</code>
            </DescriptionItem>
          </dl>
        </Card>
        <Card>
          <CardHeader title="Lifecycle" />
          <dl className="grid grid-cols-[9rem_1fr] gap-2 text-sm">
            <DescriptionItem term="Created">
              <When iso={detail.createdAt} />
            </DescriptionItem>
            <DescriptionItem term="Started">
              <When iso={detail.startedAt} />
            </DescriptionItem>
            <DescriptionItem term="Finished">
              <When iso={detail.finishedAt} />
            </DescriptionItem>
            <DescriptionItem term="Exit code">{detail.exitCode ?? '—'}</DescriptionItem>
            <DescriptionItem term="Restart policy">{detail.restartPolicy || 'no'}</DescriptionItem>
            <DescriptionItem term="Restarts">{detail.restartCount}</DescriptionItem>
            <DescriptionItem term="Health">
              {detail.health ? (
                <span className="grid gap-1">
                  <span>
                    <Badge tone={toneOfHealth(detail.health.status)}>{detail.health.status}</Badge>
                    {detail.health.failingStreak > 0 && <span className="ml-2 text-muted-foreground">{detail.health.failingStreak} failed checks in a row</span>}
                  </span>
                  {detail.health.lastOutput && <code className="whitespace-pre-wrap break-all text-xs text-muted-foreground">{detail.health.lastOutput}</code>}
                </span>
              ) : (
                'No health check'
              )}
            </DescriptionItem>
          </dl>
        </Card>
      </div>

      <Section title="Ports" empty="No ports exposed." count={ports.length}>
        <ul className="flex flex-wrap gap-2 text-sm">
          {ports.map((port) => (
            <li key={port} className="rounded-md bg-muted px-2 py-1 font-mono text-xs">
              {port}
            </li>
          ))}
        </ul>
      </Section>

      <Section title="Mounts" empty="No volumes or bind mounts." count={detail.mounts.length}>
        <Table aria-label="Mounts">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Type', 'Source', 'Destination', 'Mode']} />
            </tr>
          </TableHead>
          <TableBody>
            {detail.mounts.map((mount) => (
              <TableRow key={mount.destination}>
                <TableCell>{mount.type}</TableCell>
                <TableCell className="break-all font-mono text-xs">{mount.name ?? mount.source}</TableCell>
                <TableCell className="break-all font-mono text-xs">{mount.destination}</TableCell>
                <TableCell>{mount.readOnly ? 'read-only' : 'read-write'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section title="Networks" empty="Not attached to any network." count={detail.networks.length}>
        <Table aria-label="Networks">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Network', 'IP address', 'Gateway', 'Aliases']} />
            </tr>
          </TableHead>
          <TableBody>
            {detail.networks.map((network) => (
              <TableRow key={network.name}>
                <TableCell>{network.name}</TableCell>
                <TableCell className="font-mono text-xs">{network.ipAddress || '—'}</TableCell>
                <TableCell className="font-mono text-xs">{network.gateway || '—'}</TableCell>
                <TableCell className="text-xs">{network.aliases.join(', ') || '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section title="Labels" empty="No labels." count={labels.length}>
        <Table aria-label="Labels">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Label', 'Value']} />
            </tr>
          </TableHead>
          <TableBody>
            {labels.map(([key, value]) => (
              <TableRow key={key}>
                <TableCell className="break-all font-mono text-xs">{key}</TableCell>
                <TableCell className="break-all font-mono text-xs">{value}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>
    </div>
  );
}

function Section({ title, empty, count, children }: { title: string; empty: string; count: number; children: ReactNode }) {
  return (
    <Card>
      <CardHeader title={title} />
      {count === 0 ? <p className="text-sm text-muted-foreground">{empty}</p> : children}
    </Card>
  );
}

function When({ iso }: { iso: string | null }) {
  return iso ? <RelativeTime iso={iso} /> : <>—</>;
}
