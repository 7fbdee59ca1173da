import { parseDomain, type AcmeSettings, type Certificate, type CertificateSummary, type CertificateUpload, type Page } from '@infrapilot/protocol';
import { ACME_DIRECTORY_PRESETS } from '../../config.js';
import type { CertificatesTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { AcmeOrders, OrderSubject } from './acme-orders.js';
import { domainsOf, toCertificate, toSummary } from './certificates.mapping.js';
import type { CertificatePosition, CertificatesRepo } from './certificates.repo.js';
import { type CertificateFacts, inspectUpload } from './pem-inspection.js';
import { createSelfSignedCertificate } from './self-signed.js';

/** What the proxies module deploys: the certificate and its key, opened. */
export interface CertificateMaterial {
  status: 'pending' | 'valid' | 'failed';
  domains: string[];
  certificatePem: string;
  privateKeyPem: string;
  expiresAt: string | null;
}

export interface CertificatesSettings {
  directoryUrl: string;
  renewBeforeDays: number;
}

/** The hosts directory this module needs: a host of the caller's org (404 otherwise). */
export interface CertificateHosts {
  getAgent(actor: Actor, id: string): Promise<{ id: string; name: string }>;
}

function encodePosition(certificate: Certificate): string {
  return Buffer.from(JSON.stringify([certificate.name, certificate.id])).toString('base64url');
}

function decodePosition(cursor: string): CertificatePosition {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string') return { name, id };
  } catch {
    // fall through to the 400
  }
  throw new ValidationError('`cursor` is not a nextCursor from this list', [{ path: 'querystring.cursor', message: 'not a list cursor' }]);
}

/** Domains as given to an ACME order or a self-signed certificate: valid names, ASCII, no duplicates. */
function checkedDomains(domains: string[], field: string): string[] {
  if (domains.length === 0) throw new ValidationError(`${field} must name at least one domain`, [{ path: field, message: 'must not be empty' }]);
  return [
    ...new Set(
      domains.map((domain, index) => {
        const parsed = parseDomain(domain);
        if ('problem' in parsed) throw new ValidationError(`Domain "${domain.slice(0, 80)}" ${parsed.problem}`, [{ path: `${field}.${index}`, message: parsed.problem }]);
        return parsed.domain;
      }),
    ),
  ];
}

/**
 * The org's TLS certificates: uploaded, self-signed, or issued by the ACME CA in the
 * background (AcmeOrders). Private keys are sealed at rest and leave this service only
 * through material(), for deployment to a proxy; no reply carries them.
 */
export class CertificatesService {
  constructor(
    private readonly deps: {
      repo: CertificatesRepo;
      orders: AcmeOrders;
      hosts: CertificateHosts;
      transaction: TransactionRunner;
      secretBox: SecretBox;
      clock: Clock;
      settings: CertificatesSettings;
    },
  ) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  private async require(actor: Actor, id: string): Promise<CertificatesTable> {
    const row = await this.deps.repo.getInOrg(actor.org.id, id);
    if (!row) throw new NotFoundError('Certificate');
    return row;
  }

  private async present(row: CertificatesTable): Promise<Certificate> {
    return toCertificate(row, await this.deps.repo.listUsers([row.id]), this.now());
  }

  // ------------------------------------------------------------ reading

  /** GET /certificates: in name order. */
  async list(actor: Actor, query: { limit: number; cursor?: string | undefined }): Promise<Page<Certificate>> {
    const rows = await this.deps.repo.listInOrg(actor.org.id, { limit: query.limit + 1, after: query.cursor ? decodePosition(query.cursor) : undefined });
    const shown = rows.slice(0, query.limit);
    const users = await this.deps.repo.listUsers(shown.map((row) => row.id));
    const now = this.now();
    const items = shown.map((row) =>
      toCertificate(
        row,
        users.filter((user) => user.certificate_id === row.id),
        now,
      ),
    );
    return { items, nextCursor: rows.length > query.limit ? encodePosition(items.at(-1)!) : null };
  }

