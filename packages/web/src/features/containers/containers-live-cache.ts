import type { LiveEvent } from '@infrapilot/protocol';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useLiveEvents } from '../../app/live-socket';
import { containerKeys, detailKeysOf, dropContainer, upsertContainer } from './containers-queries';

/** Keeps the cached container list, stacks and open container pages current from the live socket. */
export function useContainersLiveCache(): void {
  const queryClient = useQueryClient();
  useLiveEvents((event) => applyContainerLiveEvent(queryClient, event));
}

/** Applies one live frame to the containers' query cache (exported for the component tests). */
export function applyContainerLiveEvent(queryClient: QueryClient, event: LiveEvent): void {
  switch (event.type) {
    case 'container.changed': {
      // The frame carries the whole record: the list and the page's badge change at once...
      upsertContainer(queryClient, event.container);
      // ...and an open page re-reads the inspect for what the record lacks (finished at, health output).
      for (const queryKey of detailKeysOf(queryClient, event.agentId, event.container.containerId)) void queryClient.invalidateQueries({ queryKey, exact: true });
      void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
      break;
    }
    case 'container.removed':
      dropContainer(queryClient, event.agentId, event.containerId, event.at);
      void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
      break;
    case 'containers.synced':
      // A host re-listed its containers (its agent reconnected, say): what it reported replaces ours.
      void queryClient.invalidateQueries({ queryKey: containerKeys.list() });
      void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
      break;
    case 'ready':
      // Frames sent while the socket was down are lost: refetch what is on screen, once.
      void queryClient.invalidateQueries({ queryKey: containerKeys.list() });
      void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
      break;
  }
}
