import type { InfraPilotClient } from '@infrapilot/client';
import { createContext, useContext } from 'react';
import { api } from '../../app/api';

/**
 * What the proxy and certificate pages ask of the server: the two REST groups, the hosts
 * to choose from and a host's containers (the upstream picker). The pages read it from
 * context, so component tests hand them an in-memory stand-in instead of a network.
 */
export interface ProxyApi {
  proxies: Pick<InfraPilotClient['proxies'], 'list' | 'get' | 'create' | 'update' | 'remove' | 'requestSsl' | 'config' | 'test' | 'server'>;
  certificates: Pick<InfraPilotClient['certificates'], 'list' | 'upload' | 'createSelfSigned' | 'remove' | 'renew' | 'acmeSettings'>;
  agents: Pick<InfraPilotClient['agents'], 'list'>;
  containers: Pick<InfraPilotClient['containers'], 'listOnHost'>;
}

/** The real thing: the app's one client. */
export const clientProxyApi: ProxyApi = {
  proxies: api.proxies,
  certificates: api.certificates,
  agents: api.agents,
  containers: api.containers,
};

export const ProxyApiContext = createContext<ProxyApi>(clientProxyApi);

export function useProxyApi(): ProxyApi {
  return useContext(ProxyApiContext);
}
