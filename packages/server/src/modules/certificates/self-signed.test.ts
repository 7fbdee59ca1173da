import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from './self-signed.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('self-signed certificates', () => {
  it('are ECDSA P-256, name every domain, last the days asked and are signed by their own key', async () => {
    const now = new Date();
    const { certificatePem, privateKeyPem } = await createSelfSignedCertificate(['app.example.com', 'xn--bcher-kva.example'], 30, now);
    const certificate = new X509Certificate(certificatePem);
    const key = createPrivateKey(privateKeyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.subjectAltName).toBe('DNS:app.example.com, DNS:xn--bcher-kva.example');
    expect(certificate.subject).toBe('CN=app.example.com');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.ca).toBe(false);
    expect(certificate.validToDate.getTime()).toBe(Math.floor((now.getTime() + 30 * DAY_MS) / 1000) * 1000);
    expect(certificate.validFromDate.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(certificate.checkHost('app.example.com')).toBe('app.example.com');
  });

  it('gives each certificate its own key and serial', async () => {
    const now = new Date();
    const one = await createSelfSignedCertificate(['a.example.com'], 1, now);
    const two = await createSelfSignedCertificate(['a.example.com'], 1, now);
    expect(one.privateKeyPem).not.toBe(two.privateKeyPem);
    expect(new X509Certificate(one.certificatePem).serialNumber).not.toBe(new X509Certificate(two.certificatePem).serialNumber);
  });
});
