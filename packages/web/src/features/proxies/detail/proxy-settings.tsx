import type { ProxyHost } from '@infrapilot/protocol';
import { Link } from 'react-router';
import { Card, CardHeader } from '../../../components/ui/card';
import { DescriptionItem } from '../../../components/ui/description-list';
import { RelativeTime } from '../../../components/ui/relative-time';
import { formatDateTime } from '../../../lib/format';
import { SslBadge } from '../proxy-badges';
import { describeUpstream } from '../proxy-format';

const SOURCE_WORDS = { acme: 'ACME', uploaded: 'Uploaded', self_signed: 'Self-signed' } as const;

function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

/** Every setting of a proxy host, read-only, grouped as the form groups them. */
export function ProxySettings({ host }: { host: ProxyHost }) {
  const headers = host.securityHeaders;
  // nginx applies allow/deny rules by ascending priority, then in the order given.
  const rules = host.ipRules.map((rule, index) => ({ rule, index })).sort((left, right) => left.rule.priority - right.rule.priority || left.index - right.index);
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card>
        <CardHeader title="Upstream" />
        <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <DescriptionItem term="Forwards to">
            <span className="font-mono">{describeUpstream(host.upstream)}</span>
          </DescriptionItem>
          <DescriptionItem term="Resolved to">{host.upstreamAddress ?? <span className="text-muted-foreground">not applied yet</span>}</DescriptionItem>
          <DescriptionItem term="Websockets">{yesNo(host.websockets)}</DescriptionItem>
          <DescriptionItem term="Largest body">{host.clientMaxBodySizeMb === 0 ? 'No limit' : `${host.clientMaxBodySizeMb} MiB`}</DescriptionItem>
        </dl>
      </Card>
      <Card>
        <CardHeader title="Certificate" />
        <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <DescriptionItem term="HTTPS">
            <SslBadge certificate={host.certificate} />
          </DescriptionItem>
          {host.certificate && (
            <>
              <DescriptionItem term="Certificate">
                <Link to="/certificates" className="text-primary hover:underline">
                  {host.certificate.name}
                </Link>{' '}
                <span className="text-muted-foreground">({SOURCE_WORDS[host.certificate.source]})</span>
              </DescriptionItem>
              <DescriptionItem term="Expires">{host.certificate.expiresAt ? formatDateTime(host.certificate.expiresAt) : '—'}</DescriptionItem>
              {host.certificate.lastError && <DescriptionItem term="Last error">{host.certificate.lastError}</DescriptionItem>}
            </>
          )}
          <DescriptionItem term="Force SSL">{yesNo(host.forceSsl)}</DescriptionItem>
          <DescriptionItem term="HTTP/2">{yesNo(host.http2)}</DescriptionItem>
        </dl>
      </Card>
      <Card>
        <CardHeader title="Security headers" />
        <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <DescriptionItem term="HSTS">
            {headers.hsts ? `max-age ${headers.hstsMaxAgeSeconds}${headers.hstsIncludeSubdomains ? '; includeSubDomains' : ''}` : 'Off'}
          </DescriptionItem>
          <DescriptionItem term="X-Frame-Options">{headers.xFrameOptions ?? 'Not sent'}</DescriptionItem>
          <DescriptionItem term="nosniff">{yesNo(headers.xContentTypeOptions)}</DescriptionItem>
          <DescriptionItem term="XSS protection">{yesNo(headers.xXssProtection)}</DescriptionItem>
          <DescriptionItem term="CSP">{headers.contentSecurityPolicy ? <code className="break-all text-xs">{headers.contentSecurityPolicy}</code> : 'Not sent'}</DescriptionItem>
        </dl>
      </Card>
      <Card>
        <CardHeader title="Access" />
        <h3 className="mb-1 text-sm font-medium">Rate limits</h3>
        {host.rateLimits.length === 0 ? (
          <p className="mb-3 text-sm text-muted-foreground">None.</p>
        ) : (
          <ul className="mb-3 grid gap-1 text-sm" aria-label="Rate limits">
            {host.rateLimits.map((limit, index) => (
              <li key={index}>
                {limit.requests} per {limit.per}, burst {limit.burst}
                {!limit.enabled && <span className="text-muted-foreground"> (disabled)</span>}
              </li>
            ))}
          </ul>
        )}
        <h3 className="mb-1 text-sm font-medium">IP rules</h3>
        {rules.length === 0 ? (
          <p className="text-sm text-muted-foreground">None: every address may connect.</p>
        ) : (
          <ol className="grid gap-1 text-sm" aria-label="IP rules">
            {rules.map(({ rule, index }) => (
              <li key={index} className="font-mono text-xs">
                {rule.action} {rule.cidr} <span className="text-muted-foreground">(priority {rule.priority})</span>
              </li>
            ))}
          </ol>
        )}
      </Card>
      <Card className="lg:col-span-2">
        <CardHeader title="Managed file" />
        <dl className="grid grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <DescriptionItem term="Path">{host.configPath ? <code className="break-all text-xs">{host.configPath}</code> : 'Not written yet'}</DescriptionItem>
          <DescriptionItem term="SHA-256">{host.configHash ? <code className="break-all text-xs">{host.configHash}</code> : '—'}</DescriptionItem>
          <DescriptionItem term="Changed">
            <RelativeTime iso={host.updatedAt} />
          </DescriptionItem>
        </dl>
      </Card>
    </div>
  );
}
