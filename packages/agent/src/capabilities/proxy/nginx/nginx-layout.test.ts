import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '../../../policy.js';
import { CommandFailure } from '../../registry.js';
import { certificatePathsOf, challengePathOf, configPathOf, layoutOf, logPathsOf, MANAGED_FILE_PATTERN } from './nginx-layout.js';

const ID = '01920000-0000-7000-8000-000000000001';
const policyWith = (nginx: Record<string, unknown>) => parsePolicy({ proxy: { nginx } }, '/tmp/layout-policy.yaml');

describe('layoutOf', () => {
  it("follows Debian's nginx layout by default", () => {
    expect(layoutOf(DEFAULT_POLICY)).toEqual({
      configDirectory: '/etc/nginx/conf.d',
      certificateDirectory: '/etc/nginx/infrapilot-certs',
      challengeDirectory: '/var/lib/infrapilot/acme-challenge',
      logDirectory: '/var/log/nginx',
      listenAddresses: ['*', '[::]'],
      httpPort: 80,
      httpsPort: 443,
    });
  });

  it('takes every path and port from the policy', () => {
    const layout = layoutOf(policyWith({ configDirectory: '/srv/nginx/sites/', logDirectory: '/srv/log', listenAddresses: ['127.0.0.1'], httpPort: 8080, httpsPort: 8443 }));
    expect(layout).toMatchObject({ configDirectory: '/srv/nginx/sites', logDirectory: '/srv/log', listenAddresses: ['127.0.0.1'], httpPort: 8080, httpsPort: 8443 });
  });

  it('refuses a directory that would need quoting in an nginx config, naming the key', () => {
    for (const [key, value] of [
      ['configDirectory', '/etc/my nginx'],
      ['certificateDirectory', '/etc/nginx/certs;'],
      ['challengeDirectory', '/var/lib/$acme'],
      ['logDirectory', '/var/log/{nginx}'],
    ] as const) {
      expect(() => layoutOf(policyWith({ [key]: value })), value).toThrow(`proxy.nginx.${key}`);
    }
  });

  it('refuses the same port for HTTP and HTTPS', () => {
    expect(() => layoutOf(policyWith({ httpPort: 8443, httpsPort: 8443 }))).toThrow(/must differ/);
  });
});

describe('paths of a proxy host', () => {
  const layout = layoutOf(DEFAULT_POLICY);

  it('names the managed file, certificate and key by the host id', () => {
    expect(configPathOf(layout, ID)).toBe(`/etc/nginx/conf.d/infrapilot-${ID}.conf`);
    expect(MANAGED_FILE_PATTERN.exec(`infrapilot-${ID}.conf`)?.[1]).toBe(ID);
    expect(certificatePathsOf(layout, ID)).toEqual({ certificate: `/etc/nginx/infrapilot-certs/${ID}.crt`, privateKey: `/etc/nginx/infrapilot-certs/${ID}.key` });
  });

  it('refuses an id that is not a lowercase UUID, so no path leaves its directory', () => {
    for (const id of ['../../etc/passwd', `${ID}/x`, '01920000-0000-7000-8000-00000000000A', '']) {
      expect(() => configPathOf(layout, id), id).toThrow(CommandFailure);
      expect(() => certificatePathsOf(layout, id), id).toThrow(CommandFailure);
    }
  });

  it('puts ACME answers under .well-known/acme-challenge of the webroot and refuses a token that is not base64url', () => {
    expect(challengePathOf(layout, 'abc-DEF_123')).toBe('/var/lib/infrapilot/acme-challenge/.well-known/acme-challenge/abc-DEF_123');
    for (const token of ['', '../x', 'a/b', 'a.b', 'a'.repeat(513)]) expect(() => challengePathOf(layout, token), token).toThrow(CommandFailure);
  });

  it('logs by domain, and by id when the domain would make a file name longer than 255 bytes', () => {
    expect(logPathsOf(layout, { id: ID, domain: 'app.example.com' })).toEqual({
      access: '/var/log/nginx/infrapilot-app.example.com.access.log',
      error: '/var/log/nginx/infrapilot-app.example.com.error.log',
    });
    // "infrapilot-" + 233 + ".access.log" is exactly 255.
    const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(41)}`;
    expect(longest).toHaveLength(233);
    expect(logPathsOf(layout, { id: ID, domain: longest }).access).toBe(`/var/log/nginx/infrapilot-${longest}.access.log`);
    expect(logPathsOf(layout, { id: ID, domain: `${longest}e` }).access).toBe(`/var/log/nginx/infrapilot-${ID}.access.log`);
  });
});
