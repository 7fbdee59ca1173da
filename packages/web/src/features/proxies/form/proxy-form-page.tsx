import { ApiError } from '@infrapilot/client';
import { ArrowLeft } from 'lucide-react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states';
import { useProxyHost } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';
import { proxyPath } from '../proxy-format';
import { ProxyForm } from './proxy-form';
import { emptyFormValues, formValuesOf } from './proxy-form-values';
import { useSaveProxyHost } from './save-proxy-host';

function BackToList() {
  return (
    <Link to="/proxies" className="mb-3 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
      <ArrowLeft className="h-4 w-4" aria-hidden /> Back to proxy host list
    </Link>
  );
}

/** /proxies/new (?host= chooses the host): a new proxy host. */
export function NewProxyHostPage() {
  const [searchParams] = useSearchParams();
  const save = useSaveProxyHost();
  return (
    <>
      <BackToList />
      <PageHeader title="Add proxy host" description="Point a domain at a container or an address on one of your hosts." />
      <ProxyForm initial={emptyFormValues(searchParams.get('host') ?? '')} submitLabel="Save proxy host" cancelPath="/proxies" onSubmit={save} />
    </>
  );
}

/** /proxies/:agentId/:pid/edit: a proxy host's settings, with "Test configuration" before saving. */
export function EditProxyHostPage() {
  const { agentId = '', pid = '' } = useParams();
  const host = useProxyHost(agentId, pid);
  return (
    <>
      <BackToList />
      {host.data ? (
        <EditForm host={host.data} />
      ) : host.isError ? (
        <ErrorState error={host.error} {...(host.error instanceof ApiError && host.error.status === 404 ? {} : { onRetry: () => void host.refetch() })} />
      ) : (
        <Loading label="Loading proxy host…" />
      )}
    </>
  );
}

function EditForm({ host }: { host: NonNullable<ReturnType<typeof useProxyHost>['data']> }) {
  const { proxies } = useProxyApi();
  const save = useSaveProxyHost(host);
  return (
    <>
      <PageHeader title={`Edit ${host.domain}`} description={`On ${host.agentName}. Saving writes the file, tests it with nginx -t and reloads nginx.`} />
      <ProxyForm
        // A form per saved version: a live update of the host does not overwrite what is being typed, but a new page does start from it.
        key={host.id}
        initial={formValuesOf(host)}
        existing={host}
        submitLabel="Save changes"
        cancelPath={proxyPath(host)}
        onSubmit={save}
        onTest={(input) => proxies.test(host.agentId, host.id, input)}
      />
    </>
  );
}