  async get(actor: Actor, id: string): Promise<Certificate> {
    return this.present(await this.require(actor, id));
  }

  /** GET /certificates/acme: where ACME certificates come from (server configuration). */
  acmeSettings(): AcmeSettings {
    const { directoryUrl, renewBeforeDays } = this.deps.settings;
    const preset = (Object.entries(ACME_DIRECTORY_PRESETS).find(([, url]) => url === directoryUrl)?.[0] ?? 'custom') as AcmeSettings['preset'];
    return { directoryUrl, preset, renewBeforeDays };
  }

  // ------------------------------------------------------------ creating

  /** POST /certificates: a certificate (leaf first, then its chain) and its key, checked before anything is stored. */
  async upload(actor: Actor, body: CertificateUpload): Promise<Certificate> {
    const now = this.now();
    const inspected = inspectUpload(body, now);
    return this.store(actor, now, {
      source: 'uploaded',
      name: body.name ?? inspected.facts.domains[0]!,
      domains: inspected.facts.domains,
      material: inspected,
      facts: inspected.facts,
    });
  }

  /** POST /certificates/self-signed (and a proxy host's "self-signed" SSL choice). */
  async createSelfSigned(actor: Actor, body: { name?: string | undefined; domains: string[]; days: number }): Promise<Certificate> {
    const domains = checkedDomains(body.domains, 'body.domains');
    if (!Number.isInteger(body.days) || body.days < 1 || body.days > 3650) {
      throw new ValidationError('days must be a whole number from 1 to 3650', [{ path: 'body.days', message: 'must be 1 to 3650' }]);
    }
    const now = this.now();
    const material = await createSelfSignedCertificate(domains, body.days, now);
    return this.store(actor, now, { source: 'self_signed', name: body.name ?? domains[0]!, domains, material, facts: inspectUpload(material, now).facts });
  }

  /** Stores a certificate made from material in hand (uploaded or self-signed): valid at once, its key sealed, never renewed. */
  private async store(
    actor: Actor,
    now: Date,
    made: { source: 'uploaded' | 'self_signed'; name: string; domains: string[]; material: { certificatePem: string; privateKeyPem: string }; facts: CertificateFacts },
  ): Promise<Certificate> {
    const at = isoTimestamp(now);
    const row: CertificatesTable = {
      id: newId(),
      org_id: actor.org.id,
      name: made.name,
      domains: JSON.stringify(made.domains),
      source: made.source,
      status: 'valid',
      certificate_pem: made.material.certificatePem,
      private_key_sealed: this.deps.secretBox.seal(made.material.privateKeyPem),
      issuer: made.facts.issuer,
      serial_number: made.facts.serialNumber,
      not_before: made.facts.notBefore,
      expires_at: made.facts.expiresAt,
      auto_renew: 0,
      acme_directory_url: null,
      agent_id: null,
      last_error: null,
      renewal_attempted_at: null,
      created_at: at,
      updated_at: at,
    };
    await this.deps.repo.create(row);
    return toCertificate(row, [], now);
  }

  /**
   * A `pending` ACME certificate for these domains whose HTTP-01 challenges the host's
   * proxy answers; the order runs in the background (never inside the request) and ends
   * `valid` (bus: certificate.issued) or `failed` (certificate.failed). Returns its id.
   */
  async startAcmeIssue(request: { actor: Actor; agentId: string; agentName: string; domains: string[] }): Promise<string> {
    const domains = checkedDomains(request.domains, 'domains');
    const at = isoTimestamp(this.now());
    const id = newId();
    await this.deps.repo.create({
      id,
      org_id: request.actor.org.id,
      name: domains[0]!,
      domains: JSON.stringify(domains),
      source: 'acme',
      status: 'pending',
      certificate_pem: null,
      private_key_sealed: null,
      issuer: null,
      serial_number: null,
      not_before: null,
      expires_at: null,
      auto_renew: 1,
      acme_directory_url: this.deps.settings.directoryUrl,
      agent_id: request.agentId,
      last_error: null,
      renewal_attempted_at: null,
      created_at: at,
      updated_at: at,
    });
    this.deps.orders.start({
      certificateId: id,
      orgId: request.actor.org.id,
      domains,
      agentId: request.agentId,
      agentName: request.agentName,
      validUntil: null,
      requesterEmail: request.actor.identity.kind === 'user' ? request.actor.identity.email : null,
    });
    return id;
  }

