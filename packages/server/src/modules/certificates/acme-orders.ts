import { AsyncLocalStorage } from 'node:async_hooks';
import { create } from '@bufbuild/protobuf';
import { ProxyChallengeCommandSchema } from '@infrapilot/protocol/agent';
import type { CommandRouter } from '../../gateway/command-router.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { AcmeAccounts } from './acme-accounts.js';
import { type ChallengeResponder, type IssuedMaterial, issueWithAcme } from './acme-issuer.js';
import type { CertificatesRepo } from './certificates.repo.js';
import { inspectCertificatePem } from './pem-inspection.js';

/** What an order is for: enough to run it without reading the row first (it may not be committed yet). */
export interface OrderSubject {
  certificateId: string;
  orgId: string;
  domains: string[];
  /** The host whose proxy answers the HTTP-01 challenges. */
  agentId: string;
  agentName: string;
  /** A renewal of a certificate still valid until `expiresAt`: a failure keeps it valid. */
  validUntil: string | null;
  /** The contact of a new ACME account, when the server has none configured. */
  requesterEmail: string | null;
}

export type OrderOutcome = { ok: true } | { ok: false; error: string };

export interface AcmeOrderSettings {
  directoryUrl: string;
  email: string | undefined;
  /** How long one request to the CA may go unanswered (default 30 s). */
  requestTimeoutMs?: number | undefined;
}

const MAX_ERROR_LENGTH = 2_000;
// An order started inside a caller's transaction waits this long for its row to be committed.
const ROW_WAIT_MS = 30_000;
const ROW_POLL_MS = 50;
// Writing or removing a file on the host is quick; an agent that does not answer in this time is stuck.
const CHALLENGE_TIMEOUT_MS = 30_000;

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/**
 * Runs ACME orders in the background, one at a time per certificate: answers the CA's
 * HTTP-01 challenges through the host's agent (`proxy.challenge`), stores the issued
 * certificate and its sealed key, and tells the bus (`certificate.issued`, after which
 * the proxies module redeploys the hosts using it, or `certificate.failed`).
 */
export class AcmeOrders {
  private readonly running = new Map<string, Promise<OrderOutcome>>();
  // Orders start from inside requests, perhaps inside a caller's database transaction:
  // they must run outside it, in the context this object was built in.
  private readonly detached = AsyncLocalStorage.snapshot();

  constructor(
    private readonly deps: {
      repo: CertificatesRepo;
      accounts: AcmeAccounts;
      commands: CommandRouter;
      bus: EventBus;
      secretBox: SecretBox;
      clock: Clock;
      settings: AcmeOrderSettings;
      logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
    },
  ) {}

  isRunning(certificateId: string): boolean {
    return this.running.has(certificateId);
  }

  /** The certificates whose orders are running now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Starts an order and returns at once; the outcome is written to the certificate's row. */
  start(subject: OrderSubject): void {
    void this.run(subject);
  }

  /** Runs an order to its end (or joins the one running for that certificate). Never throws. */
  run(subject: OrderSubject): Promise<OrderOutcome> {
    const existing = this.running.get(subject.certificateId);
    if (existing) return existing;
    const order = this.detached(() => this.order(subject))
      // Only the database can fail outside the order's own handling (closed under an abandoned order at shutdown).
      .catch((error: unknown): OrderOutcome => {
        this.deps.logger.warn({ err: error, certificateId: subject.certificateId }, 'ACME order stopped');
        return { ok: false, error: messageOf(error) };
      })
      .finally(() => this.running.delete(subject.certificateId));
    this.running.set(subject.certificateId, order);
    return order;
  }

  /** Waits for every order running now (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async order(subject: OrderSubject): Promise<OrderOutcome> {
    const { certificateId, orgId } = subject;
    const directoryUrl = this.deps.settings.directoryUrl;
    if (!(await this.committed(certificateId))) {
      // Rolled back, or deleted before the order started: nothing to issue for.
      this.deps.logger.warn({ certificateId }, 'ACME order dropped: its certificate row does not exist');
      return { ok: false, error: 'The certificate no longer exists' };
    }
    try {
      const account = await this.deps.accounts.forOrg(orgId, directoryUrl, this.deps.settings.email ?? subject.requesterEmail);
      const material = await issueWithAcme({
        directoryUrl,
        account,
        domains: subject.domains,
        challenges: this.responderFor(subject),
        requestTimeoutMs: this.deps.settings.requestTimeoutMs,
      });
      await this.deps.accounts.remember(account, material.accountUrl);
      await this.store(subject, material, directoryUrl);
      this.deps.logger.info({ certificateId, domains: subject.domains }, 'ACME certificate issued');
      this.deps.bus.publish('certificate.issued', { orgId, certificateId, at: isoTimestamp(this.deps.clock.now()) });
      return { ok: true };
    } catch (error) {
      const message = messageOf(error);
      await this.recordFailure(subject, message).catch((writeError: unknown) =>
        this.deps.logger.warn({ err: writeError, certificateId }, 'could not record a failed ACME order'),
      );
      this.deps.logger.warn({ certificateId, domains: subject.domains, error: message }, 'ACME order failed');
      this.deps.bus.publish('certificate.failed', { orgId, certificateId, error: message, at: isoTimestamp(this.deps.clock.now()) });
      return { ok: false, error: message };
    }
  }

  /**
   * Whether the certificate's row can be read outside the transaction that may have made
   * it: an order outruns a commit when the CA is quick (pebble answers in milliseconds).
   */
  private async committed(certificateId: string): Promise<boolean> {
    const deadline = Date.now() + ROW_WAIT_MS;
    for (;;) {
      if (await this.deps.repo.getWithAgent(certificateId)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, ROW_POLL_MS));
    }
  }

  private responderFor(subject: OrderSubject): ChallengeResponder {
    const send = async (token: string, keyAuthorization: string, remove: boolean) => {
      await this.deps.commands.send(
        subject.agentId,
        { case: 'proxyChallenge', value: create(ProxyChallengeCommandSchema, { token, keyAuthorization, remove }) },
        { agentName: subject.agentName, timeoutMs: CHALLENGE_TIMEOUT_MS },
      );
    };
    return {
      put: (token, keyAuthorization) => send(token, keyAuthorization, false),
      remove: (token) => send(token, '', true),
    };
  }

  private async store(subject: OrderSubject, material: IssuedMaterial, directoryUrl: string): Promise<void> {
    const facts = inspectCertificatePem(material.certificatePem);
    await this.deps.repo.update(subject.certificateId, {
      certificate_pem: material.certificatePem,
      private_key_sealed: this.deps.secretBox.seal(material.privateKeyPem),
      issuer: facts.issuer,
      serial_number: facts.serialNumber,
      not_before: facts.notBefore,
      expires_at: facts.expiresAt,
      acme_directory_url: directoryUrl,
      status: 'valid',
      last_error: null,
      updated_at: isoTimestamp(this.deps.clock.now()),
    });
  }

  /** A first order fails the certificate; a failed renewal of one still valid only says why. */
  private async recordFailure(subject: OrderSubject, message: string): Promise<void> {
    const now = this.deps.clock.now();
    const stillValid = subject.validUntil !== null && subject.validUntil > isoTimestamp(now);
    await this.deps.repo.update(subject.certificateId, {
      ...(stillValid ? {} : { status: 'failed' as const }),
      last_error: message,
      updated_at: isoTimestamp(now),
    });
  }
}
