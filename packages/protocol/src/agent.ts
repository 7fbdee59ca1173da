/**
 * The agent protocol: generated protobuf messages and the service descriptor
 * (from proto/infrapilot/agent/v1/agent.proto), plus the constants both ends agree on.
 * A separate entry point (`@infrapilot/protocol/agent`) so the web app never loads protobuf.
 */
export * from './generated/infrapilot/agent/v1/agent_pb.js';

/** Bumped when a change needs both ends to know about it; sent in Register and Hello. */
export const AGENT_PROTOCOL_VERSION = 1;

/** How the join command spells a pinned CA certificate: `sha256:` and 64 lowercase hex digits. */
export const CA_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The command names an agent can announce; each maps to a oneof arm of ServerMessage. */
export const AGENT_COMMANDS = [
  'ping',
  'system.info',
  'container.list',
  'container.inspect',
  'container.action',
  'container.logs',
  'container.stats',
  'container.exec',
  'stack.action',
  'docker.resources',
  'proxy.apply',
  'proxy.remove',
  'proxy.challenge',
] as const;
export type AgentCommandName = (typeof AGENT_COMMANDS)[number];

/** The ServerMessage oneof arm that carries each command. */
export const COMMAND_ARMS = {
  ping: 'ping',
  'system.info': 'systemInfo',
  'container.list': 'containerList',
  'container.inspect': 'containerInspect',
  'container.action': 'containerAction',
  'container.logs': 'containerLogs',
  'container.stats': 'containerStats',
  'container.exec': 'containerExec',
  'stack.action': 'stackAction',
  'docker.resources': 'dockerResources',
  'proxy.apply': 'proxyApply',
  'proxy.remove': 'proxyRemove',
  'proxy.challenge': 'proxyChallenge',
} as const satisfies Record<AgentCommandName, string>;

/**
 * CommandError codes an agent answers with. The Docker ones map to HTTP on the server:
 * docker_unavailable 503, not_found 404, conflict 409, invalid_argument 400,
 * forbidden_by_policy 403 policy_denied. The proxy ones: proxy_unavailable 503,
 * proxy_config_invalid 422 (the message is nginx -t's output).
 */
export const COMMAND_ERROR_CODES = [
  'unsupported',
  'forbidden_by_policy',
  'deadline_exceeded',
  'interrupted',
  'failed',
  'cancelled',
  'docker_unavailable',
  'not_found',
  'conflict',
  'invalid_argument',
  'proxy_unavailable',
  'proxy_config_invalid',
] as const;
export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];

export { AsyncQueue } from './async-queue.js';
