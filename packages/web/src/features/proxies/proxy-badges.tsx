import type { CertificateSummary, ProxyHost } from '@infrapilot/protocol';
import { Badge } from '../../components/ui/badge';
import { useNow } from '../../lib/use-now';
import { TONE_OF_STATUS, sslStateOf, statusDetail } from './proxy-format';

/**
 * The proxy host's status as a coloured word; an error's message or the drift's reason
 * is its tooltip and, for screen readers, part of its text.
 */
export function ProxyStatusBadge({ host }: { host: Pick<ProxyHost, 'status' | 'lastError' | 'drift'> }) {
  const detail = statusDetail(host);
  return (
    <Badge tone={TONE_OF_STATUS[host.status]} data-testid="proxy-status" title={detail}>
      {host.status}
      {detail && <span className="sr-only">: {detail}</span>}
    </Badge>
  );
}

/** The certificate's state: off, pending, valid with the days left (amber under 30), expired or failed (the error in its tooltip). */
export function SslBadge({ certificate }: { certificate: CertificateSummary | null }) {
  const now = useNow();
  const state = sslStateOf(certificate, now);
  return (
    <Badge tone={state.tone} data-testid="proxy-ssl" title={state.detail}>
      {state.label}
      {state.tone === 'danger' && state.detail && <span className="sr-only">: {state.detail}</span>}
    </Badge>
  );
}
