import type { CertificateSummary, ProxyHostInput } from '@infrapilot/protocol';
import { ValidationError } from '../../errors.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { CertificateMaterial } from './proxy-spec.js';

/** A certificate as the certificates module hands it out for deployment. */
export interface CertificateRecord {
  status: 'pending' | 'valid' | 'failed';
  domains: string[];
  certificatePem: string;
  privateKeyPem: string;
  expiresAt: string | null;
}

/** What the certificates module offers this one. */
export interface CertificateDirectory {
  /** Starts an ACME order in the background; the certificate's id, status pending. */
  startAcmeIssue(request: { actor: Actor; agentId: string; agentName: string; domains: string[] }): Promise<string>;
  createSelfSigned(actor: Actor, body: { name?: string; domains: string[]; days: number }): Promise<{ id: string }>;
  /** The org's certificate with its key, or undefined (another org's included). */
  material(orgId: string, certificateId: string): Promise<CertificateRecord | undefined>;
  summaries(orgId: string, ids: string[]): Promise<Map<string, CertificateSummary>>;
}

/** A certificate to deploy with a proxy host's file. */
export interface CertificateDeployment {
  id: string;
  material: CertificateMaterial;
  expiresAt: string | null;
}

/** What a stored proxy host says about its certificates. */
export interface CertificateState {
  domain: string;
  /** The one attached (chosen by the user). */
  certificateId: string | null;
  /** The one its file serves now. */
  deployedCertificateId: string | null;
}

/**
 * Which certificate a proxy host's file serves. The attached one when it is valid and
 * covers the domain; while it is not (an ACME order still running, or failed), the one
 * deployed before, if that still is: asking for a new certificate never takes HTTPS away
 * from a host that had it. No certificate attached means HTTP only.
 */
export class CertificateChoice {
  constructor(
    private readonly deps: {
      certificates: CertificateDirectory;
      /** Whether a certificate's names cover a domain (wildcards included). */
      covers: (certificateDomains: string[], domain: string) => boolean;
    },
  ) {}

  /** What a stored proxy host deploys now; undefined: HTTP only. */
  async deployable(orgId: string, state: CertificateState): Promise<CertificateDeployment | undefined> {
    if (state.certificateId === null) return undefined;
    const attached = await this.usable(orgId, state.certificateId, state.domain);
    if (attached) return attached;
    const { deployedCertificateId } = state;
    if (deployedCertificateId === null || deployedCertificateId === state.certificateId) return undefined;
    return this.usable(orgId, deployedCertificateId, state.domain);
  }

  /**
   * What a change (create, PUT, test of a candidate) deploys. A newly chosen certificate
   * must be a valid certificate of the org covering the domain; the one already attached
   * is kept as it is, but must still cover the domain when the change renames the host.
   * 400 naming certificateId otherwise.
   */
  async forChange(orgId: string, input: ProxyHostInput, current: CertificateState | null): Promise<CertificateDeployment | undefined> {
    const { certificateId, domain } = input;
    if (certificateId === null) return undefined;
    const record = await this.deps.certificates.material(orgId, certificateId);
    if (current && certificateId === current.certificateId) {
      if (record && domain !== current.domain && !this.deps.covers(record.domains, domain)) {
        throw problem(`Certificate ${certificateId} is for ${record.domains.join(', ')}, which does not cover ${domain}: attach another certificate, or set certificateId to null`);
      }
      return this.deployable(orgId, { ...current, domain });
    }
    if (!record) throw problem(`Certificate ${certificateId} does not exist`);
    if (record.status !== 'valid') throw problem(`Certificate ${certificateId} is ${record.status}, not valid: it cannot serve HTTPS yet`);
    if (!this.deps.covers(record.domains, domain)) throw problem(`Certificate ${certificateId} is for ${record.domains.join(', ')}, which does not cover ${domain}`);
    return deploymentOf(certificateId, record);
  }

  /** Whether the certificate is an ACME certificate for the domain whose order is still running. */
  async isPendingAcmeFor(orgId: string, certificateId: string, domain: string): Promise<boolean> {
    const [record, summary] = await Promise.all([this.deps.certificates.material(orgId, certificateId), this.deps.certificates.summaries(orgId, [certificateId])]);
    return record?.status === 'pending' && summary.get(certificateId)?.source === 'acme' && record.domains.includes(domain);
  }

  private async usable(orgId: string, certificateId: string, domain: string): Promise<CertificateDeployment | undefined> {
    const record = await this.deps.certificates.material(orgId, certificateId);
    if (!record || record.status !== 'valid' || !this.deps.covers(record.domains, domain)) return undefined;
    return deploymentOf(certificateId, record);
  }
}

function deploymentOf(id: string, record: CertificateRecord): CertificateDeployment {
  return { id, material: { certificatePem: record.certificatePem, privateKeyPem: record.privateKeyPem }, expiresAt: record.expiresAt };
}

function problem(message: string): ValidationError {
  return new ValidationError(message, [{ path: 'body.certificateId', message }]);
}
