import type { ProxyHostInput } from '@infrapilot/protocol';
import { ProxyApplyMode, type ProxyApplyResult } from '@infrapilot/protocol/agent';
import type { CertificateDeployment } from './certificate-choice.js';
import type { KeyedQueue } from './keyed-queue.js';
import { outcomeUnknown, type ProxyCommands } from './proxy-commands.js';
import { specOf } from './proxy-spec.js';
import type { Host } from './proxy-targets.js';

/**
 * When the agent's answer to a change never comes (timeout, lost stream, cancelled), the
 * change may still be made on the host after we gave up. What undoes it is queued behind
 * the stray command, in the agent's own order.
 */
export class ProxyCompensation {
  constructor(
    private readonly deps: {
      commands: ProxyCommands;
      queue: KeyedQueue;
      logger: { warn(object: object, message: string): void };
    },
  ) {}

  /**
   * proxy.apply of the input; when its outcome is unknown, `compensate` is queued behind
   * it (the request still fails with the agent's error).
   */
  async applyOrCompensate(host: Host, proxyHostId: string, input: ProxyHostInput, certificate: CertificateDeployment | undefined, compensate: () => Promise<void>): Promise<ProxyApplyResult> {
    try {
      return await this.deps.commands.apply(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY);
    } catch (error) {
      if (outcomeUnknown(error)) void this.deps.queue.run(proxyHostId, compensate);
      throw error;
    }
  }

  /** Takes away the file of a create that may have been applied after we gave up; logged, never thrown. */
  async removeStray(host: Host, proxyHostId: string): Promise<void> {
    try {
      await this.deps.commands.remove(host, proxyHostId);
    } catch (error) {
      this.deps.logger.warn({ err: error, proxyHostId, agentId: host.id }, 'could not remove the file of a create whose answer never came; the agent removes it as an orphan when it reports it');
    }
  }
}
