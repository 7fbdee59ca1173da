import type { Certificate } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { Badge } from '../../components/ui/badge';
import { Table, TableActionsHeaderCell, TableBody, TableCell, TableHead, TableHeaderCells, TableRow } from '../../components/ui/table';
import { cn } from '../../lib/class-names';
import { formatDateTime } from '../../lib/format';
import { useNow } from '../../lib/use-now';
import { proxyPath } from '../proxies/proxy-format';
import { CertificateRowActions } from './certificate-row-actions';
import { SOURCE_WORDS, TONE_OF_CERTIFICATE_STATUS, daysLeftOf, expiryWords } from './certificate-format';

/** The org's certificates: domains, source, status, expiry and the proxy hosts using each; actions for operators. */
export function CertificatesTable({ certificates, canManage }: { certificates: readonly Certificate[]; canManage: boolean }) {
  const now = useNow();
  return (
    <Table aria-label="Certificates">
      <TableHead>
        <tr>
          <TableHeaderCells names={['Name', 'Domains', 'Source', 'Status', 'Expires', 'Used by']} />
          {canManage && <TableActionsHeaderCell />}
        </tr>
      </TableHead>
      <TableBody>
        {certificates.map((certificate) => {
          const daysLeft = daysLeftOf(certificate, now);
          const expiry = daysLeft === null ? null : expiryWords(daysLeft);
          return (
            <TableRow key={certificate.id} data-certificate-id={certificate.id} data-certificate-name={certificate.name}>
              <TableCell className="font-medium">{certificate.name}</TableCell>
              <TableCell className="text-xs">
                {certificate.domains.map((domain) => (
                  <div key={domain} className="break-all">
                    {domain}
                  </div>
                ))}
              </TableCell>
              <TableCell className="whitespace-nowrap">{SOURCE_WORDS[certificate.source]}</TableCell>
              <TableCell>
                <Badge tone={TONE_OF_CERTIFICATE_STATUS[certificate.status]} data-testid="certificate-status" title={certificate.lastError ?? undefined}>
                  {certificate.status}
                </Badge>
                {certificate.status === 'failed' && certificate.lastError && <div className="mt-1 max-w-64 text-xs text-destructive">{certificate.lastError}</div>}
              </TableCell>
              <TableCell className="whitespace-nowrap">
                {certificate.expiresAt ? (
                  <>
                    <time dateTime={certificate.expiresAt}>{formatDateTime(certificate.expiresAt)}</time>
                    {expiry && (
                      <div
                        data-testid="certificate-days-left"
                        className={cn('text-xs', expiry.tone === 'warning' ? 'font-medium text-warning' : expiry.tone === 'danger' ? 'font-medium text-destructive' : 'text-muted-foreground')}
                      >
                        {expiry.text}
                      </div>
                    )}
                  </>
                ) : (
                  <span className="text-muted-foreground">—</span>
                )}
              </TableCell>
              <TableCell className="text-xs">
                {certificate.proxyHosts.length === 0 ? (
                  <span className="text-muted-foreground">Not used</span>
                ) : (
                  certificate.proxyHosts.map((host) => (
                    <div key={host.id}>
                      <Link to={proxyPath(host)} className="text-primary hover:underline focus-visible:outline-2 focus-visible:outline-ring">
                        {host.domain}
                      </Link>{' '}
                      <span className="text-muted-foreground">on {host.agentName}</span>
                    </div>
                  ))
                )}
              </TableCell>
              {canManage && (
                <TableCell className="text-right">
                  <CertificateRowActions certificate={certificate} />
                </TableCell>
              )}
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
