import { commandOf } from '../docker/docker-input.js';
import type { Capability } from '../registry.js';
import { applyProxyHost } from './proxy-apply.js';
import { answerChallenge } from './proxy-challenge.js';
import type { ProxyContext } from './proxy-context.js';
import { removeProxyHost } from './proxy-remove.js';

/**
 * The host's reverse proxy: one nginx file per proxy host, tested before it goes live,
 * and the ACME HTTP-01 answers. Each command answers proxy_unavailable when nginx is not
 * installed, saying how to fix that.
 */
export function proxyCapability(context: ProxyContext): Capability {
  return {
    name: 'proxy',
    handlers: [
      {
        command: 'proxy.apply',
        handle: async (payload, { signal }) => {
          const command = commandOf(payload, 'proxyApply');
          return { case: 'proxyApply', value: await applyProxyHost(context, command.host, command.mode, signal) };
        },
      },
      {
        command: 'proxy.remove',
        handle: async (payload, { signal }) => ({
          case: 'proxyRemove',
          value: await removeProxyHost(context, commandOf(payload, 'proxyRemove').proxyHostId, signal),
        }),
      },
      {
        command: 'proxy.challenge',
        handle: async (payload, { signal }) => ({
          case: 'proxyChallenge',
          value: await answerChallenge(context, commandOf(payload, 'proxyChallenge'), signal),
        }),
      },
    ],
  };
}
