import type { LiveEvent } from '@infrapilot/protocol';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { certificateKeys, proxyKeys } from './proxies-queries';
import { applyProxyLiveEvent } from './proxies-live-cache';
import { WEB_HOST } from './testing/proxies-test-fixtures';

function seeded() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(proxyKeys.list(), []);
  queryClient.setQueryData(certificateKeys.list(), []);
  return queryClient;
}

const stale = (queryClient: QueryClient) => [proxyKeys.list(), certificateKeys.list()].map((queryKey) => queryClient.getQueryState(queryKey)?.isInvalidated);

const AT = new Date().toISOString();
const PROXY_ID = '0190a000-0000-7000-8000-000000002001';
const CERTIFICATE_ID = '0190a000-0000-7000-8000-000000003001';
const FRAMES: LiveEvent[] = [
  { type: 'proxy.changed', agentId: WEB_HOST.agentId, proxyHostId: PROXY_ID, at: AT },
  { type: 'proxy.drift_detected', agentId: WEB_HOST.agentId, proxyHostId: PROXY_ID, domain: 'app.example.com', reason: 'modified', path: '/etc/nginx/conf.d/x.conf', at: AT },
  { type: 'proxy.drift_resolved', agentId: WEB_HOST.agentId, proxyHostId: PROXY_ID, domain: 'app.example.com', at: AT },
  { type: 'certificate.issued', certificateId: CERTIFICATE_ID, at: AT },
  { type: 'certificate.failed', certificateId: CERTIFICATE_ID, error: 'connection refused', at: AT },
  { type: 'ready', orgId: WEB_HOST.agentId, at: AT },
];

describe('the proxy live cache', () => {
  it.each(FRAMES.map((frame) => [frame.type, frame] as const))('reads the proxy hosts and certificates again on %s', (_type, frame) => {
    const queryClient = seeded();
    applyProxyLiveEvent(queryClient, frame);
    expect(stale(queryClient)).toEqual([true, true]);
  });

  it('leaves them alone on other frames', () => {
    const queryClient = seeded();
    applyProxyLiveEvent(queryClient, { type: 'agent.removed', agentId: WEB_HOST.agentId, at: AT });
    expect(stale(queryClient)).toEqual([false, false]);
  });
});
