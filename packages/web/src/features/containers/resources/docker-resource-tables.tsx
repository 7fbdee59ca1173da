import type { Image, Network, Volume } from '@infrapilot/protocol';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Badge } from '../../../components/ui/badge';
import { RelativeTime } from '../../../components/ui/relative-time';
import { EmptyState, ErrorState, Loading } from '../../../components/ui/states';
import { Table, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../../components/ui/table';
import { formatBytes } from '../../../lib/format';
import { useImages, useNetworks, useVolumes } from '../containers-queries';

/** A list read from the host's Docker in its states: loading, failed (Docker down, agent offline: the server's words), empty, rows. */
function ResourceList<Item>({ query, what, empty, children }: { query: UseQueryResult<Item[]>; what: string; empty: ReactNode; children: (items: Item[]) => ReactNode }) {
  if (query.data) return query.data.length === 0 ? empty : <>{children(query.data)}</>;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <Loading label={`Loading ${what}…`} />;
}

export function ImagesTable({ agentId }: { agentId: string }) {
  return (
    <ResourceList query={useImages(agentId)} what="images" empty={<EmptyState title="No images">Images pulled or built on this host show up here.</EmptyState>}>
      {(images: Image[]) => (
        <Table aria-label="Images">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Tags', 'Id', 'Size', 'Created', 'Containers']} />
            </tr>
          </TableHead>
          <TableBody>
            {[...images]
              .sort((left, right) => (right.createdAt ?? '').localeCompare(left.createdAt ?? ''))
              .map((image) => (
                <TableRow key={image.id}>
                  <TableCell>
                    {image.tags.length === 0 ? (
                      <Badge>untagged</Badge>
                    ) : (
                      image.tags.map((tag) => (
                        <div key={tag} className="break-all">
                          {tag}
                        </div>
                      ))
                    )}
                  </TableCell>
                  <TableCell className="font-mono text-xs">{image.id.replace(/^sha256:/, '').slice(0, 12)}</TableCell>
                  <TableCell className="whitespace-nowrap tabular-nums">{formatBytes(image.sizeBytes)}</TableCell>
                  <TableCell className="whitespace-nowrap">
                    <RelativeTime iso={image.createdAt} never="—" />
                  </TableCell>
                  <TableCell className="tabular-nums">{image.containers ?? '—'}</TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      )}
    </ResourceList>
  );
}

export function VolumesTable({ agentId }: { agentId: string }) {
  return (
    <ResourceList query={useVolumes(agentId)} what="volumes" empty={<EmptyState title="No volumes">Named and anonymous volumes on this host show up here.</EmptyState>}>
      {(volumes: Volume[]) => (
        <Table aria-label="Volumes">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Name', 'Driver', 'Stack', 'Mount point', 'Created']} />
            </tr>
          </TableHead>
          <TableBody>
            {[...volumes]
              .sort((left, right) => left.name.localeCompare(right.name))
              .map((volume) => (
                <TableRow key={volume.name}>
                  <TableCell className="max-w-64 break-all font-mono text-xs">{volume.name}</TableCell>
                  <TableCell>{volume.driver}</TableCell>
                  <TableCell>{volume.stack ?? '—'}</TableCell>
                  <TableCell className="max-w-72 break-all font-mono text-xs">{volume.mountpoint}</TableCell>
                  <TableCell className="whitespace-nowrap">
                    <RelativeTime iso={volume.createdAt} never="—" />
                  </TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      )}
    </ResourceList>
  );
}

export function NetworksTable({ agentId }: { agentId: string }) {
  return (
    <ResourceList query={useNetworks(agentId)} what="networks" empty={<EmptyState title="No networks">Docker's networks on this host show up here.</EmptyState>}>
      {(networks: Network[]) => (
        <Table aria-label="Networks">
          <TableHead>
            <tr>
              <TableHeaderCells names={['Name', 'Driver', 'Scope', 'Subnets', 'Containers', 'Stack']} />
            </tr>
          </TableHead>
          <TableBody>
            {[...networks]
              .sort((left, right) => left.name.localeCompare(right.name))
              .map((network) => (
                <TableRow key={network.id}>
                  <TableCell className="whitespace-nowrap">
                    {network.name}
                    {network.internal && (
                      <Badge className="ml-2" title="No route to the outside">
                        internal
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell>{network.driver}</TableCell>
                  <TableCell>{network.scope}</TableCell>
                  <TableCell className="font-mono text-xs">{network.subnets.join(', ') || '—'}</TableCell>
                  <TableCell className="tabular-nums">{network.containers}</TableCell>
                  <TableCell>{network.stack ?? '—'}</TableCell>
                </TableRow>
              ))}
          </TableBody>
        </Table>
      )}
    </ResourceList>
  );
}
