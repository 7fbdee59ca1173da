import type { ProxyHost } from '@infrapilot/protocol';
import { Plus } from 'lucide-react';
import { Link, useSearchParams } from 'react-router';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { Select } from '../../../components/ui/input';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../../components/ui/states';
import { describeError } from '../../../lib/error-text';
import { useProxyHostChoices, useProxyHosts } from '../proxies-queries';
import { ProxyHostsTable } from './proxy-hosts-table';

/** /proxies: every proxy host on every host, filtered by host (kept in the URL as ?host=). */
export function ProxiesPage() {
  const canManage = useCan('proxies:manage');
  const [searchParams, setSearchParams] = useSearchParams();
  const hostFilter = searchParams.get('host') ?? '';
  const list = useProxyHosts();
  const addPath = hostFilter ? `/proxies/new?host=${encodeURIComponent(hostFilter)}` : '/proxies/new';

  return (
    <>
      <PageHeader
        title="Proxy hosts"
        description="Domains that each host's nginx forwards to an address or a container, with their certificates."
        actions={
          canManage ? (
            <Button asChild>
              <Link to={addPath}>
                <Plus className="h-4 w-4" aria-hidden /> Add proxy host
              </Link>
            </Button>
          ) : null
        }
      />
      {list.data ? (
        <div className="grid gap-3">
          {list.isError && (
            <p role="status" className="text-sm text-destructive">
              Could not refresh the list ({describeError(list.error).title}); showing what was loaded before.
            </p>
          )}
          <ProxyHostsView
            hosts={list.data}
            hostFilter={hostFilter}
            canManage={canManage}
            onHostFilter={(host) =>
              setSearchParams(
                (current) => {
                  const next = new URLSearchParams(current);
                  if (host) next.set('host', host);
                  else next.delete('host');
                  return next;
                },
                { replace: true },
              )
            }
          />
        </div>
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <Loading label="Loading proxy hosts…" />
      )}
    </>
  );
}

function ProxyHostsView({
  hosts,
  hostFilter,
  canManage,
  onHostFilter,
}: {
  hosts: ProxyHost[];
  hostFilter: string;
  canManage: boolean;
  onHostFilter: (host: string) => void;
}) {
  const choices = useHostFilterChoices(hosts);
  if (hosts.length === 0) {
    return (
      <EmptyState title="No proxy hosts yet">
        A proxy host points a domain at a container or an address on one of your hosts, through that host's nginx, with a certificate if you want HTTPS.
        {canManage ? ' Add one with the button above.' : ' An operator can add one.'}
      </EmptyState>
    );
  }
  const shown = hosts.filter((host) => !hostFilter || host.agentId === hostFilter).sort((left, right) => left.domain.localeCompare(right.domain));
  return (
    <>
      <Select aria-label="Host" className="sm:w-56" value={hostFilter} onChange={(event) => onHostFilter(event.target.value)}>
        <option value="">All hosts</option>
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.name}
          </option>
        ))}
      </Select>
      {shown.length === 0 ? (
        <EmptyState
          title="No proxy hosts on this host"
          action={
            <Button variant="secondary" onClick={() => onHostFilter('')}>
              Show every host
            </Button>
          }
        />
      ) : (
        <ProxyHostsTable hosts={shown} showHost={!hostFilter} />
      )}
      <p className="text-xs text-muted-foreground">
        {shown.length === hosts.length ? `${hosts.length} proxy hosts` : `${shown.length} of ${hosts.length} proxy hosts`}; states change as soon as the
        server reports them.
      </p>
    </>
  );
}

/** Every host that has a proxy host, and every other host of the org once the host list is loaded. */
function useHostFilterChoices(hosts: readonly ProxyHost[]): Array<{ id: string; name: string }> {
  const agents = useProxyHostChoices();
  const names = new Map<string, string>();
  for (const agent of agents.data ?? []) names.set(agent.id, agent.name);
  for (const host of hosts) names.set(host.agentId, host.agentName);
  return [...names].map(([id, name]) => ({ id, name })).sort((left, right) => left.name.localeCompare(right.name));
}
