import { ApiError } from '@infrapilot/client';
import type { ProxyHost } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, ExternalLink, Pencil, Trash2 } from 'lucide-react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs';
import { useToast } from '../../../components/ui/toast';
import { deletingProxyHost, invalidateProxiesAndCertificates, proxyKeys, useProxyHost } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';
import { ProxyStatusBadge } from '../proxy-badges';
import { proxyPath, siteUrl } from '../proxy-format';
import { ApplyErrorBanner, DriftBanner } from './proxy-banners';
import { ProxyConfigTab } from './proxy-config-tab';
import { ProxySettings } from './proxy-settings';
import { RequestCertificateDialog } from './request-certificate-dialog';

/** /proxies/:agentId/:pid: a proxy host's settings, certificate, drift and rendered config (?tab=config). */
export function ProxyDetailPage() {
  const { agentId = '', pid = '' } = useParams();
  const host = useProxyHost(agentId, pid);
  return (
    <>
      <Link to="/proxies" className="mb-3 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="h-4 w-4" aria-hidden /> Back to proxy host list
      </Link>
      {host.data ? (
        <ProxyDetail host={host.data} />
      ) : host.isError ? (
        <ErrorState error={host.error} {...(host.error instanceof ApiError && host.error.status === 404 ? {} : { onRetry: () => void host.refetch() })} />
      ) : (
        <Loading label="Loading proxy host…" />
      )}
    </>
  );
}

function ProxyDetail({ host }: { host: ProxyHost }) {
  const canManage = useCan('proxies:manage');
  const [searchParams, setSearchParams] = useSearchParams();
  const tab = searchParams.get('tab') === 'config' ? 'config' : 'settings';
  const setTab = (next: string) =>
    setSearchParams(
      (current) => {
        const params = new URLSearchParams(current);
        if (next === 'config') params.set('tab', 'config');
        else params.delete('tab');
        return params;
      },
      { replace: true },
    );
  return (
    <div className="grid gap-4">
      <PageHeader
        title={host.domain}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ProxyStatusBadge host={host} />
            <span>
              on{' '}
              <Link to={`/hosts/${encodeURIComponent(host.agentId)}`} className="text-primary hover:underline">
                {host.agentName}
              </Link>
            </span>
            <a href={siteUrl(host)} target="_blank" rel="noreferrer noopener" className="inline-flex items-center gap-1 text-primary hover:underline">
              {siteUrl(host)}
              <ExternalLink className="h-3 w-3" aria-hidden />
              <span className="sr-only">(opens in a new tab)</span>
            </a>
          </span>
        }
        actions={canManage ? <OperatorActions host={host} /> : null}
      />
      <DriftBanner host={host} />
      <ApplyErrorBanner host={host} />
      <Tabs value={tab} onValueChange={setTab}>
        <TabsList aria-label="Proxy host sections" className="mb-3">
          <TabsTrigger value="settings">Settings</TabsTrigger>
          <TabsTrigger value="config">Config</TabsTrigger>
        </TabsList>
        <TabsContent value="settings" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ProxySettings host={host} />
        </TabsContent>
        <TabsContent value="config" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ProxyConfigTab host={host} active={tab === 'config'} />
        </TabsContent>
      </Tabs>
    </div>
  );
}

/** Edit, request a certificate, delete (asked first): operators only. */
function OperatorActions({ host }: { host: ProxyHost }) {
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const notify = useToast();
  return (
    <>
      <Button variant="secondary" asChild>
        <Link to={proxyPath(host, '/edit')}>
          <Pencil className="h-4 w-4" aria-hidden /> Edit
        </Link>
      </Button>
      <RequestCertificateDialog host={host} />
      <ConfirmDialog
        trigger={
          <Button variant="destructive">
            <Trash2 className="h-4 w-4" aria-hidden /> Delete
          </Button>
        }
        title={`Delete ${host.domain}?`}
        description={`Its nginx file is removed from ${host.agentName} and nginx reloaded; the domain stops being served there. Its certificate stays in the organization.`}
        confirmLabel="Delete proxy host"
        onConfirm={async () => {
          await deletingProxyHost(queryClient, host.id, () => proxies.remove(host.agentId, host.id));
          // Gone from the list at once; its page is left before its query is dropped, so it never refetches into a 404.
          queryClient.setQueryData<ProxyHost[]>(proxyKeys.list(), (list) => list?.filter((item) => item.id !== host.id));
          notify({ title: `Deleted ${host.domain}` });
          await navigate('/proxies');
          queryClient.removeQueries({ queryKey: proxyKeys.detail(host.agentId, host.id) });
          void invalidateProxiesAndCertificates(queryClient);
        }}
      />
    </>
  );
}
