import { createHash, X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';

/** The join command carried one CA hash and the server presented another. */
export class CaPinMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly presented: string[],
  ) {
    super(
      `The server's certificate chain does not match the pinned CA: expected ${expected}, ` +
        `the server presented ${presented.length ? presented.join(', ') : 'no CA certificate'}. ` +
        'Nothing was sent. Check the --ca-hash in your join command, or that --server points at your control plane.',
    );
  }
}

/** Hash of a DER certificate in the join command's notation. */
export function pinnedHashOf(der: Buffer): string {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

function chainOf(leaf: DetailedPeerCertificate): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let current: DetailedPeerCertificate | undefined = leaf;
  while (current?.raw && !chain.some((seen) => seen.raw.equals(current!.raw))) {
    chain.push(current);
    current = current.issuerCertificate;
  }
  return chain;
}

/**
 * Fetches the CA certificate the server's TLS chain ends in, and returns it only if its
 * SHA-256 equals the pinned hash (like `kubeadm join --discovery-token-ca-cert-hash`).
 * Only a TLS handshake happens here: no request, so the enrollment token is not sent
 * to a server we have not verified. The caller then talks to the server with this CA
 * as its only trust anchor, which proves the server holds a key the CA certified.
 */
export async function fetchPinnedCaCertificate(serverUrl: string, expectedHash: string, timeoutMs = 10_000): Promise<string> {
  const url = new URL(serverUrl);
  const chain = await new Promise<PeerCertificate[]>((resolve, reject) => {
    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
      // Verification happens below against the pin, not against public CAs.
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const certificates = chainOf(socket.getPeerCertificate(true));
      socket.destroy();
      resolve(certificates);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`Timed out connecting to ${url.host}`));
    });
    socket.once('error', (error) => reject(new Error(`Cannot reach ${url.host}: ${error.message}`)));
  });
  // Only issuers can be pinned: the leaf is the server's own certificate.
  const issuers = chain.slice(1).map((certificate) => ({ certificate, hash: pinnedHashOf(certificate.raw) }));
  const match = issuers.find((entry) => entry.hash === expectedHash.toLowerCase());
  if (!match) throw new CaPinMismatchError(expectedHash, issuers.map((entry) => entry.hash));
  return new X509Certificate(match.certificate.raw).toString();
}
