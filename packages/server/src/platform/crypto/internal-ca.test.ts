// @peculiar/x509 (used here to build CSRs) resolves its services through tsyringe, which needs this loaded first.
import 'reflect-metadata';
import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CERTIFICATE_LIFETIME_DAYS, InternalCa, InvalidCertificateRequestError } from './internal-ca.js';
import { SecretBox } from './secret-box.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const newSecretBox = () => new SecretBox(randomBytes(32));
const modeOf = (path: string) => statSync(path).mode & 0o777;

async function certificateRequest(algorithm: EcKeyGenParams & { hash: string } | RsaHashedKeyGenParams, commonName = 'agent-asks-for-this'): Promise<Uint8Array> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: algorithm });
  return new Uint8Array(request.rawData);
}

describe('internal CA', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-ca-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is created once and reloaded identically from the data dir with the same master key', async () => {
    const secretBox = newSecretBox();
    const first = await InternalCa.loadOrCreate(dataDir, secretBox);
    const second = await InternalCa.loadOrCreate(dataDir, secretBox);
    expect(second.pinnedHash).toBe(first.pinnedHash);
    expect(second.certificatePem).toBe(first.certificatePem);

    // The reloaded key still signs certificates that chain to the same CA.
    const issued = await second.signClientCertificate(await certificateRequest(P256), 'agent-1');
    const ca = new X509Certificate(first.certificatePem);
    expect(new X509Certificate(issued.pem).verify(ca.publicKey)).toBe(true);
  });

  it('pins the SHA-256 of ca.crt in DER form', async () => {
    const ca = await InternalCa.loadOrCreate(dataDir, newSecretBox());
    const der = new X509Certificate(readFileSync(join(dataDir, 'ca', 'ca.crt'))).raw;
    expect(ca.pinnedHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(ca.pinnedHash).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
  });

  it('keeps the key sealed, in owner-only files inside an owner-only directory', async () => {
    await InternalCa.loadOrCreate(dataDir, newSecretBox());
    const directory = join(dataDir, 'ca');
    const sealed = readFileSync(join(directory, 'ca.key.sealed'), 'utf8');
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(modeOf(directory)).toBe(0o700);
    expect(modeOf(join(directory, 'ca.key.sealed'))).toBe(0o600);
    expect(modeOf(join(directory, 'ca.crt'))).toBe(0o600);
  });

  it('cannot be loaded under another master key', async () => {
    await InternalCa.loadOrCreate(dataDir, newSecretBox());
    await expect(InternalCa.loadOrCreate(dataDir, newSecretBox())).rejects.toThrow();
  });

  it('gives the gRPC listener a certificate for the names asked, chained to the CA, with its key', async () => {
    const ca = await InternalCa.loadOrCreate(dataDir, newSecretBox());
    const tls = await ca.issueServerCertificate(['cp.example.com', 'localhost', '127.0.0.1', '::1', 'localhost', '']);
    const [leafPem, caPem] = tls.certificateChainPem.split(/(?<=-----END CERTIFICATE-----\n)/);
    const leaf = new X509Certificate(leafPem!);
    const authority = new X509Certificate(caPem!);

    expect(authority.raw.equals(new X509Certificate(ca.certificatePem).raw)).toBe(true);
    expect(tls.caPem).toBe(ca.certificatePem);
    expect(leaf.checkIssued(authority)).toBe(true);
    expect(leaf.verify(authority.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(tls.keyPem))).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual([SERVER_AUTH]);
    const names = leaf.subjectAltName!.split(', ').sort();
    expect(names).toEqual(['DNS:cp.example.com', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort());
    expect(leaf.checkHost('cp.example.com')).toBe('cp.example.com');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('elsewhere.example.com')).toBeUndefined();
  });

  it('signs an agent certificate for 30 days, named after the agent id whatever the CSR asked for', async () => {
    const ca = await InternalCa.loadOrCreate(dataDir, newSecretBox());
    const before = Date.now();
    const issued = await ca.signClientCertificate(await certificateRequest(P256, 'admin'), 'agent-0192');
    const certificate = new X509Certificate(issued.pem);
    const authority = new X509Certificate(ca.certificatePem);

    expect(certificate.subject).toBe('CN=agent-0192');
    expect(certificate.checkIssued(authority)).toBe(true);
    expect(certificate.verify(authority.publicKey)).toBe(true);
    expect(certificate.keyUsage).toEqual([CLIENT_AUTH]);
    expect(certificate.ca).toBe(false);
    expect(issued.fingerprint).toBe(createHash('sha256').update(certificate.raw).digest('hex'));
    expect(issued.serialNumber.toUpperCase()).toBe(certificate.serialNumber.padStart(issued.serialNumber.length, '0'));

    const lifetimeMs = issued.notAfter.getTime() - before;
    expect(CLIENT_CERTIFICATE_LIFETIME_DAYS).toBe(30);
    expect(Math.abs(lifetimeMs - 30 * DAY_MS)).toBeLessThan(60_000);
    expect(issued.notBefore.getTime()).toBeLessThanOrEqual(before);
    expect(new Date(certificate.validTo).getTime()).toBe(Math.floor(issued.notAfter.getTime() / 1000) * 1000);
  });

  it('gives two agents different serials and fingerprints', async () => {
    const ca = await InternalCa.loadOrCreate(dataDir, newSecretBox());
    const request = await certificateRequest(P256);
    const one = await ca.signClientCertificate(request, 'agent-a');
    const two = await ca.signClientCertificate(request, 'agent-b');
    expect(one.serialNumber).not.toBe(two.serialNumber);
    expect(one.fingerprint).not.toBe(two.fingerprint);
  });

  describe('refuses a certificate request', () => {
    let ca: InternalCa;
    beforeEach(async () => {
      ca = await InternalCa.loadOrCreate(dataDir, newSecretBox());
    });

    it('whose signature does not verify', async () => {
      const request = Buffer.from(await certificateRequest(P256, 'agent-aaaaaaaa'));
      // Change the signed subject after signing; the DER stays well-formed.
      const at = request.indexOf('agent-aaaaaaaa');
      expect(at).toBeGreaterThan(0);
      request.write('agent-bbbbbbbb', at);
      await expect(ca.signClientCertificate(new Uint8Array(request), 'agent-1')).rejects.toThrow(InvalidCertificateRequestError);
      await expect(ca.signClientCertificate(new Uint8Array(request), 'agent-1')).rejects.toThrow(/signature/);
    });

    it('carrying a P-384 key', async () => {
      const request = await certificateRequest({ name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' });
      await expect(ca.signClientCertificate(request, 'agent-1')).rejects.toThrow(InvalidCertificateRequestError);
    });

    it('carrying an RSA key', async () => {
      const request = await certificateRequest({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) });
      await expect(ca.signClientCertificate(request, 'agent-1')).rejects.toThrow(InvalidCertificateRequestError);
    });

    it('that is not DER at all', async () => {
      await expect(ca.signClientCertificate(new Uint8Array(randomBytes(64)), 'agent-1')).rejects.toThrow(InvalidCertificateRequestError);
      await expect(ca.signClientCertificate(new Uint8Array(), 'agent-1')).rejects.toThrow(InvalidCertificateRequestError);
    });
  });
});
