import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ProxyHostSpecSchema } from '@infrapilot/protocol/agent';
import { describe, expect, it } from 'vitest';
import { CommandFailure } from '../registry.js';
import { FAKE_CERTIFICATE_PEM, FAKE_PRIVATE_KEY_PEM, proxyHostSpec, sslProxyHostSpec } from './nginx/test-helpers/proxy-host-specs.js';
import { validateProxyHostSpec } from './proxy-host-spec.js';

type SpecInit = MessageInitShape<typeof ProxyHostSpecSchema>;

const GOOD_HEADERS = { hsts: true, hstsMaxAgeSeconds: 31_536_000, xFrameOptions: 'SAMEORIGIN', xContentTypeOptions: true, xXssProtection: true };

function refusal(overrides: SpecInit): CommandFailure {
  try {
    validateProxyHostSpec(proxyHostSpec(overrides));
  } catch (error) {
    if (error instanceof CommandFailure) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
}

describe('validateProxyHostSpec', () => {
  it('accepts a plain host and returns it in the renderer’s shape', () => {
    expect(validateProxyHostSpec(proxyHostSpec())).toEqual({
      id: '01920000-0000-7000-8000-000000000001',
      domain: 'app.example.com',
      upstream: { scheme: 'http', host: '10.0.0.5', ipv6: false, port: 8080 },
      ssl: false,
      forceSsl: true,
      http2: true,
      websockets: true,
      clientMaxBodySizeMb: 100,
      headers: {
        hsts: true,
        hstsMaxAgeSeconds: 31_536_000,
        hstsIncludeSubdomains: false,
        xFrameOptions: 'SAMEORIGIN',
        xContentTypeOptions: true,
        xXssProtection: true,
        contentSecurityPolicy: null,
      },
      rateLimits: [],
      ipRules: [],
    });
  });

  it('accepts an ssl host with every option and keeps its certificate', () => {
    const host = validateProxyHostSpec(
      sslProxyHostSpec({
        domain: 'bücher.example',
        upstream: { scheme: 'https', host: '2001:DB8:0::1', port: 443 },
        headers: { ...GOOD_HEADERS, xFrameOptions: 'DENY', contentSecurityPolicy: `default-src 'self' "x" \\y` },
        rateLimits: [
          { requests: 1, per: 'second', burst: 0 },
          { requests: 100_000, per: 'minute', burst: 100_000 },
        ],
        ipRules: [
          { cidr: '10.1.2.3/8', allow: true },
          { cidr: '2001:db8::/32', allow: true },
          { cidr: 'all', allow: false },
        ],
      }),
    );
    expect(host.domain).toBe('xn--bcher-kva.example');
    expect(host.upstream).toEqual({ scheme: 'https', host: '2001:db8::1', ipv6: true, port: 443 });
    expect(host.headers.contentSecurityPolicy).toBe(`default-src 'self' "x" \\y`);
    expect(host.headers.xFrameOptions).toBe('DENY');
    expect(host.rateLimits).toEqual([
      { requests: 1, per: 'second', burst: 0 },
      { requests: 100_000, per: 'minute', burst: 100_000 },
    ]);
    expect(host.ipRules).toEqual([
      { cidr: '10.0.0.0/8', allow: true },
      { cidr: '2001:db8::/32', allow: true },
      { cidr: 'all', allow: false },
    ]);
    expect(host.certificate).toEqual({ certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: FAKE_PRIVATE_KEY_PEM });
  });

  it('accepts a container upstream and an EC private key', () => {
    const host = validateProxyHostSpec(
      sslProxyHostSpec({
        upstream: { scheme: 'http', container: 'my_app.web-1', port: 80 },
        certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: '-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----\n' },
      }),
    );
    expect(host.upstream).toEqual({ scheme: 'http', container: 'my_app.web-1', port: 80 });
  });

  it('treats absent security headers as none', () => {
    const spec = proxyHostSpec();
    spec.headers = undefined;
    expect(validateProxyHostSpec(spec).headers).toEqual({
      hsts: false,
      hstsMaxAgeSeconds: 0,
      hstsIncludeSubdomains: false,
      xFrameOptions: null,
      xContentTypeOptions: false,
      xXssProtection: false,
      contentSecurityPolicy: null,
    });
  });

  it('ignores a certificate sent with ssl off', () => {
    expect(validateProxyHostSpec(proxyHostSpec({ certificate: { certificatePem: 'x', privateKeyPem: 'y' } })).certificate).toBeUndefined();
  });

  // Each row: the field the message must name, and a value for it that is refused.
  const refused: [string, SpecInit][] = [
    ['id', { id: '' }],
    ['id', { id: '../../etc/passwd' }],
    ['id', { id: '01920000-0000-7000-8000-00000000000A' }],
    ['domain', { domain: '' }],
    ['domain', { domain: 'app.example.com;' }],
    ['domain', { domain: 'app.example.com\ninclude /etc/passwd' }],
    ['domain', { domain: '10.0.0.1' }],
    ['domain', { domain: '*.example.com' }],
    ['domain', { domain: `${'a'.repeat(64)}.com` }],
    ['upstream', { upstream: undefined }],
    ['upstream.scheme', { upstream: { scheme: 'ftp', host: '10.0.0.5', port: 80 } }],
    ['upstream.scheme', { upstream: { scheme: '', host: '10.0.0.5', port: 80 } }],
    ['upstream.port', { upstream: { scheme: 'http', host: '10.0.0.5', port: 0 } }],
    ['upstream.port', { upstream: { scheme: 'http', host: '10.0.0.5', port: 65_536 } }],
    ['upstream', { upstream: { scheme: 'http', port: 80 } }],
    ['upstream', { upstream: { scheme: 'http', host: '10.0.0.5', container: 'web', port: 80 } }],
    ['upstream.host', { upstream: { scheme: 'http', host: '10.0.0.5:80', port: 80 } }],
    ['upstream.host', { upstream: { scheme: 'http', host: 'web; include /etc/passwd', port: 80 } }],
    ['upstream.host', { upstream: { scheme: 'http', host: '[::1]', port: 80 } }],
    ['upstream.host', { upstream: { scheme: 'http', host: '010.0.0.5.1', port: 80 } }],
    ['upstream.container', { upstream: { scheme: 'http', container: '-web', port: 80 } }],
    ['upstream.container', { upstream: { scheme: 'http', container: 'web;x', port: 80 } }],
    ['client_max_body_size_mb', { clientMaxBodySizeMb: 10_241 }],
    ['headers.x_frame_options', { headers: { ...GOOD_HEADERS, xFrameOptions: 'ALLOW-FROM x' } }],
    ['headers.x_frame_options', { headers: { ...GOOD_HEADERS, xFrameOptions: 'deny' } }],
    ['headers.hsts_max_age_seconds', { headers: { ...GOOD_HEADERS, hstsMaxAgeSeconds: 63_072_001 } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: "default-src 'self'\nX: y" } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: 'script-src $host' } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: ' leading-space' } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: 'é' } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: 'a'.repeat(4097) } }],
    // Within HeaderValueSchema's 4096 characters but, quoted, too long for one nginx token.
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: 'a'.repeat(4094) } }],
    ['headers.content_security_policy', { headers: { ...GOOD_HEADERS, contentSecurityPolicy: '\\'.repeat(2047) } }],
    ['rate_limits', { rateLimits: Array.from({ length: 6 }, () => ({ requests: 1, per: 'second', burst: 0 })) }],
    ['rate_limits[0].requests', { rateLimits: [{ requests: 0, per: 'second', burst: 0 }] }],
    ['rate_limits[1].requests', { rateLimits: [{ requests: 1, per: 'second' }, { requests: 100_001, per: 'second', burst: 0 }] }],
    ['rate_limits[0].per', { rateLimits: [{ requests: 1, per: 'hour', burst: 0 }] }],
    ['rate_limits[0].burst', { rateLimits: [{ requests: 1, per: 'minute', burst: 100_001 }] }],
    ['ip_rules', { ipRules: Array.from({ length: 201 }, () => ({ cidr: 'all', allow: false })) }],
    ['ip_rules[0].cidr', { ipRules: [{ cidr: '', allow: true }] }],
    ['ip_rules[0].cidr', { ipRules: [{ cidr: '10.0.0.0/33', allow: true }] }],
    ['ip_rules[1].cidr', { ipRules: [{ cidr: 'all', allow: true }, { cidr: '10.0.0.0/8; deny all', allow: true }] }],
    ['ip_rules[0].cidr', { ipRules: [{ cidr: 'ALL', allow: true }] }],
    ['certificate', { ssl: true }],
    ['certificate.certificate_pem', { ssl: true, certificate: { certificatePem: '', privateKeyPem: FAKE_PRIVATE_KEY_PEM } }],
    ['certificate.certificate_pem', { ssl: true, certificate: { certificatePem: 'not a pem', privateKeyPem: FAKE_PRIVATE_KEY_PEM } }],
    ['certificate.certificate_pem', { ssl: true, certificate: { certificatePem: `${FAKE_CERTIFICATE_PEM}\0`, privateKeyPem: FAKE_PRIVATE_KEY_PEM } }],
    ['certificate.private_key_pem', { ssl: true, certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: FAKE_CERTIFICATE_PEM } }],
    ['certificate.private_key_pem', { ssl: true, certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: '' } }],
    ['certificate.private_key_pem', { ssl: true, certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: `${FAKE_PRIVATE_KEY_PEM}${'A'.repeat(16_384)}` } }],
  ];

  for (const [field, overrides] of refused) {
    it(`refuses a bad ${field} (${JSON.stringify(overrides).slice(0, 70)})`, () => {
      const failure = refusal(overrides);
      expect(failure.code).toBe('invalid_argument');
      expect(failure.message.startsWith(`${field} `)).toBe(true);
    });
  }
});
