// Golden files of the renderer: each case's output is compared byte for byte with
// __golden__/<case>.conf, and each golden config is also checked by the real `nginx -t`.
// After a deliberate change to the output, rewrite them with
//   UPDATE_GOLDEN=1 npx vitest run --project node packages/agent/src/capabilities/proxy/nginx
// and read the diff before committing it.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { clone } from '@bufbuild/protobuf';
import { ProxyHostSpecSchema, type ProxyHostSpec } from '@infrapilot/protocol/agent';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '../../../policy.js';
import { validateProxyHostSpec } from '../proxy-host-spec.js';
import { layoutOf, type NginxLayout } from './nginx-layout.js';
import { renderNginxConfig } from './render-nginx-config.js';
import { createNginxSandbox, type NginxSandbox } from './test-helpers/nginx-syntax-check.js';
import { proxyHostSpec, sslProxyHostSpec } from './test-helpers/proxy-host-specs.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const DEBIAN = layoutOf(DEFAULT_POLICY);
const LOOPBACK_8080 = layoutOf(
  parsePolicy({ proxy: { nginx: { listenAddresses: ['127.0.0.1', '[::1]'], httpPort: 8080, httpsPort: 8443 } } }, '/tmp/golden-policy.yaml'),
);

interface GoldenCase {
  name: string;
  spec: ProxyHostSpec;
  upstreamAddress: string;
  layout: NginxLayout;
}

