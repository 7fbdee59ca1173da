import type { ProxyHost } from '@infrapilot/protocol';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { sampleProxyHost } from '../test-helpers/proxy-host.js';
import { createCliHome } from '../test-helpers/run-cli.js';
import {
  addProxyFlags,
  applyProxyFlags,
  findProxyHost,
  givenOptions,
  inputOf,
  newProxyHostInput,
  parseRateLimit,
  parseUpstreamTarget,
  type ProxyFlags,
  type ProxyFlagsMode,
} from './proxy-options.js';

const HOST = { id: '0190a8b0-0000-7000-8000-000000000001', name: 'web-1' };

/** Parses `args` with the proxy flags of `mode`, as commander hands them to the action. */
function parse(args: string[], mode: ProxyFlagsMode = 'edit'): { flags: ProxyFlags; given: string[] } {
  const command = new Command('proxies')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  addProxyFlags(command, mode);
  command.parse(args, { from: 'user' });
  return { flags: command.opts<ProxyFlags>(), given: givenOptions(command) };
}

/** The commander error `args` end in. */
function usageError(args: string[], mode: ProxyFlagsMode = 'edit'): string {
  try {
    parse(args, mode);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${args.join(' ')} parsed`);
}

/** The sample proxy host with something set for every flag to change: an https upstream, a CSP, a rate limit and IP rules. */
function proxyHost(overrides: Partial<ProxyHost> = {}): ProxyHost {
  const sample = sampleProxyHost();
  return sampleProxyHost({
    upstream: { kind: 'address', scheme: 'https', host: '10.0.0.5', port: 8443 },
    securityHeaders: { ...sample.securityHeaders, contentSecurityPolicy: "default-src 'self'" },
    rateLimits: [{ requests: 10, per: 'second', burst: 20, enabled: true }],
    ipRules: [
      { cidr: '10.0.0.0/8', action: 'allow', priority: 1 },
      { cidr: 'all', action: 'deny', priority: 2 },
    ],
    ...overrides,
  });
}

describe('parseUpstreamTarget', () => {
  it('reads an IPv4 address, a hostname and a bracketed IPv6 address with their port', () => {
    expect(parseUpstreamTarget('10.0.0.5:8080')).toEqual({ kind: 'address', host: '10.0.0.5', port: 8080 });
    expect(parseUpstreamTarget('Backend.LAN:80')).toEqual({ kind: 'address', host: 'backend.lan', port: 80 });
    expect(parseUpstreamTarget('[2001:DB8::0:1]:8443')).toEqual({ kind: 'address', host: '2001:db8::1', port: 8443 });
  });

  it('takes the scheme from an http:// or https:// prefix, as `proxies ls` prints it', () => {
    expect(parseUpstreamTarget('https://10.0.0.5:8443')).toEqual({ kind: 'address', host: '10.0.0.5', port: 8443, scheme: 'https' });
    expect(parseUpstreamTarget('http://[::1]:80')).toEqual({ kind: 'address', host: '::1', port: 80, scheme: 'http' });
  });

  it('reads a container upstream as container:NAME:PORT', () => {
    expect(parseUpstreamTarget('container:web:8080')).toEqual({ kind: 'container', container: 'web', port: 8080 });
    expect(parseUpstreamTarget('container:shop_web.1:80')).toEqual({ kind: 'container', container: 'shop_web.1', port: 80 });
    // The prefix always means a container, so a missing name is caught rather than read as a machine called "container".
    expect(() => parseUpstreamTarget('container:8080')).toThrow(/container:NAME:PORT/);
  });

  it('refuses what would not be a safe upstream, saying what form it expects', () => {
    const cases: [string, RegExp][] = [
      ['10.0.0.5', /needs a port/],
      ['10.0.0.5:0', /port "0" must be a number from 1 to 65535/],
      ['10.0.0.5:65536', /from 1 to 65535/],
      ['10.0.0.5:80/path', /port "80\/path"/],
      ['2001:db8::1:8080', /IPv6 address in brackets/],
      ['[10.0.0.5]:80', /only an IPv6 address goes in brackets/],
      ['10.0.5:80', /dotted quad/],
      ['evil;host:80', /IPv4 or IPv6 address or a hostname/],
      ['bad host:80', /IPv4 or IPv6 address or a hostname/],
      ['a{b}:80', /IPv4 or IPv6 address or a hostname/],
      ['$host:80', /IPv4 or IPv6 address or a hostname/],
      ['container:web', /container:NAME:PORT/],
      ['container:-web:80', /A container id, id prefix or name/],
      ['container:we;b:80', /A container id, id prefix or name/],
      ['ftp://10.0.0.5:21', /IPv4 or IPv6 address or a hostname|IPv6 address in brackets/],
    ];
    for (const [value, problem] of cases) expect(() => parseUpstreamTarget(value), value).toThrow(problem);
  });
});

describe('parseRateLimit', () => {
  it('reads N/s and N/m, with an optional burst', () => {
    expect(parseRateLimit('10/s')).toEqual({ requests: 10, per: 'second', burst: 50, enabled: true });
    expect(parseRateLimit('600/m:20')).toEqual({ requests: 600, per: 'minute', burst: 20, enabled: true });
    expect(parseRateLimit('5/s:0')).toMatchObject({ burst: 0 });
  });

  it('refuses other forms and numbers out of range', () => {
    expect(() => parseRateLimit('10')).toThrow(/N\/s or N\/m/);
    expect(() => parseRateLimit('10r/s')).toThrow(/N\/s or N\/m/);
    expect(() => parseRateLimit('10/h')).toThrow(/N\/s or N\/m/);
    expect(() => parseRateLimit('0/s')).toThrow(/rate/);
    expect(() => parseRateLimit('10/s:200000')).toThrow(/burst/);
  });
});

describe('proxy host flags', () => {
  it('builds a new proxy host from the API defaults and the flags given', () => {
    const { flags } = parse(['--to', 'container:web:8080', '--https-upstream', '--no-http2', '--max-body-mb', '0', '--csp', `default-src 'self'`, '--frame-options', 'deny'], 'add');
    const { input } = applyProxyFlags(newProxyHostInput('app.test', flags.to), flags);
    expect(input).toEqual({
      domain: 'app.test',
      upstream: { kind: 'container', scheme: 'https', container: 'web', port: 8080 },
      certificateId: null,
      forceSsl: true,
      http2: false,
      websockets: true,
      clientMaxBodySizeMb: 0,
      securityHeaders: {
        hsts: true,
        hstsMaxAgeSeconds: 31_536_000,
        hstsIncludeSubdomains: false,
        xFrameOptions: 'DENY',
        xContentTypeOptions: true,
        xXssProtection: true,
        contentSecurityPolicy: "default-src 'self'",
      },
      rateLimits: [],
      ipRules: [],
    });
  });

  it('keeps --allow and --deny in command-line order, the position being the priority', () => {
    const { flags } = parse(['--to', '10.0.0.5:80', '--allow', '10.1.2.3/8', '--deny', '10.9.0.0/16', '--allow', '2001:db8::/32', '--deny', 'all'], 'add');
    const { input } = applyProxyFlags(newProxyHostInput('app.test', flags.to), flags);
    expect(input.ipRules).toEqual([
      { cidr: '10.0.0.0/8', action: 'allow', priority: 1 },
      { cidr: '10.9.0.0/16', action: 'deny', priority: 2 },
      { cidr: '2001:db8::/32', action: 'allow', priority: 3 },
      { cidr: 'all', action: 'deny', priority: 4 },
    ]);
  });

  it('requires --to on add, naming it', () => {
    expect(usageError(['--http2'], 'add')).toMatch(/required option '--to <upstream>' not specified/);
  });

  it('names the flag whose value is wrong', () => {
    expect(usageError(['--to', '10.0.0.5'])).toMatch(/option '--to <upstream>' argument '10.0.0.5' is invalid\. .*needs a port/);
    expect(usageError(['--allow', '10.0.0.0/33'])).toMatch(/option '--allow <cidr>' argument '10.0.0.0\/33' is invalid\. .*prefix length/);
    expect(usageError(['--deny', '10.0.0.1; include /etc/passwd'])).toMatch(/option '--deny <cidr>'/);
    expect(usageError(['--csp', 'default-src $host'])).toMatch(/option '--csp <policy>'.*must not contain "\$"/);
    expect(usageError(['--csp', "a\nadd_header X 1"])).toMatch(/option '--csp <policy>'.*printable ASCII/s);
    expect(usageError(['--max-body-mb', '20000'])).toMatch(/option '--max-body-mb <n>'.*0 to 10240/);
    expect(usageError(['--hsts-max-age', '-1'])).toMatch(/option '--hsts-max-age <seconds>'/);
    expect(usageError(['--frame-options', 'ALLOW-FROM x'])).toMatch(/DENY, SAMEORIGIN or none/);
    expect(usageError(['--rate-limit', 'lots'])).toMatch(/option '--rate-limit <rate>'.*N\/s or N\/m/);
  });

  it('changes on edit only what the flags say and keeps everything else', () => {
    const current = proxyHost();
    const { flags, given } = parse(['--no-hsts', '--frame-options', 'none', '--no-csp', '--to', '10.0.0.6:9443']);
    expect(given.sort()).toEqual(['csp', 'frameOptions', 'hsts', 'to']);
    const { input, replacedIpRules, replacedRateLimits } = applyProxyFlags(inputOf(current), flags);
    expect(input).toEqual({
      ...inputOf(current),
      // The scheme stays https: the new --to gave none.
      upstream: { kind: 'address', scheme: 'https', host: '10.0.0.6', port: 9443 },
      securityHeaders: { ...current.securityHeaders, hsts: false, xFrameOptions: null, contentSecurityPolicy: null },
    });
    expect({ replacedIpRules, replacedRateLimits }).toEqual({ replacedIpRules: 0, replacedRateLimits: 0 });
  });

  it('leaves a proxy host as it is when edit is given no flags', () => {
    const { flags, given } = parse([]);
    expect(given).toEqual([]);
    expect(applyProxyFlags(inputOf(proxyHost()), flags).input).toEqual(inputOf(proxyHost()));
  });

  it('replaces the rules and limits on edit when some are given, and clears them with --no-ip-rules / --no-rate-limit', () => {
    const replaced = applyProxyFlags(inputOf(proxyHost()), parse(['--deny', '192.0.2.7', '--rate-limit', '100/m']).flags);
    expect(replaced.input.ipRules).toEqual([{ cidr: '192.0.2.7', action: 'deny', priority: 1 }]);
    expect(replaced.input.rateLimits).toEqual([{ requests: 100, per: 'minute', burst: 50, enabled: true }]);
    expect(replaced).toMatchObject({ replacedIpRules: 2, replacedRateLimits: 1 });

    const cleared = applyProxyFlags(inputOf(proxyHost()), parse(['--no-ip-rules', '--no-rate-limit']).flags);
    expect(cleared.input).toMatchObject({ ipRules: [], rateLimits: [] });
    expect(() => applyProxyFlags(inputOf(proxyHost()), parse(['--no-ip-rules', '--allow', 'all']).flags)).toThrow(/--no-ip-rules cannot be combined/);
  });

  it('turns settings back on with the positive flag and switches the upstream scheme', () => {
    const off = proxyHost({ forceSsl: false, http2: false, websockets: false, upstream: { kind: 'container', scheme: 'http', container: 'web', port: 80 } });
    const { input } = applyProxyFlags(inputOf(off), parse(['--force-ssl', '--http2', '--websockets', '--https-upstream', '--hsts-subdomains']).flags);
    expect(input).toMatchObject({
      forceSsl: true,
      http2: true,
      websockets: true,
      upstream: { kind: 'container', scheme: 'https', container: 'web', port: 80 },
      securityHeaders: { hstsIncludeSubdomains: true },
    });
  });

  it('refuses a scheme prefix that contradicts --https-upstream', () => {
    expect(() => applyProxyFlags(inputOf(proxyHost()), parse(['--to', 'http://10.0.0.5:80', '--https-upstream']).flags)).toThrow(/--to says http:\/\/ but --https-upstream says https/);
  });

  it('refuses more rate limits than the API takes, before any request', () => {
    const many = ['1/s', '2/s', '3/s', '4/s', '5/s', '6/s'].flatMap((rate) => ['--rate-limit', rate]);
    expect(() => applyProxyFlags(inputOf(proxyHost()), parse(many).flags)).toThrow(/invalid proxy host: rateLimits: at most 5 rate limits/);
  });

  it('sets or removes the certificate only when told', () => {
    expect(applyProxyFlags(inputOf(proxyHost({ certificateId: HOST.id })), {}).input.certificateId).toBe(HOST.id);
    expect(applyProxyFlags(inputOf(proxyHost({ certificateId: HOST.id })), {}, null).input.certificateId).toBeNull();
  });
});

describe('findProxyHost', () => {
  const hosts = [proxyHost(), proxyHost({ id: '0190a8b0-0000-7000-8000-0000000000bb', domain: 'xn--bcher-kva.example' })];

  it('finds a proxy host by id, or by domain in either form and any case', () => {
    expect(findProxyHost(hosts, '0190a8b0-0000-7000-8000-0000000000bb', HOST).domain).toBe('xn--bcher-kva.example');
    expect(findProxyHost(hosts, 'bücher.example', HOST).domain).toBe('xn--bcher-kva.example');
    expect(findProxyHost(hosts, 'XN--BCHER-KVA.example', HOST).domain).toBe('xn--bcher-kva.example');
    expect(findProxyHost(hosts, 'App.Example.com', HOST).domain).toBe('app.example.com');
  });

  it('says which proxy hosts there are when none matches', () => {
    expect(() => findProxyHost(hosts, 'other.example', HOST)).toThrow('no proxy host "other.example" on web-1; its proxy hosts: app.example.com, xn--bcher-kva.example');
    expect(() => findProxyHost([], 'app.test', HOST)).toThrow(/it has none yet; add one with `infrapilot proxies add web-1 DOMAIN --to \.\.\.`/);
  });
});

describe('infrapilot proxies usage errors', () => {
  // No server and no sign-in: a usage error must come from parsing, before any request.
  it('fails on a bad --to or DOMAIN before signing in or sending anything', async () => {
    const home = createCliHome();
    try {
      const badTo = await home.run(['proxies', 'add', 'web-1', 'app.test', '--to', 'app:80:90']);
      expect(badTo.code).toBe(1);
      expect(badTo.stderr).toMatch(/^error: option '--to <upstream>' argument 'app:80:90' is invalid\. write an IPv6 address in brackets/);
      expect(badTo.stdout).toBe('');

      const badDomain = await home.run(['proxies', 'add', 'web-1', 'app test;', '--to', '10.0.0.5:80']);
      expect(badDomain.code).toBe(1);
      expect(badDomain.stderr).toMatch(/^error: command-argument value 'app test;' is invalid for argument 'domain'\. the domain "app test;" may contain only/);

      const noTo = await home.run(['proxies', 'add', 'web-1', 'app.test']);
      expect(noTo).toMatchObject({ code: 1, stderr: "error: required option '--to <upstream>' not specified\n" });

      // Well-formed: it gets as far as needing a session.
      const wellFormed = await home.run(['proxies', 'add', 'web-1', 'app.test', '--to', '10.0.0.5:80']);
      expect(wellFormed).toMatchObject({ code: 1, stderr: 'error: not signed in; run `infrapilot login`\n' });
    } finally {
      home.remove();
    }
  });
});
