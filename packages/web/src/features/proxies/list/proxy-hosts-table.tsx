import type { ProxyHost } from '@infrapilot/protocol';
import { ExternalLink } from 'lucide-react';
import { Link } from 'react-router';
import { Table, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../../components/ui/table';
import { ProxyStatusBadge, SslBadge } from '../proxy-badges';
import { describeUpstream, proxyPath, siteUrl } from '../proxy-format';

/** The proxy hosts, one row each: the domain (its page, and the site itself), host, upstream, certificate and status. */
export function ProxyHostsTable({ hosts, showHost }: { hosts: readonly ProxyHost[]; showHost: boolean }) {
  return (
    <Table aria-label="Proxy hosts">
      <TableHead>
        <tr>
          <TableHeaderCells names={['Domain', ...(showHost ? ['Host'] : []), 'Upstream', 'SSL', 'Status']} />
        </tr>
      </TableHead>
      <TableBody>
        {hosts.map((host) => (
          <TableRow key={host.id} data-proxy-id={host.id} data-proxy-domain={host.domain}>
            <TableCell className="whitespace-nowrap">
              <Link to={proxyPath(host)} className="font-medium text-primary hover:underline focus-visible:outline-2 focus-visible:outline-ring">
                {host.domain}
              </Link>
              <div>
                <a
                  href={siteUrl(host)}
                  target="_blank"
                  rel="noreferrer noopener"
                  className="inline-flex items-center gap-1 text-xs text-muted-foreground hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                >
                  {siteUrl(host)}
                  <ExternalLink className="h-3 w-3" aria-hidden />
                  <span className="sr-only">(opens in a new tab)</span>
                </a>
              </div>
            </TableCell>
            {showHost && (
              <TableCell className="whitespace-nowrap">
                <Link to={`/hosts/${encodeURIComponent(host.agentId)}`} className="hover:underline focus-visible:outline-2 focus-visible:outline-ring">
                  {host.agentName}
                </Link>
              </TableCell>
            )}
            <TableCell className="font-mono text-xs" data-testid="proxy-upstream">
              {describeUpstream(host.upstream)}
              {host.upstream.kind === 'container' && host.upstreamAddress && <div className="text-muted-foreground">→ {host.upstreamAddress}</div>}
            </TableCell>
            <TableCell>
              <SslBadge certificate={host.certificate} />
            </TableCell>
            <TableCell>
              <ProxyStatusBadge host={host} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