const CASES: GoldenCase[] = [
  {
    name: 'plain-http',
    spec: proxyHostSpec(),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
  {
    name: 'ssl-all-headers',
    spec: sslProxyHostSpec({
      id: '01920000-0000-7000-8000-000000000002',
      domain: 'secure.example.com',
      headers: {
        hsts: true,
        hstsMaxAgeSeconds: 63_072_000,
        hstsIncludeSubdomains: true,
        xFrameOptions: 'DENY',
        xContentTypeOptions: true,
        xXssProtection: true,
        contentSecurityPolicy: `default-src 'self'; img-src "data:" https://cdn.example.com; report-uri /csp\\report`,
      },
    }),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
  {
    name: 'ssl-no-redirect-no-http2',
    spec: sslProxyHostSpec({
      id: '01920000-0000-7000-8000-000000000003',
      domain: 'both.example.com',
      forceSsl: false,
      http2: false,
      websockets: false,
      clientMaxBodySizeMb: 0,
      headers: { hsts: true, hstsMaxAgeSeconds: 600, xFrameOptions: '', xContentTypeOptions: true, xXssProtection: false },
    }),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
  {
    name: 'rate-limits',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-000000000004',
      domain: 'api.example.com',
      rateLimits: [
        { requests: 10, per: 'second', burst: 20 },
        { requests: 600, per: 'minute', burst: 0 },
      ],
    }),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
  {
    name: 'ip-rules',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-000000000005',
      domain: 'intranet.example.com',
      ipRules: [
        { cidr: '192.168.1.7', allow: false },
        { cidr: '192.168.0.0/16', allow: true },
        { cidr: '2001:db8::/32', allow: true },
        { cidr: '::1', allow: true },
        { cidr: 'all', allow: false },
      ],
    }),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
  {
    name: 'ipv6-https-upstream',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-000000000006',
      domain: 'v6.example.com',
      upstream: { scheme: 'https', host: '2001:db8::10', port: 8443 },
      headers: {},
    }),
    upstreamAddress: '[2001:db8::10]:8443',
    layout: DEBIAN,
  },
  {
    name: 'container-upstream',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-000000000007',
      domain: 'xn--bcher-kva.example',
      upstream: { scheme: 'http', container: 'web-1', port: 80 },
    }),
    upstreamAddress: '172.17.0.3:80',
    layout: DEBIAN,
  },
  {
    name: 'hostname-upstream',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-000000000008',
      domain: 'docs.example.com',
      upstream: { scheme: 'http', host: 'localhost', port: 3000 },
    }),
    upstreamAddress: 'localhost:3000',
    layout: DEBIAN,
  },
  {
    name: 'custom-listen',
    spec: sslProxyHostSpec({ id: '01920000-0000-7000-8000-000000000009', domain: 'app.test' }),
    upstreamAddress: '127.0.0.1:32768',
    layout: LOOPBACK_8080,
  },
  {
    name: 'long-domain',
    spec: proxyHostSpec({
      id: '01920000-0000-7000-8000-00000000000a',
      domain: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(50)}.example`,
    }),
    upstreamAddress: '10.0.0.5:8080',
    layout: DEBIAN,
  },
];

const goldenPath = (name: string) => fileURLToPath(new URL(`./__golden__/${name}.conf`, import.meta.url));
const render = (testCase: GoldenCase, layout: NginxLayout) =>
  renderNginxConfig({ host: validateProxyHostSpec(testCase.spec), upstreamAddress: testCase.upstreamAddress }, layout);

// The same file with the layout's directories moved into the sandbox.
function relocated(config: string, from: NginxLayout, to: NginxLayout): string {
  return (['certificateDirectory', 'challengeDirectory', 'logDirectory'] as const).reduce((text, key) => text.replaceAll(from[key], to[key]), config);
}

describe('renderNginxConfig golden files', () => {
  for (const testCase of CASES) {
    it(`renders ${testCase.name} as __golden__/${testCase.name}.conf`, async () => {
      const config = render(testCase, testCase.layout);
      if (UPDATE) await writeFile(goldenPath(testCase.name), config);
      expect(config).toBe(await readFile(goldenPath(testCase.name), 'utf8'));
    });
  }
});

describe('every golden config passes nginx -t', () => {
  const sandboxes: NginxSandbox[] = [];
  afterAll(async () => {
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
  });

  for (const testCase of CASES) {
    it(`nginx accepts ${testCase.name}`, async () => {
      const { listenAddresses, httpPort, httpsPort } = testCase.layout;
      const sandbox = await createNginxSandbox({ listenAddresses, httpPort, httpsPort });
      sandboxes.push(sandbox);
      const config = render(testCase, sandbox.layout);
      // What nginx checks is the golden file, only with its directories inside the sandbox.
      expect(config).toBe(relocated(await readFile(goldenPath(testCase.name), 'utf8'), testCase.layout, sandbox.layout));
      const outcome = await sandbox.check([{ id: testCase.spec.id, config, ssl: testCase.spec.ssl }]);
      expect(outcome.output).toBe('');
      expect(outcome.ok).toBe(true);
    });
  }
});

describe('golden configs side by side', () => {
  let sandbox: NginxSandbox | undefined;
  afterAll(async () => {
    await sandbox?.close();
  });

  it('all load in one nginx -t, each file defining the websocket map for itself', async () => {
    sandbox = await createNginxSandbox();
    const hosts = CASES.map((testCase) => ({ id: testCase.spec.id, config: render(testCase, sandbox!.layout), ssl: testCase.spec.ssl }));
    expect(hosts.filter((host) => host.config.includes('map $http_upgrade $infrapilot_upstream_connection {')).length).toBeGreaterThan(2);
    const outcome = await sandbox.check(hosts);
    expect(outcome.output).toBe('');
    expect(outcome.ok).toBe(true);
  });
});

describe('renderNginxConfig', () => {
  it('gives byte-identical output for the same input', () => {
    const first = render(CASES[1]!, DEBIAN);
    const second = render({ ...CASES[1]!, spec: clone(ProxyHostSpecSchema, CASES[1]!.spec) }, DEBIAN);
    expect(second).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);
  });

  it('starts with the managed-file header naming the host', () => {
    const config = render(CASES[0]!, DEBIAN);
    expect(config.split('\n').slice(0, 2)).toEqual([
      '# Managed by InfraPilot: proxy host 01920000-0000-7000-8000-000000000001 (app.example.com).',
      '# Edits here are reported as drift and replaced on the next save.',
    ]);
  });

  it('logs a domain too long for a file name under the host id', () => {
    const config = render(CASES.find((testCase) => testCase.name === 'long-domain')!, DEBIAN);
    expect(config).toContain('access_log /var/log/nginx/infrapilot-01920000-0000-7000-8000-00000000000a.access.log;');
    expect(config).toContain('error_log /var/log/nginx/infrapilot-01920000-0000-7000-8000-00000000000a.error.log;');
  });

  it('refuses a resolved upstream address that is not host:port', () => {
    const host = validateProxyHostSpec(proxyHostSpec());
    for (const upstreamAddress of ['10.0.0.5', '10.0.0.5:80; include /etc/passwd', 'web.lan:80/x', '[::1:80', '2001:db8::1:80', '']) {
      expect(() => renderNginxConfig({ host, upstreamAddress }, DEBIAN), upstreamAddress).toThrow(/not host:port/);
    }
  });
});
