import { ApiError } from '@infrapilot/client';
import { ArrowLeft, Trash2 } from 'lucide-react';
import { Suspense, lazy, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useCan } from '../../../app/session';
import { ErrorState, Loading, PageHeader } from '../../../components/ui/states';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs';
import { formatRelative } from '../../../lib/format';
import { ContainerStateBadge } from '../container-state-badge';
import { type ContainerDetailView, useContainerDetail } from '../containers-queries';
import { LogViewer } from '../logs/log-viewer';
import { ContainerTerminal } from '../terminal/container-terminal';
import { ContainerEnvironment } from './container-environment';
import { ContainerHeaderActions } from './container-header-actions';
import { ContainerOverview } from './container-overview';

/** The chart library (uPlot) loads when the Stats tab opens, not with the page. */
const ContainerStatsPanel = lazy(async () => ({ default: (await import('./container-stats')).ContainerStatsPanel }));

const TABS = ['overview', 'environment', 'stats', 'logs', 'terminal'] as const;
type Tab = (typeof TABS)[number];

/** /hosts/:id/containers/:cid: one container's inspect, environment, live figures, log and terminal. */
export function ContainerDetailPage() {
  const { id = '', cid = '' } = useParams();
  const detail = useContainerDetail(id, cid);
  return (
    <>
      <Link to="/containers" className="mb-3 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        {/* Not "Containers": the navigation's link has that name. */}
        <ArrowLeft className="h-4 w-4" aria-hidden /> Back to container list
      </Link>
      {detail.data ? (
        <ContainerDetail detail={detail.data} containerRef={cid} />
      ) : detail.isError ? (
        <ErrorState error={detail.error} {...(detail.error instanceof ApiError && detail.error.status === 404 ? {} : { onRetry: () => void detail.refetch() })} />
      ) : (
        <Loading label="Loading container…" />
      )}
    </>
  );
}

function ContainerDetail({ detail, containerRef }: { detail: ContainerDetailView; containerRef: string }) {
  const canExec = useCan('containers:exec');
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('tab') as Tab | null;
  const tabs = TABS.filter((tab) => tab !== 'terminal' || canExec);
  const tab: Tab = requested && tabs.includes(requested) ? requested : 'overview';
  // The log and the terminal open their sockets on first visit, then stay (hidden) when
  // another tab is chosen, so coming back finds the same lines and the same shell.
  const [visited, setVisited] = useState<ReadonlySet<Tab>>(() => new Set([tab]));
  useEffect(() => setVisited((current) => (current.has(tab) ? current : new Set([...current, tab]))), [tab]);
  const keptMounted = (kept: Tab) => (visited.has(kept) ? { forceMount: true as const, hidden: tab !== kept } : {});
  const setTab = (next: string) =>
    setSearchParams(
      (current) => {
        const params = new URLSearchParams(current);
        if (next === 'overview') params.delete('tab');
        else params.set('tab', next);
        return params;
      },
      { replace: true },
    );
  const name = detail.name.replace(/^\//, '');
  const removed = Boolean(detail.removedAt);
  const running = detail.state === 'running' && !removed;
  const target = { agentId: detail.agentId, agentName: detail.agentName, containerId: detail.containerId, name, state: detail.state };

  return (
    <div className="grid gap-4">
      <PageHeader
        title={name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ContainerStateBadge state={detail.state} health={detail.health?.status} />
            <span>
              on{' '}
              <Link to={`/hosts/${encodeURIComponent(detail.agentId)}`} className="text-primary hover:underline">
                {detail.agentName}
              </Link>
            </span>
            <span className="break-all">· {detail.image}</span>
          </span>
        }
        actions={removed ? null : <ContainerHeaderActions target={target} onOpenTerminal={() => setTab('terminal')} />}
      />
      {removed && (
        <div role="status" className="flex items-start gap-3 rounded-lg border border-border bg-muted p-4 text-sm">
          <Trash2 className="mt-0.5 h-5 w-5 shrink-0 text-muted-foreground" aria-hidden />
          <div>
            <p className="font-medium">This container was removed</p>
            <p className="text-muted-foreground">
              Docker reported it gone {formatRelative(detail.removedAt)}. What is shown is how it was; its log and terminal are no longer available.
            </p>
          </div>
        </div>
      )}
      <Tabs value={tab} onValueChange={setTab}>
        <TabsList aria-label="Container sections" className="mb-3 flex-wrap">
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="environment">Environment</TabsTrigger>
          <TabsTrigger value="stats">Stats</TabsTrigger>
          <TabsTrigger value="logs">Logs</TabsTrigger>
          {canExec && <TabsTrigger value="terminal">Terminal</TabsTrigger>}
        </TabsList>
        <TabsContent value="overview" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ContainerOverview detail={detail} />
        </TabsContent>
        <TabsContent value="environment" className="focus-visible:outline-2 focus-visible:outline-ring">
          <ContainerEnvironment variables={detail.env} />
        </TabsContent>
        <TabsContent value="stats" className="focus-visible:outline-2 focus-visible:outline-ring">
          <Suspense fallback={<Loading label="Loading charts…" />}>
            <ContainerStatsPanel agentId={detail.agentId} container={containerRef} running={running} />
          </Suspense>
        </TabsContent>
        <TabsContent value="logs" {...keptMounted('logs')} className="focus-visible:outline-2 focus-visible:outline-ring">
          {removed ? (
            <p className="text-sm text-muted-foreground">The container was removed, and its log with it.</p>
          ) : (
            <LogViewer agentId={detail.agentId} container={containerRef} name={name} running={running} />
          )}
        </TabsContent>
        {canExec && (
          <TabsContent value="terminal" {...keptMounted('terminal')} className="focus-visible:outline-2 focus-visible:outline-ring">
            <ContainerTerminal agentId={detail.agentId} container={containerRef} name={name} running={running} />
          </TabsContent>
        )}
      </Tabs>
    </div>
  );
}
