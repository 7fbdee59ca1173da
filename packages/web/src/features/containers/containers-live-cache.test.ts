import { describe, expect, it } from 'vitest';
import { testId } from '../../testing/api-records';
import { applyContainerLiveEvent } from './containers-live-cache';
import { type ContainerDetailView, type ContainerListData, containerKeys } from './containers-queries';
import { DB_HOST, listData, makeContainer, makeDetail, seededQueryClient } from './testing/containers-test-fixtures';

const WEB = makeContainer({ name: 'web' });
const WORKER = makeContainer({ name: 'worker', state: 'exited' });
// Docker ids are per host: the same id on another host is another container.
const WEB_ELSEWHERE = makeContainer({ name: 'web', ...DB_HOST, containerId: WEB.containerId });

function seeded() {
  const queryClient = seededQueryClient();
  queryClient.setQueryData<ContainerListData>(containerKeys.list(), listData([WEB, WORKER, WEB_ELSEWHERE]));
  // The page was opened by name; the cached inspect says which container it is.
  queryClient.setQueryData<ContainerDetailView>(containerKeys.detail(WEB.agentId, 'web'), makeDetail(WEB));
  queryClient.setQueryData(containerKeys.stacks(), []);
  return queryClient;
}

const list = (queryClient: ReturnType<typeof seeded>) => queryClient.getQueryData<ContainerListData>(containerKeys.list())!.items;

describe('applyContainerLiveEvent', () => {
  it('puts a changed container into the list and its open page, on its own host only', () => {
    const queryClient = seeded();
    const stopped = { ...WEB, state: 'exited' as const, statusText: 'Exited (137) 1 second ago', exitCode: 137, restartCount: 2 };
    applyContainerLiveEvent(queryClient, { type: 'container.changed', agentId: WEB.agentId, container: stopped, event: 'die' });

    expect(list(queryClient).map((container) => [container.agentName, container.name, container.state])).toEqual([
      ['web-1', 'web', 'exited'],
      ['web-1', 'worker', 'exited'],
      ['db-1', 'web', 'running'],
    ]);
    expect(queryClient.getQueryData<ContainerDetailView>(containerKeys.detail(WEB.agentId, 'web'))).toMatchObject({ state: 'exited', exitCode: 137, restartCount: 2 });
    // The page re-reads the inspect for what the record lacks; the stacks' counts change too.
    expect(queryClient.getQueryState(containerKeys.detail(WEB.agentId, 'web'))?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(containerKeys.stacks())?.isInvalidated).toBe(true);
  });

  it('adds a container it has not seen (just created)', () => {
    const queryClient = seeded();
    const created = makeContainer({ name: 'new-one', state: 'created' });
    applyContainerLiveEvent(queryClient, { type: 'container.changed', agentId: created.agentId, container: created, event: 'create' });
    expect(list(queryClient).map((container) => container.name)).toContain('new-one');
  });

  it('takes a removed container out of the list and marks its open page removed', () => {
    const queryClient = seeded();
    applyContainerLiveEvent(queryClient, { type: 'container.removed', agentId: WEB.agentId, containerId: WEB.containerId, at: '2026-01-01T12:10:00.000Z' });
    expect(list(queryClient).map((container) => `${container.agentName}/${container.name}`)).toEqual(['web-1/worker', 'db-1/web']);
    expect(queryClient.getQueryData<ContainerDetailView>(containerKeys.detail(WEB.agentId, 'web'))?.removedAt).toBe('2026-01-01T12:10:00.000Z');
  });

  it('refetches the list and the stacks when a host re-listed its containers, or the socket reconnected', () => {
    for (const event of [
      { type: 'containers.synced', agentId: WEB.agentId, at: '2026-01-01T12:10:00.000Z' } as const,
      { type: 'ready', orgId: testId(9), at: '2026-01-01T12:10:00.000Z' } as const,
    ]) {
      const queryClient = seeded();
      applyContainerLiveEvent(queryClient, event);
      expect(queryClient.getQueryState(containerKeys.list())?.isInvalidated).toBe(true);
      expect(queryClient.getQueryState(containerKeys.stacks())?.isInvalidated).toBe(true);
      // An inspect is a round trip to the agent: not repeated for a reconnection.
      expect(queryClient.getQueryState(containerKeys.detail(WEB.agentId, 'web'))?.isInvalidated).toBe(false);
    }
  });

  it('leaves the cache alone for events about hosts', () => {
    const queryClient = seeded();
    applyContainerLiveEvent(queryClient, { type: 'agent.removed', agentId: WEB.agentId, at: '2026-01-01T12:10:00.000Z' });
    expect(list(queryClient)).toHaveLength(3);
    expect(queryClient.getQueryState(containerKeys.list())?.isInvalidated).toBe(false);
  });
});
