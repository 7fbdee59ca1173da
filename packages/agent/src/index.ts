/** The InfraPilot agent: enrollment, the mTLS runtime, and the capabilities it serves. */
export { AgentRuntime, AgentRejectedError, type AgentRuntimeOptions, type AgentRuntimeEvents, type DockerStateSource, type ProxyStateSource } from './connection/agent-runtime.js';
export { joinControlPlane, validateJoinOptions, JoinError, type JoinOptions } from './connection/enroll.js';
export { CaPinMismatchError, fetchPinnedCaCertificate, pinnedHashOf } from './connection/ca-pinning.js';
export { StateStore, NotEnrolledError, DEFAULT_STATE_DIR, type AgentIdentity, type AgentCredentials } from './connection/state-store.js';
export { openConnection, type AgentConnection } from './connection/transport.js';
export { createKeyAndRequest, lifetimeOf, renewalDueAt } from './connection/identity.js';
export type { DispatchEvent } from './connection/command-dispatcher.js';
export { CapabilityRegistry, CommandFailure, type Capability, type CommandHandler, type CommandContext } from './capabilities/registry.js';
export { createDocker, resolveDockerSocket, DEFAULT_DOCKER_SOCKET, type AgentDocker, type CreateDockerOptions, type ContainerResolver } from './capabilities/docker/index.js';
export { createProxy, type AgentProxy, type CreateProxyOptions } from './capabilities/proxy/index.js';
export { createHostCapabilities, type HostCapabilities, type HostCapabilitiesOptions } from './host-capabilities.js';
export { loadPolicy, parsePolicy, capabilityAllowed, DEFAULT_POLICY, DEFAULT_POLICY_PATH, PolicyError, type AgentPolicy } from './policy.js';
export { createConsoleLogger, silentLogger, type AgentLogger } from './logger.js';
export { AGENT_VERSION } from './version.js';
export { runAgentUntilSignalled, EXIT_REJECTED } from './run-agent.js';
