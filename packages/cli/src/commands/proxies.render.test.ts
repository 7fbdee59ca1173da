import { describe, expect, it } from 'vitest';
import { sampleProxyHost } from '../test-helpers/proxy-host.js';
import { driftNote, problemNotes, proxyHostSummary, proxyHostTable, sslText, upstreamText } from './proxies.render.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');

const certificate = (status: 'pending' | 'valid' | 'failed', expiresAt: string | null = null) => ({
  id: '0190a8b0-0000-7000-8000-0000000000cc',
  name: 'app.example.com',
  source: 'acme' as const,
  status,
  expiresAt,
  lastError: status === 'failed' ? 'urn:ietf:params:acme:error:connection: timeout' : null,
});

describe('upstreamText', () => {
  it('writes an address as a URL --to accepts back, with IPv6 in brackets', () => {
    expect(upstreamText({ kind: 'address', scheme: 'http', host: '10.0.0.5', port: 8080 })).toBe('http://10.0.0.5:8080');
    expect(upstreamText({ kind: 'address', scheme: 'https', host: '2001:db8::1', port: 8443 })).toBe('https://[2001:db8::1]:8443');
  });

  it('writes a container by name and port, saying https when it is', () => {
    expect(upstreamText({ kind: 'container', scheme: 'http', container: 'web', port: 8080 })).toBe('container web:8080');
    expect(upstreamText({ kind: 'container', scheme: 'https', container: 'web', port: 443 })).toBe('container web:443 (https)');
  });
});

describe('sslText', () => {
  it('says off, pending, failed, valid with the days left, or expired', () => {
    expect(sslText(sampleProxyHost(), NOW)).toBe('off');
    expect(sslText(sampleProxyHost({ certificate: certificate('pending') }), NOW)).toBe('pending');
    expect(sslText(sampleProxyHost({ certificate: certificate('failed') }), NOW)).toBe('failed');
    expect(sslText(sampleProxyHost({ certificate: certificate('valid', '2025-05-23T12:00:00.000Z') }), NOW)).toBe('valid 83d');
    expect(sslText(sampleProxyHost({ certificate: certificate('valid', '2025-03-01T11:00:00.000Z') }), NOW)).toBe('expired');
  });
});

describe('proxyHostTable', () => {
  it('shows domain, host, upstream, SSL and status', () => {
    const table = proxyHostTable(
      [
        sampleProxyHost(),
        sampleProxyHost({
          domain: 'shop.example.com',
          upstream: { kind: 'container', scheme: 'http', container: 'shop-web-1', port: 80 },
          certificate: certificate('valid', '2025-05-23T12:00:00.000Z'),
          sslEnabled: true,
          status: 'drift',
        }),
      ],
      NOW,
    );
    expect(table.head).toEqual(['domain', 'host', 'upstream', 'SSL', 'status']);
    expect(table.rows).toEqual([
      ['app.example.com', 'web-1', 'http://10.0.0.5:8080', 'off', 'active'],
      ['shop.example.com', 'web-1', 'container shop-web-1:80', 'valid 83d', 'drift'],
    ]);
  });
});

describe('proxyHostSummary', () => {
  it('says whether it serves HTTP only or HTTPS, and whether HTTP redirects', () => {
    expect(proxyHostSummary(sampleProxyHost(), NOW)).toBe('app.example.com on web-1 → http://10.0.0.5:8080: HTTP only.');
    expect(proxyHostSummary(sampleProxyHost({ certificate: certificate('pending') }), NOW)).toBe('app.example.com on web-1 → http://10.0.0.5:8080: HTTP only, certificate pending.');
    const https = sampleProxyHost({ sslEnabled: true, certificate: certificate('valid', '2025-05-23T12:00:00.000Z') });
    expect(proxyHostSummary(https, NOW)).toBe('app.example.com on web-1 → http://10.0.0.5:8080: HTTPS (valid 83d), HTTP redirects to HTTPS.');
    expect(proxyHostSummary({ ...https, forceSsl: false }, NOW)).toBe('app.example.com on web-1 → http://10.0.0.5:8080: HTTPS (valid 83d).');
  });
});

describe('problemNotes', () => {
  it('warns about a change that did not go live and a failed certificate, and says nothing otherwise', () => {
    expect(problemNotes(sampleProxyHost())).toEqual([]);
    expect(problemNotes(sampleProxyHost({ status: 'error', lastError: 'agent offline', certificate: certificate('failed') }))).toEqual([
      'warning: the last change to app.example.com did not go live: agent offline',
      'warning: the certificate for app.example.com failed: urn:ietf:params:acme:error:connection: timeout',
    ]);
  });
});

describe('driftNote', () => {
  const config = { config: '', configHash: 'a', path: '/etc/nginx/conf.d/infrapilot-x.conf', storedHash: 'a', liveHash: 'a', drift: false };

  it('is silent without drift and says whether the file was edited or removed', () => {
    expect(driftNote(config, sampleProxyHost())).toBeUndefined();
    expect(driftNote({ ...config, liveHash: 'b', drift: true }, sampleProxyHost())).toBe(
      'note: /etc/nginx/conf.d/infrapilot-x.conf on web-1 was changed by hand (drift); this is what InfraPilot would write. `infrapilot proxies edit web-1 app.example.com` with no options writes it back.',
    );
    expect(driftNote({ ...config, liveHash: null, drift: true }, sampleProxyHost())).toMatch(/^note: \S+ on web-1 is missing \(drift\)/);
  });
});
