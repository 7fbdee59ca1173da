import type { ProxyStateSource } from '../../connection/agent-runtime.js';
import type { AgentLogger } from '../../logger.js';
import type { AgentPolicy } from '../../policy.js';
import type { ContainerResolver } from '../docker/container-resolver.js';
import type { Capability } from '../registry.js';
import { NginxDriver } from './nginx/nginx-driver.js';
import { layoutOf } from './nginx/nginx-layout.js';
import { proxyCapability } from './proxy.capability.js';
import { readProxyState } from './proxy-state.js';
import { SerialQueue } from './serial-queue.js';

export interface CreateProxyOptions {
  policy: AgentPolicy;
  logger: AgentLogger;
  /** The policy file's path, named when nginx is missing. */
  policyPath?: string;
  /** Resolves container upstreams (AgentDocker.containers); without it they are refused. */
  containers?: ContainerResolver;
  /** Tuning for tests: deadline of each nginx program, and how long a reload may take to show. */
  programTimeoutMs?: number;
  settleTimeoutMs?: number;
}

/** The agent's reverse-proxy support: the capability, the state that rides on heartbeats, and its shutdown. */
export interface AgentProxy {
  /** `proxy` (proxy.apply, proxy.remove, proxy.challenge). */
  capabilities: Capability[];
  /** For AgentRuntime's `proxy` option. */
  state: ProxyStateSource;
  /** Waits for a command in progress to finish; nginx itself keeps running. */
  close(): Promise<void>;
}

/** Builds the proxy capability for this host's nginx as the policy describes it. */
export function createProxy(options: CreateProxyOptions): AgentProxy {
  const layout = layoutOf(options.policy);
  const driver = new NginxDriver({
    settings: options.policy.proxy.nginx,
    ...(options.policyPath ? { policyPath: options.policyPath } : {}),
    ...(options.programTimeoutMs ? { programTimeoutMs: options.programTimeoutMs } : {}),
    ...(options.settleTimeoutMs ? { settleTimeoutMs: options.settleTimeoutMs } : {}),
  });
  const queue = new SerialQueue();
  const capability = proxyCapability({ layout, driver, queue, logger: options.logger, ...(options.containers ? { containers: options.containers } : {}) });
  return {
    capabilities: [capability],
    state: { state: () => readProxyState(layout, driver) },
    close: () => queue.idle(),
  };
}

export type { ProxyStateSource } from '../../connection/agent-runtime.js';
export type { ContainerResolver } from '../docker/container-resolver.js';
