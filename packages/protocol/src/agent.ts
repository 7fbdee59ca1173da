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
export const AGENT_COMMANDS = ['ping', 'system.info'] as const;
export type AgentCommandName = (typeof AGENT_COMMANDS)[number];

/** The ServerMessage oneof arm that carries each command. */
export const COMMAND_ARMS = {
  ping: 'ping',
  'system.info': 'systemInfo',
} as const satisfies Record<AgentCommandName, string>;

export { AsyncQueue } from './async-queue.js';
