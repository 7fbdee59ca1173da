import type { ProxySslRequest } from '@infrapilot/protocol';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { CertificateChoice, CertificateDirectory } from './certificate-choice.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { ProxyHostRecord } from './proxies.mapping.js';
import type { ProxiesRepo } from './proxies.repo.js';
import type { ProxyChangeEvents } from './proxy-change-events.js';
import type { ProxyPreconditions } from './proxy-preconditions.js';
import type { ProxyReapplier } from './proxy-reapplier.js';
import type { DirectoryHost } from './proxy-targets.js';

/** Where the certificate a POST .../ssl attaches comes from: an ACME order, a new self-signed one, or one that exists. */
export class ProxySslRequests {
  constructor(
    private readonly deps: {
      repo: ProxiesRepo;
      certificates: CertificateDirectory;
      choice: CertificateChoice;
      clock: Clock;
      queue: KeyedQueue;
      preconditions: ProxyPreconditions;
      reapplier: ProxyReapplier;
      events: ProxyChangeEvents;
    },
  ) {}

  /**
   * Starts an ACME order for the proxy host's domain and attaches its pending certificate;
   * issuance runs in the background. While the attached certificate is already a pending
   * ACME order for the domain, that one stands and nothing is started.
   */
  async orderAcme(actor: Actor, host: DirectoryHost, proxyHostId: string, record: ProxyHostRecord): Promise<void> {
    const domain = record.host.domain;
    const attached = record.host.certificate_id;
    if (attached !== null && (await this.deps.choice.isPendingAcmeFor(actor.org.id, attached, domain))) return;
    // The CA's HTTP-01 request must reach this host's nginx, through its agent: nothing is created otherwise.
    this.deps.preconditions.requireProxyCommands(host);
    await this.deps.preconditions.requireProxy(host);
    const certificateId = await this.deps.certificates.startAcmeIssue({ actor, agentId: host.id, agentName: host.name, domains: [domain] });
    await this.deps.queue.run(proxyHostId, () => this.deps.repo.attachCertificate(proxyHostId, certificateId, isoTimestamp(this.deps.clock.now())));
    // A fast CA can finish before the attach, when certificate.issued found no host to redeploy.
    if ((await this.deps.certificates.material(actor.org.id, certificateId))?.status === 'valid') await this.deps.reapplier.reapply(proxyHostId, actor.org.id);
    this.deps.events.changed(actor.org.id, host.id, proxyHostId);
  }

  /** The certificate a self-signed or existing request attaches (a self-signed one is created now). */
  async certificateFor(actor: Actor, domain: string, request: Exclude<ProxySslRequest, { source: 'acme' }>): Promise<string> {
    return request.source === 'existing' ? request.certificateId : (await this.deps.certificates.createSelfSigned(actor, { domains: [domain], days: request.days })).id;
  }
}
