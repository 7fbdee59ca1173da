// Loaded on demand by identity.ts (joining, renewing): see createKeyAndRequest there.
// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A key pair made on this host and the CSR that asks the control plane to certify it. */
export interface KeyAndRequest {
  /** PKCS#8 PEM; it never leaves the host. */
  keyPem: string;
  /** DER PKCS#10, sent in Register or RenewCertificate. */
  certificateRequest: Uint8Array;
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

/** Generates an ECDSA P-256 key pair and a CSR for it. The server picks the subject. */
export async function createKeyAndRequestNow(commonName: string): Promise<KeyAndRequest> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    // The CN is only a hint for humans reading logs; the server sets CN = agent id.
    name: `CN=${commonName.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'agent'}`,
    keys,
    signingAlgorithm: ALGORITHM,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return { keyPem: toPem('PRIVATE KEY', pkcs8), certificateRequest: new Uint8Array(request.rawData) };
}
