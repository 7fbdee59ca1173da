import type { ProxyHost } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, XCircle } from 'lucide-react';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { FormAlert } from '../../../components/ui/form-alert';
import { RelativeTime } from '../../../components/ui/relative-time';
import { useToast } from '../../../components/ui/toast';
import { useFormSubmission } from '../../../lib/use-form-submission';
import { inputOf } from '../form/proxy-form-values';
import { invalidateProxiesAndCertificates, storeProxyHost } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';
import { driftText } from '../proxy-format';

/**
 * The managed file on the host is not the one InfraPilot wrote: edited by hand, or
 * removed. Operators can write it again (a PUT of the same settings).
 */
export function DriftBanner({ host }: { host: ProxyHost }) {
  const canManage = useCan('proxies:manage');
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  const notify = useToast();
  const { busy, failure, submit } = useFormSubmission();
  if (!host.drift && host.status !== 'drift') return null;
  return (
    <div role="status" data-testid="drift-banner" className="flex items-start gap-3 rounded-lg border border-warning/50 bg-warning/10 p-3 text-sm">
      <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warning" aria-hidden />
      <div className="grid min-w-0 gap-1">
        <p className="font-medium">{driftText(host.drift?.reason)}</p>
        <p className="text-muted-foreground">
          {host.drift && (
            <>
              <code className="break-all">{host.drift.path}</code>, noticed <RelativeTime iso={host.drift.detectedAt} />.{' '}
            </>
          )}
          nginx serves what is in the file now; InfraPilot shows, tests and writes what is saved here.
        </p>
        {canManage && (
          <div>
            <Button
              size="sm"
              variant="secondary"
              disabled={busy}
              onClick={() =>
                void submit(async () => {
                  const updated = await proxies.update(host.agentId, host.id, inputOf(host));
                  storeProxyHost(queryClient, updated);
                  void invalidateProxiesAndCertificates(queryClient);
                  notify({ title: `Wrote the file of ${host.domain} again` });
                })
              }
            >
              {busy ? 'Writing…' : 'Write the managed file again'}
            </Button>
          </div>
        )}
        <FormAlert message={failure} />
      </div>
    </div>
  );
}

/** The last apply failed: the agent's words. */
export function ApplyErrorBanner({ host }: { host: ProxyHost }) {
  if (host.status !== 'error') return null;
  return (
    <div role="status" className="flex items-start gap-3 rounded-lg border border-destructive/40 bg-destructive/5 p-3 text-sm">
      <XCircle className="mt-0.5 h-4 w-4 shrink-0 text-destructive" aria-hidden />
      <div className="grid min-w-0 gap-1">
        <p className="font-medium">The last change could not be applied</p>
        {host.lastError && <pre className="whitespace-pre-wrap break-words font-mono text-xs">{host.lastError}</pre>}
      </div>
    </div>
  );
}
