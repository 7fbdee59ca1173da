import type { LiveEvent } from '@infrapilot/protocol';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useLiveEvents } from '../../app/live-socket';
import { certificateKeys, proxyKeys } from './proxies-queries';

/** Keeps the cached proxy hosts and certificates current from the live socket. */
export function useProxiesLiveCache(): void {
  const queryClient = useQueryClient();
  useLiveEvents((event) => applyProxyLiveEvent(queryClient, event));
}

/**
 * Applies one live frame to the proxy and certificate queries (exported for the
 * component tests). The frames say what changed, not its new state, so the lists and any
 * open page read again: a certificate issued or failed changes the hosts that use it too.
 */
export function applyProxyLiveEvent(queryClient: QueryClient, event: LiveEvent): void {
  switch (event.type) {
    case 'proxy.changed':
    case 'proxy.drift_detected':
    case 'proxy.drift_resolved':
    case 'certificate.issued':
    case 'certificate.failed':
    // Frames sent while the socket was down are lost: what is on screen is read again.
    case 'ready':
      void queryClient.invalidateQueries({ queryKey: proxyKeys.all });
      void queryClient.invalidateQueries({ queryKey: certificateKeys.all });
      break;
  }
}
