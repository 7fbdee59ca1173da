import type { Certificate } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { certificateSummary, certificateTable, expiresText } from './certs.render.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');

function certificate(overrides: Partial<Certificate> = {}): Certificate {
  return {
    id: '0190a8b0-0000-7000-8000-0000000000cc',
    name: 'app.example.com',
    domains: ['app.example.com', 'www.example.com'],
    source: 'acme',
    status: 'valid',
    issuer: 'Pebble Intermediate CA',
    serialNumber: '01',
    notBefore: '2025-02-22T12:00:00.000Z',
    expiresAt: '2025-05-23T12:00:00.000Z',
    daysLeft: 83,
    autoRenew: true,
    acmeDirectoryUrl: 'https://127.0.0.1:14000/dir',
    agentId: '0190a8b0-0000-7000-8000-000000000001',
    lastError: null,
    proxyHosts: [
      { id: '0190a8b0-0000-7000-8000-0000000000aa', domain: 'app.example.com', agentId: '0190a8b0-0000-7000-8000-000000000001', agentName: 'web-1' },
      { id: '0190a8b0-0000-7000-8000-0000000000ab', domain: 'www.example.com', agentId: '0190a8b0-0000-7000-8000-000000000002', agentName: 'web-2' },
    ],
    createdAt: '2025-02-22T12:00:00.000Z',
    updatedAt: '2025-02-22T12:00:00.000Z',
    ...overrides,
  };
}

describe('expiresText', () => {
  it('gives the date with the days left, or says it expired; nothing while pending', () => {
    expect(expiresText(certificate(), NOW)).toBe('2025-05-23 (83 days left)');
    expect(expiresText(certificate({ daysLeft: 1, expiresAt: '2025-03-02T13:00:00.000Z' }), NOW)).toBe('2025-03-02 (1 day left)');
    expect(expiresText(certificate({ daysLeft: -2, expiresAt: '2025-02-27T12:00:00.000Z' }), NOW)).toBe('2025-02-27 (expired)');
    // Counted here when the server gives no count.
    expect(expiresText(certificate({ daysLeft: null, expiresAt: '2025-03-11T12:00:00.000Z' }), NOW)).toBe('2025-03-11 (10 days left)');
    expect(expiresText(certificate({ status: 'pending', daysLeft: null, expiresAt: null }), NOW)).toBe('');
  });
});

describe('certificateTable', () => {
  it('shows id, name, domains, source, status, expiry and the proxy hosts using it', () => {
    const table = certificateTable([certificate(), certificate({ id: 'x', name: 'lab', domains: ['lab.test'], source: 'self_signed', proxyHosts: [] })], NOW);
    expect(table.head).toEqual(['id', 'name', 'domains', 'source', 'status', 'expires', 'used by']);
    expect(table.rows).toEqual([
      ['0190a8b0-0000-7000-8000-0000000000cc', 'app.example.com', 'app.example.com, www.example.com', 'ACME', 'valid', '2025-05-23 (83 days left)', 'app.example.com (web-1), www.example.com (web-2)'],
      ['x', 'lab', 'lab.test', 'self-signed', 'valid', '2025-05-23 (83 days left)', ''],
    ]);
  });
});

describe('certificateSummary', () => {
  it('names the certificate, its source, domains, issuer and expiry', () => {
    expect(certificateSummary(certificate({ source: 'uploaded' }), NOW)).toBe(
      'Certificate app.example.com (uploaded) for app.example.com, www.example.com, issued by Pebble Intermediate CA, expires 2025-05-23 (83 days left).',
    );
  });
});
