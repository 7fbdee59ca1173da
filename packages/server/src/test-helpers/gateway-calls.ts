import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { createKeyAndRequest, openConnection } from '@infrapilot/agent';
import { AGENT_PROTOCOL_VERSION, AgentMessageSchema, AsyncQueue, HelloSchema, type AgentMessage } from '@infrapilot/protocol/agent';

/** Who dials the gateway: the CA it trusts and, optionally, the key and certificate it presents. */
export interface GatewayCaller {
  serverUrl: string;
  caPem: string;
  keyPem?: string;
  certificatePem?: string;
}

/** How an authenticated RPC ended: accepted, or the gRPC error the gateway answered with. */
export type GatewayOutcome = { accepted: true } | { accepted: false; error: ConnectError };

async function outcomeOf(work: () => Promise<unknown>): Promise<GatewayOutcome> {
  try {
    await work();
    return { accepted: true };
  } catch (error) {
    return { accepted: false, error: ConnectError.from(error) };
  }
}

/** Calls Heartbeat (no figures) as the caller. */
export async function heartbeatAs(caller: GatewayCaller): Promise<GatewayOutcome> {
  const connection = openConnection(caller);
  try {
    return await outcomeOf(() => connection.client.heartbeat({}, { timeoutMs: 5_000 }));
  } finally {
    connection.close();
  }
}

/** Asks for a new certificate (RenewCertificate) for a fresh key, as the caller. */
export async function renewCertificateAs(caller: GatewayCaller): Promise<GatewayOutcome> {
  const { certificateRequest } = await createKeyAndRequest('renewal');
  const connection = openConnection(caller);
  try {
    return await outcomeOf(() => connection.client.renewCertificate({ certificateRequest }, { timeoutMs: 5_000 }));
  } finally {
    connection.close();
  }
}

/** Opens a CommandStream as the caller, says Hello, and waits for the first thing the server says. */
export async function commandStreamAs(caller: GatewayCaller): Promise<GatewayOutcome> {
  const connection = openConnection(caller);
  const outbound = new AsyncQueue<AgentMessage>();
  outbound.push(
    create(AgentMessageSchema, {
      payload: { case: 'hello', value: create(HelloSchema, { agentVersion: 'test', protocolVersion: AGENT_PROTOCOL_VERSION, capabilities: ['ping'] }) },
    }),
  );
  const abort = new AbortController();
  try {
    return await outcomeOf(async () => {
      for await (const message of connection.client.commandStream(outbound, { signal: abort.signal, timeoutMs: 5_000 })) {
        if (message.payload.case === 'welcome') return;
      }
      throw new Error('the stream ended without a Welcome or an error');
    });
  } finally {
    abort.abort();
    outbound.end();
    connection.close();
  }
}
