// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { SecretBox } from './secret-box.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
const SERVER_CERTIFICATE_LIFETIME_DAYS = 365;
/** Agent certificates are short-lived; agents renew them after two thirds of this. */
export const CLIENT_CERTIFICATE_LIFETIME_DAYS = 30;
// Certificates start a little in the past so a host whose clock lags slightly still accepts them.
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A certificate the CA signed, with what the server records about it. */
export interface IssuedCertificate {
  pem: string;
  /** SHA-256 of the DER encoding, lowercase hex: how mTLS peers are recognised. */
  fingerprint: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/** A key and the chain a TLS server presents (leaf first, then the CA, so agents can pin it). */
export interface ServerTlsMaterial {
  keyPem: string;
  certificateChainPem: string;
  caPem: string;
}

/** Thrown when a CSR cannot be used; the gateway turns it into InvalidArgument. */
export class InvalidCertificateRequestError extends Error {}

/** SHA-256 of a DER certificate as lowercase hex. */
export function fingerprintOf(der: ArrayBuffer | Uint8Array): string {
  return createHash('sha256').update(new Uint8Array(der)).digest('hex');
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

function serialNumber(): string {
  // Positive 128-bit serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function writePrivateFile(path: string, contents: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: 0o600 });
  renameSync(temporary, path);
}

/**
 * The control plane's own certificate authority for agent mTLS. Created at first start
 * in `<data dir>/ca/`: the certificate in the clear, the private key sealed under the
 * master key. It signs the gRPC listener's certificate and every agent's client certificate.
 */
export class InternalCa {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly privateKey: CryptoKey,
  ) {}

  /** Loads the CA from the data dir, creating it on first start. */
  static async loadOrCreate(dataDir: string, secretBox: SecretBox): Promise<InternalCa> {
    const directory = join(dataDir, 'ca');
    const certificatePath = join(directory, 'ca.crt');
    const sealedKeyPath = join(directory, 'ca.key.sealed');
    if (existsSync(certificatePath) && existsSync(sealedKeyPath)) {
      const certificate = new x509.X509Certificate(readFileSync(certificatePath, 'utf8'));
      const pkcs8 = Buffer.from(secretBox.open(readFileSync(sealedKeyPath, 'utf8').trim()), 'base64');
      const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, true, ['sign']);
      return new InternalCa(certificate, privateKey as CryptoKey);
    }
    const created = await InternalCa.create();
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', created.privateKey as webcrypto.CryptoKey);
    writePrivateFile(sealedKeyPath, `${secretBox.seal(Buffer.from(pkcs8).toString('base64'))}\n`);
    writePrivateFile(certificatePath, created.certificatePem);
    return created;
  }

  /** A fresh CA held only in memory (tests use one as "another CA"). */
  static async create(commonName = 'InfraPilot internal CA'): Promise<InternalCa> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=${commonName} ${randomBytes(4).toString('hex')}`,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new InternalCa(certificate, keys.privateKey);
  }

  get certificatePem(): string {
    return this.certificate.toString('pem') + '\n';
  }

  /** What the join command pins: `sha256:` and the hex SHA-256 of the CA certificate's DER. */
  get pinnedHash(): string {
    return `sha256:${fingerprintOf(this.certificate.rawData)}`;
  }

  /** A key pair and certificate for the gRPC listener, valid for every name agents dial. */
  async issueServerCertificate(hostNames: string[]): Promise<ServerTlsMaterial> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const unique = [...new Set(hostNames.filter((name) => name.length > 0))];
    const names = unique.map((name) => (isIP(name) ? { type: 'ip' as const, value: name } : { type: 'dns' as const, value: name }));
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${unique[0] ?? 'localhost'}`,
      issuer: this.certificate.subject,
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(now + SERVER_CERTIFICATE_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
    return {
      keyPem: toPem('PRIVATE KEY', pkcs8),
      certificateChainPem: certificate.toString('pem') + '\n' + this.certificatePem,
      caPem: this.certificatePem,
    };
  }

  /**
   * Signs an agent's CSR. The subject is ours (CN = agent id), whatever the CSR asked
   * for; only the CSR's public key is used, after its self-signature is checked.
   */
  async signClientCertificate(
    certificateRequestDer: Uint8Array,
    agentId: string,
    validity: { notBefore?: Date; notAfter?: Date } = {},
  ): Promise<IssuedCertificate> {
    let request: x509.Pkcs10CertificateRequest;
    try {
      request = new x509.Pkcs10CertificateRequest(new Uint8Array(certificateRequestDer));
    } catch {
      throw new InvalidCertificateRequestError('The certificate request is not a DER-encoded PKCS#10 CSR');
    }
    const algorithm = request.publicKey.algorithm as EcKeyAlgorithm;
    if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
      throw new InvalidCertificateRequestError('The certificate request must carry an ECDSA P-256 public key');
    }
    if (!(await request.verify())) throw new InvalidCertificateRequestError('The certificate request signature does not verify');
    const now = Date.now();
    const notBefore = validity.notBefore ?? new Date(now - CLOCK_SKEW_MS);
    const notAfter = validity.notAfter ?? new Date(now + CLIENT_CERTIFICATE_LIFETIME_DAYS * DAY_MS);
    const serial = serialNumber();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${agentId}`,
      issuer: this.certificate.subject,
      notBefore,
      notAfter,
      signingAlgorithm: ALGORITHM,
      publicKey: await request.publicKey.export(webcrypto as unknown as Crypto),
      signingKey: this.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    return {
      pem: certificate.toString('pem') + '\n',
      fingerprint: fingerprintOf(certificate.rawData),
      serialNumber: serial,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
    };
  }
}
