import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { InternalCa } from '../../platform/crypto/internal-ca.js';
import { certificateCovers, certificateBlocks, inspectCertificatePem, inspectUpload } from './pem-inspection.js';
import { createSelfSignedCertificate } from './self-signed.js';

const run = promisify(execFile);
const DAY_MS = 24 * 60 * 60 * 1000;

/** The ValidationError `work` throws, so a test can look at its details. */
function validationErrorOf(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('inspecting uploaded certificates', () => {
  const now = new Date();
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-pem-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** An RSA certificate made by openssl with these options, and its key in the traditional (PKCS#1) form. */
  async function openssl(name: string, extra: string[]): Promise<{ certificatePem: string; privateKeyPem: string }> {
    const keyFile = join(directory, `${name}.key`);
    const certificateFile = join(directory, `${name}.crt`);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certificateFile, '-days', '2', ...extra]);
    await run('openssl', ['rsa', '-in', keyFile, '-out', keyFile, '-traditional']);
    return { certificatePem: readFileSync(certificateFile, 'utf8'), privateKeyPem: readFileSync(keyFile, 'utf8') };
  }

  it('reads the domains, issuer, serial and validity of a good pair, and re-encodes the key as PKCS#8', async () => {
    const pair = await createSelfSignedCertificate(['app.example.com', 'www.example.com'], 90, now);
    const inspected = inspectUpload(pair, now);
    expect(inspected.facts).toMatchObject({ domains: ['app.example.com', 'www.example.com'], issuer: 'CN=app.example.com' });
    expect(inspected.facts.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(Date.parse(inspected.facts.expiresAt) - now.getTime()).toBeGreaterThan(89 * DAY_MS);
    expect(Date.parse(inspected.facts.notBefore)).toBeLessThanOrEqual(now.getTime());
    expect(inspected.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certificateBlocks(inspected.certificatePem)).toHaveLength(1);
  });

  it('accepts a PKCS#1 RSA key and takes the domain from the CN when there is no subjectAltName', async () => {
    const pair = await openssl('legacy', ['-subj', '/CN=Legacy.Example.org']);
    expect(pair.privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    const inspected = inspectUpload(pair, now);
    expect(inspected.facts.domains).toEqual(['legacy.example.org']);
    expect(inspected.privateKeyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('keeps wildcards, converts an IDN to punycode and ignores IP addresses among the names', async () => {
    const pair = await openssl('names', ['-subj', '/CN=example.net', '-addext', 'subjectAltName=DNS:*.example.net,DNS:example.net,IP:192.0.2.1,DNS:xn--bcher-kva.example']);
    expect(inspectUpload(pair, now).facts.domains).toEqual(['*.example.net', 'example.net', 'xn--bcher-kva.example']);
  });

  it('keeps the chain in the order given, leaf first', async () => {
    const ca = await InternalCa.create('Upload test CA');
    const tls = await ca.issueServerCertificate(['chain.example.com']);
    const inspected = inspectUpload({ certificatePem: tls.certificateChainPem, privateKeyPem: tls.keyPem }, now);
    const blocks = certificateBlocks(inspected.certificatePem);
    expect(blocks).toHaveLength(2);
    expect(inspectCertificatePem(blocks[0]!).domains).toEqual(['chain.example.com']);
    expect(inspected.facts.issuer).toMatch(/^CN=Upload test CA/);
  });

  it('refuses a chain whose leaf is not first, saying so', async () => {
    const ca = await InternalCa.create('Upload test CA');
    const tls = await ca.issueServerCertificate(['chain.example.com']);
    const [leaf, root] = certificateBlocks(tls.certificateChainPem);
    const error = validationErrorOf(() => inspectUpload({ certificatePem: `${root}\n${leaf}\n`, privateKeyPem: tls.keyPem }, now));
    expect(error.details).toEqual([{ path: 'body.certificatePem', message: expect.stringContaining('put the leaf') }]);
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const one = await createSelfSignedCertificate(['one.example.com'], 30, now);
    const other = await createSelfSignedCertificate(['other.example.com'], 30, now);
    const error = validationErrorOf(() => inspectUpload({ certificatePem: one.certificatePem, privateKeyPem: other.privateKeyPem }, now));
    expect(error.status).toBe(400);
    expect(error.details).toEqual([{ path: 'body.certificatePem', message: 'the private key does not belong to the (first) certificate' }]);
  });

  it('refuses an expired certificate', async () => {
    const old = await createSelfSignedCertificate(['old.example.com'], 1, new Date(now.getTime() - 10 * DAY_MS));
    const error = validationErrorOf(() => inspectUpload(old, now));
    expect(error.details?.[0]).toMatchObject({ path: 'body.certificatePem', message: expect.stringContaining('expired') });
  });

  it('refuses text that holds no certificate, a broken certificate, and a key that is not one', async () => {
    const good = await createSelfSignedCertificate(['good.example.com'], 30, now);
    expect(validationErrorOf(() => inspectUpload({ certificatePem: '-----BEGIN NOTHING-----', privateKeyPem: good.privateKeyPem }, now)).details).toEqual([
      { path: 'body.certificatePem', message: 'holds no "-----BEGIN CERTIFICATE-----" block' },
    ]);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(validationErrorOf(() => inspectUpload({ certificatePem: broken, privateKeyPem: good.privateKeyPem }, now)).details?.[0]?.path).toBe('body.certificatePem');
    const garbageKey = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';
    expect(validationErrorOf(() => inspectUpload({ certificatePem: good.certificatePem, privateKeyPem: garbageKey }, now)).details).toEqual([
      { path: 'body.privateKeyPem', message: expect.stringContaining('not a readable private key') },
    ]);
  });

  it('refuses an encrypted key', async () => {
    const good = await createSelfSignedCertificate(['locked.example.com'], 30, now);
    const keyFile = join(directory, 'plain.key');
    const lockedFile = join(directory, 'locked.key');
    writeFileSync(keyFile, good.privateKeyPem);
    await run('openssl', ['pkcs8', '-topk8', '-in', keyFile, '-out', lockedFile, '-passout', 'pass:secret']);
    const error = validationErrorOf(() => inspectUpload({ certificatePem: good.certificatePem, privateKeyPem: readFileSync(lockedFile, 'utf8') }, now));
    expect(error.details?.[0]).toMatchObject({ path: 'body.privateKeyPem', message: expect.stringContaining('encrypted') });
  });
});

describe('which domains a certificate covers', () => {
  it('covers its exact names, case aside', () => {
    expect(certificateCovers(['app.example.com'], 'app.example.com')).toBe(true);
    expect(certificateCovers(['App.Example.com'], 'app.example.COM')).toBe(true);
    expect(certificateCovers(['app.example.com'], 'www.example.com')).toBe(false);
  });

  it('covers exactly one label with a wildcard', () => {
    expect(certificateCovers(['*.example.com'], 'a.example.com')).toBe(true);
    expect(certificateCovers(['*.example.com'], 'a.b.example.com')).toBe(false);
    expect(certificateCovers(['*.example.com'], 'example.com')).toBe(false);
    expect(certificateCovers(['*.example.com'], 'aexample.com')).toBe(false);
    expect(certificateCovers(['*.example.com', 'example.com'], 'example.com')).toBe(true);
  });
});
