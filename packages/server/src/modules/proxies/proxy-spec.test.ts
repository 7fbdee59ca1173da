import { ProxyHostInputSchema } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { specOf } from './proxy-spec.js';

const ID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('the spec the agent renders from', () => {
  it('carries the settings as given, an address upstream, and no certificate without one', () => {
    const input = ProxyHostInputSchema.parse({
      domain: 'Bücher.Example',
      upstream: { kind: 'address', host: '10.0.0.5', port: 8080 },
      securityHeaders: { xFrameOptions: null, contentSecurityPolicy: "default-src 'self'" },
      clientMaxBodySizeMb: 0,
    });
    const spec = specOf(ID, input, undefined);
    expect(spec).toMatchObject({
      id: ID,
      domain: 'xn--bcher-kva.example',
      upstream: { scheme: 'http', host: '10.0.0.5', container: '', port: 8080 },
      ssl: false,
      forceSsl: true,
      http2: true,
      websockets: true,
      clientMaxBodySizeMb: 0,
      headers: { hsts: true, hstsMaxAgeSeconds: 31_536_000, xFrameOptions: '', xContentTypeOptions: true, xXssProtection: true, contentSecurityPolicy: "default-src 'self'" },
    });
    expect(spec.certificate).toBeUndefined();
  });

  it('names a container upstream for the agent to resolve, and serves HTTPS with the certificate given', () => {
    const input = ProxyHostInputSchema.parse({ domain: 'app.test', upstream: { kind: 'container', container: 'web-1', port: 80, scheme: 'https' } });
    const spec = specOf(ID, input, { certificatePem: 'CERT', privateKeyPem: 'KEY' });
    expect(spec.upstream).toMatchObject({ scheme: 'https', host: '', container: 'web-1', port: 80 });
    expect(spec.ssl).toBe(true);
    expect(spec.certificate).toMatchObject({ certificatePem: 'CERT', privateKeyPem: 'KEY' });
  });

  it('leaves out disabled rate limits and orders IP rules by priority, then as given', () => {
    const input = ProxyHostInputSchema.parse({
      domain: 'app.test',
      upstream: { kind: 'address', host: '127.0.0.1', port: 80 },
      rateLimits: [
        { requests: 5, per: 'second', burst: 1, enabled: false },
        { requests: 100, per: 'minute', burst: 0 },
      ],
      ipRules: [
        { cidr: 'all', action: 'deny', priority: 100 },
        { cidr: '10.1.2.3/8', action: 'allow', priority: 1 },
        { cidr: '127.0.0.1', action: 'deny', priority: -5 },
        { cidr: '192.168.0.0/16', action: 'allow', priority: 1 },
      ],
    });
    const spec = specOf(ID, input, undefined);
    expect(spec.rateLimits.map(({ requests, per, burst }) => ({ requests, per, burst }))).toEqual([{ requests: 100, per: 'minute', burst: 0 }]);
    expect(spec.ipRules.map(({ cidr, allow }) => [cidr, allow])).toEqual([
      ['127.0.0.1', false],
      ['10.0.0.0/8', true],
      ['192.168.0.0/16', true],
      ['all', false],
    ]);
  });
});
