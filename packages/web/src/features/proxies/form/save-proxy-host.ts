import type { ProxyHost, ProxyHostInput } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useToast } from '../../../components/ui/toast';
import { formErrorMessage } from '../../../lib/error-text';
import { invalidateProxiesAndCertificates, storeProxyHost } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';
import { proxyPath } from '../proxy-format';
import type { ProxyFormValues } from './proxy-form-values';

/**
 * Saves the form: POST (new) or PUT (existing), then, when a new certificate was chosen,
 * POST .../ssl for it. A refused save throws (the form shows why and keeps its values);
 * once the proxy host is saved the page moves to it, and a refused certificate request
 * is said in a toast there, since the settings themselves went live.
 */
export function useSaveProxyHost(existing?: ProxyHost) {
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notify = useToast();

  return async (values: ProxyFormValues, input: ProxyHostInput): Promise<void> => {
    let host = existing ? await proxies.update(existing.agentId, existing.id, input) : await proxies.create(values.agentId, input);
    storeProxyHost(queryClient, host);
    let sslNote: string | undefined;
    let sslRefused = false;
    try {
      if (values.ssl === 'acme') {
        host = await proxies.requestSsl(host.agentId, host.id, { source: 'acme' });
        sslNote = 'A certificate was requested; HTTPS starts once it is issued.';
      } else if (values.ssl === 'self_signed') {
        host = await proxies.requestSsl(host.agentId, host.id, { source: 'self_signed', days: Number(values.selfSignedDays) });
        sslNote = 'A self-signed certificate is attached.';
      }
      storeProxyHost(queryClient, host);
    } catch (error) {
      sslRefused = true;
      notify({ title: `Saved ${host.domain}, but the certificate request was refused`, description: formErrorMessage(error), tone: 'error' });
    }
    if (!sslRefused) notify({ title: existing ? `Saved ${host.domain}` : `Added ${host.domain}`, description: sslNote });
    void invalidateProxiesAndCertificates(queryClient);
    await navigate(proxyPath(host));
  };
}
