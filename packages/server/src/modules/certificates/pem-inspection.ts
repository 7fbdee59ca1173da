import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { parseDomain } from '@infrapilot/protocol';
import { ValidationError } from '../../errors.js';

/** What the server records about a certificate, read from its leaf. */
export interface CertificateFacts {
  /** The DNS names it is for, lower-case ASCII; a wildcard keeps its `*.`. */
  domains: string[];
  /** The issuer's distinguished name on one line, e.g. "C=US, O=Let's Encrypt, CN=R3". */
  issuer: string;
  /** Upper-case hex, as X509Certificate gives it. */
  serialNumber: string;
  notBefore: string;
  expiresAt: string;
}

/** A certificate chain and key that passed the upload checks, re-encoded as plain PEM. */
export interface InspectedPair {
  /** The leaf followed by the rest of the chain, in the order given. */
  certificatePem: string;
  /** PKCS#8, whatever form it was given in. */
  privateKeyPem: string;
  facts: CertificateFacts;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MAX_CHAIN_LENGTH = 10;

/** Every CERTIFICATE block of a PEM text, in order (anything between them is ignored). */
export function certificateBlocks(pem: string): string[] {
  return pem.match(CERTIFICATE_BLOCK) ?? [];
}

/**
 * The DNS names of subjectAltName ("DNS:a.example, DNS:b.example, IP Address:…"); Node
 * JSON-quotes a value holding a comma or quote, which no valid name does.
 */
function dnsNamesOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const names: string[] = [];
  for (const match of subjectAltName.matchAll(/(?:^|, )DNS:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = match[1]!;
    names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return names;
}

function commonNameOf(distinguishedName: string): string | undefined {
  return distinguishedName
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3);
}

/** A name a certificate is for, in the form stored: ASCII, lower-case, `*.` kept; undefined when it is not a domain. */
export function normaliseCertificateName(name: string): string | undefined {
  const wildcard = name.startsWith('*.');
  const parsed = parseDomain(wildcard ? name.slice(2) : name);
  if ('problem' in parsed) return undefined;
  return wildcard ? `*.${parsed.domain}` : parsed.domain;
}

/** The facts of one certificate: its names (subjectAltName, else the subject's CN), issuer, serial and validity. */
export function factsOf(certificate: X509Certificate): CertificateFacts {
  const named = dnsNamesOf(certificate.subjectAltName);
  const candidates = named.length > 0 ? named : [commonNameOf(certificate.subject)].filter((name): name is string => name !== undefined);
  const domains = [...new Set(candidates.map(normaliseCertificateName).filter((name): name is string => name !== undefined))];
  return {
    domains,
    issuer: certificate.issuer.split('\n').join(', '),
    serialNumber: certificate.serialNumber,
    notBefore: certificate.validFromDate.toISOString(),
    expiresAt: certificate.validToDate.toISOString(),
  };
}

/** The facts of a chain's leaf (its first certificate); throws when there is none. */
export function inspectCertificatePem(pem: string): CertificateFacts {
  const [leaf] = certificateBlocks(pem);
  if (!leaf) throw new Error('The PEM text holds no certificate');
  return factsOf(new X509Certificate(leaf));
}

function invalid(field: 'certificatePem' | 'privateKeyPem', message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, [{ path: `body.${field}`, message }]);
}

function parseChain(pem: string): X509Certificate[] {
  const blocks = certificateBlocks(pem);
  if (blocks.length === 0) throw invalid('certificatePem', 'holds no "-----BEGIN CERTIFICATE-----" block');
  if (blocks.length > MAX_CHAIN_LENGTH) throw invalid('certificatePem', `holds more than ${MAX_CHAIN_LENGTH} certificates`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw invalid('certificatePem', `certificate ${index + 1} is not a readable X.509 certificate`);
    }
  });
}

function parseKey(pem: string): KeyObject {
  if (pem.includes('ENCRYPTED')) throw invalid('privateKeyPem', 'is encrypted; upload the key without a passphrase (nginx must read it unattended)');
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.type !== 'private') throw new Error('not private');
    return key;
  } catch {
    throw invalid('privateKeyPem', 'is not a readable private key (PKCS#8, PKCS#1 or SEC1 PEM)');
  }
}

/**
 * Checks an uploaded certificate and key before anything is stored: at least one
 * certificate, the key is the leaf's (the leaf comes first; the rest of the chain is
 * kept as given), the leaf has not expired and names at least one domain. Errors are
 * 400 validation_failed naming the field.
 */
export function inspectUpload(upload: { certificatePem: string; privateKeyPem: string }, now: Date): InspectedPair {
  const chain = parseChain(upload.certificatePem);
  const key = parseKey(upload.privateKeyPem);
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) {
    const matchesLater = chain.slice(1).some((certificate) => certificate.checkPrivateKey(key));
    throw invalid(
      'certificatePem',
      matchesLater
        ? 'the key belongs to a later certificate of the chain; put the leaf (the server certificate) first'
        : 'the private key does not belong to the (first) certificate',
    );
  }
  if (leaf.validToDate.getTime() <= now.getTime()) {
    throw invalid('certificatePem', `the certificate expired on ${leaf.validToDate.toISOString()}`);
  }
  const facts = factsOf(leaf);
  if (facts.domains.length === 0) throw invalid('certificatePem', 'the certificate names no DNS domain (subjectAltName or CN)');
  return {
    certificatePem: chain.map((certificate) => certificate.toString().trim()).join('\n') + '\n',
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    facts,
  };
}

/**
 * Whether a certificate for these names serves a domain: an exact match, or a wildcard
 * covering exactly one label (`*.example.com` covers `a.example.com`, not
 * `a.b.example.com` nor `example.com`).
 */
export function certificateCovers(certificateDomains: string[], domain: string): boolean {
  const wanted = domain.toLowerCase();
  return certificateDomains.some((name) => {
    const candidate = name.toLowerCase();
    if (candidate === wanted) return true;
    if (!candidate.startsWith('*.')) return false;
    const dot = wanted.indexOf('.');
    return dot > 0 && wanted.slice(dot + 1) === candidate.slice(2);
  });
}