  // ------------------------------------------------------------ changing

  /** POST /certificates/:id/renew: a new ACME order now, in the background; the hosts using it redeploy when it is issued. */
  async renew(actor: Actor, id: string): Promise<Certificate> {
    const row = await this.require(actor, id);
    if (row.source !== 'acme') {
      throw new ConflictError(`Certificate ${row.name} was ${row.source === 'uploaded' ? 'uploaded' : 'self-signed'}: only ACME certificates are renewed; upload or create a new one`);
    }
    if (this.deps.orders.isRunning(row.id)) return this.present(row);
    const host = row.agent_id ? await this.deps.hosts.getAgent(actor, row.agent_id).catch((error: unknown) => (error instanceof AppError && error.status === 404 ? undefined : Promise.reject(error))) : undefined;
    if (!host) {
      throw new ConflictError(`The host that answered the ACME challenges of ${row.name} was removed; request SSL again from one of its proxy hosts`);
    }
    const at = isoTimestamp(this.now());
    if (row.status !== 'valid') await this.deps.repo.update(row.id, { status: 'pending', last_error: null, updated_at: at });
    else await this.deps.repo.update(row.id, { renewal_attempted_at: at });
    this.deps.orders.start(this.orderSubjectOf(row, host.name, actor.identity.kind === 'user' ? actor.identity.email : null));
    return this.present((await this.deps.repo.getInOrg(actor.org.id, row.id)) ?? row);
  }

  /** What an order for an existing ACME certificate needs (renewals, retries). */
  orderSubjectOf(row: CertificatesTable, agentName: string, requesterEmail: string | null): OrderSubject {
    return {
      certificateId: row.id,
      orgId: row.org_id,
      domains: domainsOf(row),
      agentId: row.agent_id!,
      agentName,
      validUntil: row.status === 'valid' ? row.expires_at : null,
      requesterEmail,
    };
  }

  /** DELETE /certificates/:id: refused (409) while a proxy host uses it. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.deps.transaction(async () => {
      const row = await this.require(actor, id);
      const users = await this.deps.repo.listUsers([row.id]);
      if (users.length > 0) {
        const named = users.map((user) => `${user.domain} (on ${user.agent_name})`).join(', ');
        throw new ConflictError(`Certificate ${row.name} is used by ${users.length === 1 ? 'the proxy host' : 'the proxy hosts'} ${named}; give them another certificate first`);
      }
      await this.deps.repo.delete(actor.org.id, row.id);
    });
  }

  // ------------------------------------------------------------ for the proxies module

  /** The certificate and its opened key, to deploy; undefined when the org has no such certificate. */
  async material(orgId: string, certificateId: string): Promise<CertificateMaterial | undefined> {
    const row = await this.deps.repo.getWithAgent(certificateId);
    if (!row || row.org_id !== orgId) return undefined;
    return {
      status: row.status,
      domains: domainsOf(row),
      certificatePem: row.certificate_pem ?? '',
      privateKeyPem: row.private_key_sealed ? this.deps.secretBox.open(row.private_key_sealed) : '',
      expiresAt: row.expires_at,
    };
  }

  /** The org's certificates among `ids`, as proxy hosts show them. */
  async summaries(orgId: string, ids: string[]): Promise<Map<string, CertificateSummary>> {
    const rows = await this.deps.repo.listByIds(orgId, [...new Set(ids)]);
    return new Map(rows.map((row) => [row.id, toSummary(row)]));
  }
}
