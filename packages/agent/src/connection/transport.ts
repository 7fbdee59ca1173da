import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { AgentService } from '@infrapilot/protocol/agent';

/** Largest message the agent accepts from the control plane. */
export const AGENT_READ_MAX_BYTES = 8 * 1024 * 1024;

/** A gRPC client for one HTTP/2 connection to the control plane. */
export interface AgentConnection {
  client: Client<typeof AgentService>;
  close(): void;
}

/**
 * Opens a client that trusts only the pinned internal CA and, once enrolled, presents
 * the agent's certificate. The host name is not checked against the server's
 * certificate: only our own CA can have signed it, and agents often dial an address
 * (NAT, a tunnel, a container network) the server cannot predict.
 */
export function openConnection(options: { serverUrl: string; caPem: string; keyPem?: string; certificatePem?: string }): AgentConnection {
  const tls = {
    ca: options.caPem,
    key: options.keyPem,
    cert: options.certificatePem,
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  };
  // HTTP/2 pings notice a dead peer (a server that vanished without closing) in seconds.
  const sessionManager = new Http2SessionManager(options.serverUrl, { pingIntervalMs: 10_000, pingTimeoutMs: 10_000 }, tls);
  const transport = createGrpcTransport({ baseUrl: options.serverUrl, sessionManager, readMaxBytes: AGENT_READ_MAX_BYTES });
  return { client: createClient(AgentService, transport), close: () => sessionManager.abort() };
}
