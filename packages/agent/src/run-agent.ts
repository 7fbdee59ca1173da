import { AgentRuntime } from './connection/agent-runtime.js';
import { createHostCapabilities } from './host-capabilities.js';
import { createConsoleLogger, type AgentLogger } from './logger.js';
import { DEFAULT_POLICY_PATH, loadPolicy } from './policy.js';
import { DEFAULT_STATE_DIR } from './connection/state-store.js';
import { AGENT_VERSION } from './version.js';

/**
 * sysexits' EX_CONFIG: what `agent run` exits with when the control plane removed the
 * agent. The systemd unit sets RestartPreventExitStatus=78, so such an agent stops
 * instead of being restarted every few seconds forever.
 */
export const EXIT_REJECTED = 78;

/**
 * `agent run`, for both command lines (the infrapilot CLI and the standalone bundle):
 * reads the policy file, runs the runtime, and stops it on SIGINT/SIGTERM (a second
 * signal exits at once). Rejects with AgentRejectedError when the agent was removed.
 */
export async function runAgentUntilSignalled(options: { stateDir?: string; policyPath?: string; logger?: AgentLogger } = {}): Promise<void> {
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const policyPath = options.policyPath ?? DEFAULT_POLICY_PATH;
  const logger = options.logger ?? createConsoleLogger();
  const { policy, source } = await loadPolicy(policyPath);
  logger.info(
    `InfraPilot agent ${AGENT_VERSION} starting (state dir ${stateDir}, ` +
      `${source === 'file' ? `policy ${policyPath}` : `no ${policyPath}: the safe default policy`})`,
  );
  const host = createHostCapabilities({ policy, policyPath, logger });
  const runtime = new AgentRuntime({ stateDir, ...host.runtimeOptions });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while stopping: the operator does not want to wait.
    if (stopping) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stopping = true;
    logger.info(`${signal} received; stopping`);
    void runtime.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runtime.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await host.close();
  }
  logger.info('Stopped');
}
