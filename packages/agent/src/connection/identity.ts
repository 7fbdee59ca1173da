import { X509Certificate } from 'node:crypto';
import type { KeyAndRequest } from './certificate-request.js';

export type { KeyAndRequest } from './certificate-request.js';

/**
 * Generates an ECDSA P-256 key pair and a CSR for it. The server picks the subject.
 * The CSR code (@peculiar/x509 with tsyringe and reflect-metadata) is loaded on the first
 * call: only joining and renewing need it, and loaded at start it kept several MiB
 * resident in every idle agent (docs/benchmarks.md, agent footprint).
 */
export async function createKeyAndRequest(commonName: string): Promise<KeyAndRequest> {
  const { createKeyAndRequestNow } = await import('./certificate-request.js');
  return createKeyAndRequestNow(commonName);
}

/** When a certificate was issued and when it expires. */
export interface CertificateLifetime {
  notBefore: Date;
  notAfter: Date;
}

/** Reads the validity window of a PEM certificate. */
export function lifetimeOf(certificatePem: string): CertificateLifetime {
  const certificate = new X509Certificate(certificatePem);
  return { notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
}

/** The instant after which the agent asks for a new certificate: two thirds of its life. */
export function renewalDueAt(lifetime: CertificateLifetime): Date {
  const start = lifetime.notBefore.getTime();
  return new Date(start + ((lifetime.notAfter.getTime() - start) * 2) / 3);
}
