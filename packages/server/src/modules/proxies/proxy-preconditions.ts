import { AgentOfflineError, ConflictError, PolicyDeniedError, ProxyUnavailableError } from '../../errors.js';
import type { ProxiesRepo } from './proxies.repo.js';
import type { ProxyCommands } from './proxy-commands.js';
import type { DirectoryHost, Host } from './proxy-targets.js';

/** What is checked before anything is sent to a host's agent: a change refused here never reaches the host. */
export class ProxyPreconditions {
  constructor(private readonly deps: { repo: ProxiesRepo; commands: ProxyCommands }) {}

  async refuseTakenDomain(host: Host, domain: string, exceptId?: string): Promise<void> {
    if (await this.deps.repo.domainTaken(host.id, domain, exceptId)) throw new ConflictError(`${domain} already has a proxy host on ${host.name}`);
  }

  /**
   * 503 before anything is sent when the agent is not connected: a change then never
   * starts, so a failure afterwards is one whose outcome on the host is unknown.
   */
  requireConnected(host: Host): void {
    if (!this.deps.commands.isConnected(host.id)) throw new AgentOfflineError(host.name);
  }

  /** The agent is connected and announced the proxy commands (503 agent_offline, 403 policy_denied otherwise). */
  requireProxyCommands(host: DirectoryHost): void {
    this.requireConnected(host);
    if (!host.capabilities.includes('proxy.apply')) {
      throw new PolicyDeniedError(
        `Agent ${host.name} does not offer the proxy commands: the policy file of its host (/etc/infrapilot/agent.yaml) does not allow the proxy capability, or the agent is older than this server`,
      );
    }
  }

  /** 503 before anything is sent when the host's last heartbeat said it has no usable nginx. */
  async requireProxy(host: Host): Promise<void> {
    const server = await this.deps.repo.getServer(host.id);
    if (server && Number(server.available) !== 1) {
      throw new ProxyUnavailableError(`The reverse proxy is not available on ${host.name}: ${server.problem ?? 'its agent did not say why'}`);
    }
  }
}
