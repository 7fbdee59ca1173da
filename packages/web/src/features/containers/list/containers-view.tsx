import type { Container } from '@infrapilot/protocol';
import { type RefObject, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { EmptyState } from '../../../components/ui/states';
import { useToast } from '../../../components/ui/toast';
import { ContainerActionDialog } from '../container-action-dialog';
import { ACTION_WORDS, type ContainerAction, type ContainerTarget, useContainerActions } from '../container-actions';
import type { ContainerListData } from '../containers-queries';
import { BulkActionBar } from './bulk-action-bar';
import { type ContainerFilters, FILTER_NAMES, filterContainers, filtersFromSearchParams, hasFilters, hostChoices, selectionKey, stackChoices } from './container-filters';
import { ContainerFiltersBar } from './container-filters-bar';
import { ContainersTable } from './containers-table';
import { DockerEngineBanners } from './docker-engine-banners';

interface PendingAction {
  /** A new dialog per request, so it never shows the previous one's containers. */
  id: number;
  action: ContainerAction;
  targets: ContainerTarget[];
  returnFocus: RefObject<HTMLElement | null>;
  fromSelection: boolean;
}

/**
 * The containers with their filters (kept in the URL), banners for hosts whose Docker
 * does not answer, row selection and bulk actions. `agentId` fixes the host (a host's
 * own page): no host column, no host filter, and only that host's banner.
 */
export function ContainersView({ list, agentId }: { list: ContainerListData; agentId?: string }) {
  const canOperate = useCan('containers:operate');
  const canExec = useCan('containers:exec');
  const [searchParams, setSearchParams] = useSearchParams();
  const urlFilters = filtersFromSearchParams(searchParams);
  const filters: ContainerFilters = agentId ? { ...urlFilters, host: agentId } : urlFilters;
  const setFilter = (name: keyof ContainerFilters, value: string) =>
    setSearchParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  const clearFilters = () =>
    setSearchParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const name of FILTER_NAMES) next.delete(name);
        return next;
      },
      { replace: true },
    );

  const shown = useMemo(() => filterContainers(list.items, filters), [list.items, filters.host, filters.stack, filters.state, filters.q]);
  const engines = agentId ? list.engines.filter((engine) => engine.agentId === agentId) : list.engines;

  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // Only rows on screen count: a filtered-away or removed container is never acted on unseen.
  const selectedShown = shown.filter((container) => selected.has(selectionKey(container)));
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const run = useContainerActions();
  const notify = useToast();

  const ask = (action: ContainerAction, targets: Container[], returnFocus: RefObject<HTMLElement | null>, fromSelection: boolean) => {
    setPending((previous) => ({ id: (previous?.id ?? 0) + 1, action, targets, returnFocus, fromSelection }));
    setDialogOpen(true);
  };
  // Starting one stopped container from its menu harms nothing: no question asked.
  const onRowAction = (action: ContainerAction, container: Container, returnFocus: RefObject<HTMLElement | null>) => {
    if (action !== 'start') return ask(action, [container], returnFocus, false);
    void run('start', [container]).then(([outcome]) =>
      notify(
        outcome?.failure === undefined
          ? { title: `${ACTION_WORDS.start.done} ${container.name}` }
          : { title: `Could not start ${container.name}`, description: outcome.failure, tone: 'error' },
      ),
    );
  };

  const selection = canOperate
    ? {
        selected,
        toggle: (key: string, on: boolean) =>
          setSelected((current) => {
            const next = new Set(current);
            if (on) next.add(key);
            else next.delete(key);
            return next;
          }),
        toggleAll: (keys: string[], on: boolean) =>
          setSelected((current) => {
            const next = new Set(current);
            for (const key of keys) {
              if (on) next.add(key);
              else next.delete(key);
            }
            return next;
          }),
      }
    : undefined;

  return (
    <div className="grid gap-3">
      <DockerEngineBanners engines={engines} />
      {list.items.length === 0 ? (
        <NoContainers hostFixed={Boolean(agentId)} reportsDocker={engines.length > 0} />
      ) : (
        <>
          <ContainerFiltersBar
            filters={filters}
            hosts={agentId ? undefined : hostChoices(list.items, list.engines)}
            stacks={stackChoices(list.items, filters.host)}
            onChange={setFilter}
          />
          {canOperate && selectedShown.length > 0 && (
            <BulkActionBar
              count={selectedShown.length}
              onAction={(action, returnFocus) => ask(action, selectedShown, returnFocus, true)}
              onClear={() => setSelected(new Set())}
            />
          )}
          {shown.length === 0 ? (
            <EmptyState
              title="No containers match these filters"
              action={
                hasFilters(urlFilters) ? (
                  <Button variant="secondary" onClick={clearFilters}>
                    Clear filters
                  </Button>
                ) : null
              }
            >
              Change or clear the filters to see the other containers.
            </EmptyState>
          ) : (
            <ContainersTable
              containers={shown}
              showHost={!agentId}
              selection={selection}
              canOperate={canOperate}
              canExec={canExec}
              onAction={(action, container, returnFocus) => onRowAction(action, container, returnFocus)}
            />
          )}
          <p className="text-xs text-muted-foreground">
            {shown.length === list.items.length ? `${shown.length} containers` : `${shown.length} of ${list.items.length} containers`}; CPU and memory are
            refreshed every 15 seconds, states as soon as Docker reports a change.
          </p>
        </>
      )}
      {pending && (
        <ContainerActionDialog
          key={pending.id}
          action={pending.action}
          targets={pending.targets}
          open={dialogOpen}
          onOpenChange={setDialogOpen}
          returnFocus={pending.returnFocus}
          onDone={() => {
            if (pending.fromSelection) setSelected(new Set());
          }}
        />
      )}
    </div>
  );
}

function NoContainers({ hostFixed, reportsDocker }: { hostFixed: boolean; reportsDocker: boolean }) {
  if (hostFixed && !reportsDocker) {
    return (
      <EmptyState title="This host does not report Docker">
        Its agent reports containers when the docker capability is on in its policy file (/etc/infrapilot/agent.yaml, on by default) and a Docker Engine
        answers on the host. Install Docker there, or check the agent's policy, then its containers appear here.
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No containers yet">
      {hostFixed
        ? 'Docker answers on this host but runs no containers. Containers started there (docker run, docker compose up) show up here within seconds.'
        : 'Containers show up here as soon as a host with Docker reports them. Add a host on the Hosts page, or start a container on one (docker run, docker compose up).'}
    </EmptyState>
  );
}
