import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { axios as acmeAxios, crypto as acmeCrypto } from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-helpers/free-port.js';
import { startPebble, type TestPebble } from '../../test-helpers/pebble.js';
import type { AcmeAccount } from './acme-accounts.js';
import { type ChallengeResponder, issueWithAcme } from './acme-issuer.js';
import { ACME_REQUEST_TIMEOUT_MS, installAcmeHttpDefaults, trustCaForDirectory } from './acme-http.js';
import { certificateBlocks } from './pem-inspection.js';

/**
 * The ACME protocol side on its own, against a real pebble: the HTTP-01 answers are
 * served by a plain HTTP server on the port pebble validates (the proxy's job in production).
 */
describe('issuing with ACME from pebble', () => {
  let pebble: TestPebble;
  let webroot: Server;
  const answers = new Map<string, string>();
  const served: string[] = [];
  let account: AcmeAccount;

  const responder: ChallengeResponder = {
    put: async (token, keyAuthorization) => void answers.set(token, keyAuthorization),
    remove: async (token) => void answers.delete(token),
  };

  beforeAll(async () => {
    const httpPort = await freePort();
    webroot = createServer((request, response) => {
      const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1];
      const answer = token ? answers.get(token) : undefined;
      if (answer) served.push(`${request.headers.host} ${token}`);
      response.writeHead(answer ? 200 : 404, { 'content-type': 'text/plain' }).end(answer ?? 'not found');
    });
    await new Promise<void>((resolve) => webroot.listen(httpPort, '127.0.0.1', resolve));
    pebble = await startPebble({ httpPort });
    trustCaForDirectory(pebble.directoryUrl, readFileSync(pebble.caFile, 'utf8'));
    account = { id: 'test', accountKeyPem: (await acmeCrypto.createPrivateEcdsaKey('P-256')).toString('utf8'), accountUrl: null, email: 'ops@example.com' };
  });
  afterAll(async () => {
    await pebble?.stop();
    await new Promise((resolve) => webroot?.close(resolve));
  });

  it('registers the account, answers the challenge and returns a certificate for the domains that chains to pebble\'s root', async () => {
    const issued = await issueWithAcme({ directoryUrl: pebble.directoryUrl, account, domains: ['issued.test', 'www.issued.test'], challenges: responder });
    expect(issued.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    const chain = certificateBlocks(issued.certificatePem).map((pem) => new X509Certificate(pem));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const leaf = chain[0]!;
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual(['DNS:issued.test', 'DNS:www.issued.test']);
    expect(leaf.issuer).toMatch(/Pebble Intermediate CA/);
    expect(leaf.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
    const root = new X509Certificate(await pebble.issuingRoot());
    expect(chain.at(-1)!.verify(root.publicKey)).toBe(true);
    // Both names were validated over HTTP, and every answer was taken away afterwards.
    expect(served.map((line) => line.split(' ')[0]!.replace(/:\d+$/, '')).sort()).toEqual(expect.arrayContaining(['issued.test', 'www.issued.test']));
    expect(answers.size).toBe(0);
    account = { ...account, accountUrl: issued.accountUrl };
  });

  it('orders again with the registered account, getting a new key and serial', async () => {
    const first = await issueWithAcme({ directoryUrl: pebble.directoryUrl, account, domains: ['again.test'], challenges: responder });
    const second = await issueWithAcme({ directoryUrl: pebble.directoryUrl, account, domains: ['again.test'], challenges: responder });
    expect(second.accountUrl).toBe(account.accountUrl);
    expect(new X509Certificate(certificateBlocks(second.certificatePem)[0]!).serialNumber).not.toBe(new X509Certificate(certificateBlocks(first.certificatePem)[0]!).serialNumber);
    expect(second.privateKeyPem).not.toBe(first.privateKeyPem);
  });

  it("fails with the CA's reason when the challenge is not answered", async () => {
    const silent: ChallengeResponder = { put: async () => undefined, remove: async () => undefined };
    await expect(issueWithAcme({ directoryUrl: pebble.directoryUrl, account, domains: ['unanswered.test'], challenges: silent })).rejects.toThrow(/404|unauthorized|invalid/i);
  });

  it('fails with the responder\'s error when the challenge cannot be put in place', async () => {
    const broken: ChallengeResponder = { put: async () => Promise.reject(new Error('Agent web-1 is offline')), remove: async () => undefined };
    await expect(issueWithAcme({ directoryUrl: pebble.directoryUrl, account, domains: ['offline.test'], challenges: broken })).rejects.toThrow('Agent web-1 is offline');
  });
});

describe('requests to the CA', () => {
  // Regression: a CA that accepted the connection and never answered held the order, and the shutdown waiting for it, for ever.
  it('gives up on a directory that never answers once the request timeout passes', async () => {
    const held: Socket[] = [];
    const silent = createTcpServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const account: AcmeAccount = { id: 'silent', accountKeyPem: (await acmeCrypto.createPrivateEcdsaKey('P-256')).toString('utf8'), accountUrl: null, email: null };
      const responder: ChallengeResponder = { put: async () => undefined, remove: async () => undefined };
      // An origin with no CA trusted for it: the timeout is not only for the configured directory.
      await expect(
        issueWithAcme({ directoryUrl: `http://127.0.0.1:${port}/dir`, account, domains: ['silent.test'], challenges: responder, requestTimeoutMs: 300 }),
      ).rejects.toThrow(`The ACME server did not answer GET http://127.0.0.1:${port}/dir within 0.3 s`);
      expect(held.length).toBeGreaterThanOrEqual(1);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  // Regression: once acme-client stopped retrying a refused connection, the error read "Cannot read properties of undefined".
  it('says which request failed and why once acme-client gives up retrying it', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    // No retries (five, seconds apart, by default), so the test does not wait for them.
    const settings = (acmeAxios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
    const retries = settings.retryMaxAttempts;
    settings.retryMaxAttempts = 0;
    try {
      const account: AcmeAccount = { id: 'refused', accountKeyPem: (await acmeCrypto.createPrivateEcdsaKey('P-256')).toString('utf8'), accountUrl: null, email: null };
      const responder: ChallengeResponder = { put: async () => undefined, remove: async () => undefined };
      await expect(issueWithAcme({ directoryUrl: `http://127.0.0.1:${port}/dir`, account, domains: ['refused.test'], challenges: responder })).rejects.toThrow(
        `GET http://127.0.0.1:${port}/dir failed: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
    } finally {
      settings.retryMaxAttempts = retries;
    }
  });

  it('sends every request through acme-client with the 30-second timeout when no order sets one', async () => {
    installAcmeHttpDefaults();
    // The adapter answers with the options the request went out with, instead of sending it.
    const response = await acmeAxios.get('https://ca.invalid/directory', {
      adapter: async (config) => ({ data: config.timeout, status: 200, statusText: 'OK', headers: {}, config }),
    });
    expect(response.data).toBe(ACME_REQUEST_TIMEOUT_MS);
    expect(ACME_REQUEST_TIMEOUT_MS).toBe(30_000);
  });
});
