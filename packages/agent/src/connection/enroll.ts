import { hostname as osHostname } from 'node:os';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AGENT_PROTOCOL_VERSION, CA_HASH_PATTERN, OsInfoSchema } from '@infrapilot/protocol/agent';
import { readOsFacts } from '../capabilities/system/host-facts.js';
import { AGENT_VERSION } from '../version.js';
import { fetchPinnedCaCertificate } from './ca-pinning.js';
import { createKeyAndRequest } from './identity.js';
import { StateStore, type AgentIdentity } from './state-store.js';
import { openConnection } from './transport.js';

export interface JoinOptions {
  /** The control plane's gRPC endpoint, e.g. https://infrapilot.example.com:8443 */
  serverUrl: string;
  token: string;
  /** `sha256:<hex>` of the internal CA certificate, from the join command. */
  caHash: string;
  stateDir: string;
  /** When set, a token of another organization is refused by the server. */
  orgId?: string;
  hostname?: string;
  /** Replace an existing identity in stateDir instead of refusing. */
  force?: boolean;
}

/** Enrollment could not happen; the message says why and what to do. */
export class JoinError extends Error {}

/** Checks the join command's arguments before anything touches the network. */
export function validateJoinOptions(options: JoinOptions): void {
  let url: URL;
  try {
    url = new URL(options.serverUrl);
  } catch {
    throw new JoinError(`--server must be a URL like https://host:8443 (got "${options.serverUrl}")`);
  }
  if (url.protocol !== 'https:') throw new JoinError(`--server must use https:// (got "${url.protocol}")`);
  if (url.pathname !== '/' || url.search || url.hash) throw new JoinError('--server must be a bare https://host:port, without a path');
  if (!CA_HASH_PATTERN.test(options.caHash)) throw new JoinError('--ca-hash must be "sha256:" followed by 64 lowercase hex digits');
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(options.token)) throw new JoinError('--token does not look like an enrollment token');
}

/**
 * `infrapilot agent join`: pins the server's CA, makes a key pair here, sends the token
 * with a CSR, and saves key, certificate and CA under the state dir (0600).
 */
export async function joinControlPlane(options: JoinOptions): Promise<AgentIdentity> {
  validateJoinOptions(options);
  const store = new StateStore(options.stateDir);
  if (store.isEnrolled() && !options.force) {
    const { identity } = store.load();
    throw new JoinError(`${options.stateDir} already holds agent ${identity.agentId}; pass --force to enroll this host again as a new agent`);
  }
  const serverUrl = new URL(options.serverUrl).origin;
  const caPem = await fetchPinnedCaCertificate(serverUrl, options.caHash);
  const hostname = options.hostname ?? osHostname();
  const { keyPem, certificateRequest } = await createKeyAndRequest(hostname);
  const connection = openConnection({ serverUrl, caPem });
  try {
    const response = await connection.client.register(
      {
        enrollmentToken: options.token,
        hostname,
        agentVersion: AGENT_VERSION,
        os: create(OsInfoSchema, await readOsFacts()),
        certificateRequest,
        protocolVersion: AGENT_PROTOCOL_VERSION,
        orgId: options.orgId ?? '',
      },
      { timeoutMs: 30_000 },
    );
    const identity: AgentIdentity = { agentId: response.agentId, orgId: response.orgId, serverUrl, enrolledAt: new Date().toISOString() };
    store.saveEnrollment({ identity, keyPem, certificatePem: response.certificatePem, caPem: response.caCertificatePem || caPem });
    return identity;
  } catch (error) {
    if (error instanceof ConnectError && error.code !== Code.Unavailable && error.code !== Code.DeadlineExceeded) {
      throw new JoinError(`The control plane refused enrollment: ${error.rawMessage}`);
    }
    throw error instanceof ConnectError ? new JoinError(`Cannot reach the control plane: ${error.rawMessage}`) : error;
  } finally {
    connection.close();
  }
}
