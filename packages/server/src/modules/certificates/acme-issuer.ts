import { Client, crypto as acmeCrypto } from 'acme-client';
import type { AcmeAccount } from './acme-accounts.js';
import { ACME_REQUEST_TIMEOUT_MS, withAcmeRequestTimeout } from './acme-http.js';

/** Where HTTP-01 answers go: the proxy that serves /.well-known/acme-challenge/ for the domains. */
export interface ChallengeResponder {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

/** What an order produced. */
export interface IssuedMaterial {
  /** The leaf followed by the chain, as the CA returned it. */
  certificatePem: string;
  privateKeyPem: string;
  /** The account's URL at the CA, to remember. */
  accountUrl: string;
}

// Tokens become file names in the challenge webroot: base64url only (RFC 8555 §8.3).
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

// How often and how long an order's status is polled: the CA usually answers in seconds.
const POLL = { backoffAttempts: 12, backoffMin: 1_000, backoffMax: 10_000 } as const;

/**
 * One ACME order over HTTP-01 with acme-client: a fresh ECDSA P-256 key and CSR for the
 * domains, the account registered if it is not yet (terms accepted, contact mailto:), each
 * challenge answered through `challenges`, then the certificate downloaded. Each request to
 * the CA times out after `requestTimeoutMs` (30 s) without an answer.
 */
export function issueWithAcme(request: {
  directoryUrl: string;
  account: AcmeAccount;
  domains: string[];
  challenges: ChallengeResponder;
  requestTimeoutMs?: number | undefined;
}): Promise<IssuedMaterial> {
  return withAcmeRequestTimeout(request.requestTimeoutMs ?? ACME_REQUEST_TIMEOUT_MS, () => order(request));
}

async function order(request: { directoryUrl: string; account: AcmeAccount; domains: string[]; challenges: ChallengeResponder }): Promise<IssuedMaterial> {
  const { directoryUrl, account, domains, challenges } = request;
  const client = new Client({
    directoryUrl,
    accountKey: account.accountKeyPem,
    ...(account.accountUrl ? { accountUrl: account.accountUrl } : {}),
    ...POLL,
  });
  const privateKey = await acmeCrypto.createPrivateEcdsaKey('P-256');
  const [, csr] = await acmeCrypto.createCsr({ commonName: domains[0]!, altNames: domains }, privateKey);
  const certificatePem = await client.auto({
    csr,
    ...(account.email ? { email: account.email } : {}),
    termsOfServiceAgreed: true,
    challengePriority: ['http-01'],
    // The CA checks the answer itself; the control plane may well not reach the host's port 80.
    skipChallengeVerification: true,
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'http-01') throw new Error(`The CA offered no http-01 challenge (got ${challenge.type})`);
      if (!TOKEN.test(challenge.token)) throw new Error('The CA sent a challenge token that is not base64url');
      await challenges.put(challenge.token, keyAuthorization);
    },
    challengeRemoveFn: async (_authz, challenge) => {
      if (challenge.type === 'http-01' && TOKEN.test(challenge.token)) await challenges.remove(challenge.token);
    },
  });
  return { certificatePem, privateKeyPem: privateKey.toString('utf8'), accountUrl: client.getAccountUrl() };
}
