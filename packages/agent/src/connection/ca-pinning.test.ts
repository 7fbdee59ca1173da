// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { createServer, type Server } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, it } from 'vitest';
import { CaPinMismatchError, fetchPinnedCaCertificate, pinnedHashOf } from './ca-pinning.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
// Lets bytes the client might have sent reach the server's data handler before counting them.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

/** A CA and a server certificate it signed for 127.0.0.1, like the control plane's gRPC listener. */
async function makeServerChain(): Promise<{ caPem: string; caHash: string; leafPem: string; leafHash: string; keyPem: string }> {
  const now = Date.now();
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const leafKeys = await keyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  return {
    caPem: ca.toString('pem'),
    caHash: pinnedHashOf(Buffer.from(ca.rawData)),
    leafPem: leaf.toString('pem'),
    leafHash: pinnedHashOf(Buffer.from(leaf.rawData)),
    keyPem: await pkcs8Pem(leafKeys.privateKey),
  };
}

describe('fetchPinnedCaCertificate', () => {
  let server: Server | undefined;
  /** Application bytes the server received after the handshake: the pin check must send none. */
  let received = 0;

  const serve = async (certificateChainPem: string, keyPem: string): Promise<string> => {
    received = 0;
    server = createServer({ key: keyPem, cert: certificateChainPem, ALPNProtocols: ['h2'] }, (socket) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    return `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };

  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('returns the CA certificate the server chains to when its hash is the pinned one', async () => {
    const chain = await makeServerChain();
    const url = await serve(`${chain.leafPem}\n${chain.caPem}`, chain.keyPem);
    const caPem = await fetchPinnedCaCertificate(url, chain.caHash);
    const der = new X509Certificate(caPem).raw;
    expect(`sha256:${createHash('sha256').update(der).digest('hex')}`).toBe(chain.caHash);
    await settle();
    expect(received).toBe(0);
  });

  it('refuses another CA, naming the pinned and the presented hashes, and sends nothing', async () => {
    const chain = await makeServerChain();
    const other = await makeServerChain();
    const url = await serve(`${chain.leafPem}\n${chain.caPem}`, chain.keyPem);

    const error = await fetchPinnedCaCertificate(url, other.caHash).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaPinMismatchError);
    const mismatch = error as CaPinMismatchError;
    expect(mismatch.expected).toBe(other.caHash);
    expect(mismatch.presented).toEqual([chain.caHash]);
    expect(mismatch.message).toContain(other.caHash);
    expect(mismatch.message).toContain(chain.caHash);
    await settle();
    expect(received).toBe(0);
  });

  it("does not accept the server's own certificate as the pin: only an issuer can be pinned", async () => {
    const chain = await makeServerChain();
    const url = await serve(`${chain.leafPem}\n${chain.caPem}`, chain.keyPem);
    await expect(fetchPinnedCaCertificate(url, chain.leafHash)).rejects.toBeInstanceOf(CaPinMismatchError);
  });

  it('says no CA certificate was presented when the server sends its certificate alone', async () => {
    const chain = await makeServerChain();
    const url = await serve(chain.leafPem, chain.keyPem);
    const error = await fetchPinnedCaCertificate(url, chain.caHash).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CaPinMismatchError);
    expect((error as CaPinMismatchError).presented).toEqual([]);
    expect((error as Error).message).toMatch(/no CA certificate/);
  });

  it('reports a server it cannot reach', async () => {
    const closed = createNetServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => {
        const address = closed.address();
        closed.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      }),
    );
    await expect(fetchPinnedCaCertificate(`https://127.0.0.1:${port}`, `sha256:${'0'.repeat(64)}`)).rejects.toThrow(/Cannot reach 127\.0\.0\.1/);
  });
});
