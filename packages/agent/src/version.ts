/** This agent's version, announced in Register, Hello and every heartbeat. */
export const AGENT_VERSION = '0.1.0';
