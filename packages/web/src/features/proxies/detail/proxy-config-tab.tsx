import type { ProxyHost, ProxyTestResult } from '@infrapilot/protocol';
import { FlaskConical } from 'lucide-react';
import { useState } from 'react';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { CopyButton } from '../../../components/ui/copy-button';
import { FormAlert } from '../../../components/ui/form-alert';
import { ErrorState, Loading } from '../../../components/ui/states';
import { formErrorMessage } from '../../../lib/error-text';
import { useProxyConfig } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';
import { TestResultPanel } from '../test-result';

/**
 * The nginx file as the agent renders it now, its SHA-256, and how that compares with
 * what was last written and what the host reports; operators can run nginx -t on it.
 */
export function ProxyConfigTab({ host, active }: { host: ProxyHost; active: boolean }) {
  const config = useProxyConfig(host.agentId, host.id, active);
  const canManage = useCan('proxies:manage');
  const test = useConfigTest(host);
  if (config.data) {
    const { data } = config;
    return (
      <div className="grid gap-3">
        <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <dt className="text-muted-foreground">Path</dt>
          <dd className="min-w-0 break-all font-mono text-xs">{data.path}</dd>
          <dt className="text-muted-foreground">SHA-256</dt>
          <dd className="min-w-0 break-all font-mono text-xs" data-testid="config-hash">
            {data.configHash}
          </dd>
          <dt className="text-muted-foreground">On the host</dt>
          <dd className="min-w-0 break-all font-mono text-xs">{data.liveHash ?? 'missing'}</dd>
        </dl>
        <DriftNote drift={data.drift} liveHash={data.liveHash} />
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 className="text-sm font-medium">Rendered configuration</h3>
          <div className="flex gap-2">
            <CopyButton text={data.config} label="Copy configuration" />
            {canManage && (
              <Button variant="secondary" size="sm" disabled={test.busy} onClick={() => void test.run()}>
                <FlaskConical className="h-4 w-4" aria-hidden />
                {test.busy ? 'Testing…' : 'Test'}
              </Button>
            )}
          </div>
        </div>
        {test.result && <TestResultPanel result={test.result} />}
        <FormAlert message={test.failure} />
        <pre
          aria-label="nginx configuration"
          tabIndex={0}
          data-testid="proxy-config"
          className="max-h-[32rem] overflow-auto rounded-md border border-border bg-muted p-3 font-mono text-xs focus-visible:outline-2 focus-visible:outline-ring"
        >
          {data.config}
        </pre>
      </div>
    );
  }
  if (config.isError) return <ErrorState error={config.error} onRetry={() => void config.refetch()} />;
  return <Loading label="Rendering the configuration…" />;
}

function DriftNote({ drift, liveHash }: { drift: boolean; liveHash: string | null }) {
  if (!drift) return <p className="text-sm text-muted-foreground">The file on the host is the one InfraPilot wrote.</p>;
  return (
    <p role="status" className="rounded-md border border-warning/50 bg-warning/10 p-2 text-sm">
      {liveHash === null
        ? 'The file is missing on the host. Saving the proxy host writes it again.'
        : 'The file on the host differs from what InfraPilot wrote (its hash above does not match). Saving the proxy host writes it again, replacing the edits.'}
    </p>
  );
}

/** nginx -t with the saved settings (nothing goes live): its state and how to start it. */
function useConfigTest(host: ProxyHost) {
  const { proxies } = useProxyApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ProxyTestResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setResult(null);
    setFailure(null);
    try {
      setResult(await proxies.test(host.agentId, host.id));
    } catch (error) {
      setFailure(formErrorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return { busy, result, failure, run };
}
