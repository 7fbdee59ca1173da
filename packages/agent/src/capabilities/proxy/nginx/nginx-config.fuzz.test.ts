// The property test of the proxy renderer: random and hostile values for every field a
// user controls go into a REST body. Each body is either refused (the API's 400) or it
// renders into a file in which nginx sees exactly the directives the chosen options call
// for, every value as one argument, and which the real `nginx -t` accepts.
//
// A failure prints the seed; rerun the same values with
//   FUZZ_SEED=<seed> npx vitest run --project node packages/agent/src/capabilities/proxy/nginx/nginx-config.fuzz.test.ts
import { create } from '@bufbuild/protobuf';
import { ProxyHostInputSchema, type ProxyHostInput } from '@infrapilot/protocol';
import { ProxyHostSpecSchema, type ProxyHostSpec } from '@infrapilot/protocol/agent';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicy } from '../../../policy.js';
import { CommandFailure } from '../../registry.js';
import { validateProxyHostSpec, type ValidatedProxyHost } from '../proxy-host-spec.js';
import { layoutOf, logPathsOf, type NginxLayout } from './nginx-layout.js';
import { renderNginxConfig } from './render-nginx-config.js';
import { allDirectives, NginxParseError, parseNginxConfig, type ParsedDirective } from './test-helpers/nginx-config-parser.js';
import { createNginxSandbox, type NginxSandbox } from './test-helpers/nginx-syntax-check.js';
import { FAKE_CERTIFICATE_PEM, FAKE_PRIVATE_KEY_PEM } from './test-helpers/proxy-host-specs.js';

const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2_147_483_647 : Number(process.env.FUZZ_SEED);
// FUZZ_RUNS=5000 for a deeper run by hand.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 600);
// nginx -t runs over this many host files at a time; a failing batch is bisected.
const BATCH_SIZE = 50;

// ------------------------------------------------------------------ generators

const HOSTILE_FRAGMENTS = [
  '\n', '\r\n', ';', '{', '}', '"', "'", '$', '${host}', '$http_cookie', '\\', '\\"', '\\n', '#', '\0', ' ', '\t',
  'include /etc/passwd', '; include /etc/passwd;', '} server { listen 1;', 'é', 'ü', '日本', '\u202e', '\u00a0', '🙂', '/', ':', '%', '*', '@', '..',
];
const fragment = fc.oneof(fc.constantFrom(...HOSTILE_FRAGMENTS), fc.constantFrom('a', 'b', 'z', '0', '9', '.', '-', 'xn--', 'example', 'com'));

/** Strings built to break out of an nginx argument, plus plain random strings and very long ones. */
const hostileString = fc.oneof(
  fc.array(fragment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', 'include /etc/passwd', 'a\ninclude /etc/passwd', 'x; include /etc/passwd', '"; include /etc/passwd; #', 'a'.repeat(10_000), `${'a'.repeat(63)}.`.repeat(160)),
);

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
const unicodeLabel = fc.constantFrom('bücher', 'münchen', '日本', 'пример', 'xn--bcher-kva', 'ÉCOLE', 'straße');
const validDomain = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: label }, { weight: 1, arbitrary: unicodeLabel }), { minLength: 1, maxLength: 5 }).map((labels) => [...labels, 'test'].join('.')) },
  { weight: 1, arbitrary: fc.array(fc.constant('a'.repeat(63)), { minLength: 3, maxLength: 4 }).map((labels) => labels.join('.')) },
  { weight: 1, arbitrary: fc.domain() },
);
const ipv6 = fc.oneof(fc.ipV6(), fc.constantFrom('::1', '::', 'fe80::1', '::ffff:10.0.0.1', '2001:DB8::A'));
const validCidr = fc.oneof(
  fc.constant('all'),
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([address, prefix]) => `${address}/${prefix}`),
  ipv6,
  fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([address, prefix]) => `${address}/${prefix}`),
);
const printableAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 300 });
const cspQuotesAndBackslashes = fc
  .array(fc.constantFrom("'self'", '"', '\\', '\\\\', "'", ';', '{', '}', '#', 'include', ' ', 'default-src', 'https://x.test', '\\n'), { minLength: 1, maxLength: 40 })
  .map((parts) => parts.join('').trim() || 'x');
// Around what the API allows (4096) and what fits in one nginx token once quoted (4095 with the quotes).
const longCsp = fc.integer({ min: 4080, max: 4100 }).map((length) => 'a'.repeat(length));

/**
 * A REST body of POST /agents/:id/proxies, as a client could send it. Each field is a valid
 * (often edge) value, or with odds `hostility` in 60 a hostile or out-of-range one, so low
 * hostility gives mostly accepted bodies and high hostility mostly refused ones.
 */
function restBodyArbitrary(hostility: number): fc.Arbitrary<Record<string, unknown>> {
  const or = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) => fc.oneof({ weight: 60, arbitrary: valid }, { weight: hostility, arbitrary: hostile });
  const mostly = <T>(valid: fc.Arbitrary<T>) => or(valid, hostileString);
  // Integers in range (edges included), else beyond it, a float, or a value of the wrong type.
  const numberIn = (min: number, max: number) => or(fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)), fc.constantFrom(min - 1, max + 1, 1.5, Number.MAX_SAFE_INTEGER, Number.NaN, '80', null, true));

  const scheme = mostly(fc.constantFrom('http', 'https'));
  const upstreamHost = or(fc.oneof(fc.ipV4(), ipv6, fc.domain(), label, fc.constant('localhost')), fc.oneof(fc.constantFrom('010.0.0.1', '1.2.3', '[::1]', 'fe80::1%eth0', '10.0.0.1:80'), hostileString));
  const containerName = or(fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/), fc.constant('a'.repeat(128))), fc.oneof(fc.constantFrom('a'.repeat(129), '-web', '.web'), hostileString));
  const upstream = fc.oneof(
    fc.record({ kind: fc.constant('address'), scheme, host: upstreamHost, port: numberIn(1, 65_535) }, { requiredKeys: ['kind', 'host', 'port'] }),
    fc.record({ kind: fc.constant('container'), scheme, container: containerName, port: numberIn(1, 65_535) }, { requiredKeys: ['kind', 'container', 'port'] }),
  );
  const csp = or(
    fc.oneof(fc.constant(null), printableAscii.map((value) => value.replaceAll('$', '').trim() || 'x'), cspQuotesAndBackslashes, longCsp, fc.constant("default-src 'self'; img-src data:")),
    fc.oneof(printableAscii, hostileString),
  );
  const securityHeaders = fc.record(
    {
      hsts: fc.boolean(),
      hstsMaxAgeSeconds: numberIn(0, 63_072_000),
      hstsIncludeSubdomains: fc.boolean(),
      xFrameOptions: mostly(fc.constantFrom('DENY', 'SAMEORIGIN', null)),
      xContentTypeOptions: fc.boolean(),
      xXssProtection: fc.boolean(),
      contentSecurityPolicy: csp,
    },
    { requiredKeys: [] },
  );
  const rateLimit = fc.record(
    { requests: numberIn(1, 100_000), per: mostly(fc.constantFrom('second', 'minute')), burst: numberIn(0, 100_000), enabled: fc.boolean() },
    { requiredKeys: ['requests', 'per'] },
  );
  const cidr = or(validCidr, fc.oneof(fc.constantFrom('ALL', '10.0.0.0/8/8', '10.0.0.0/', '0x7f.1', '::1/0128', '10.0.0.0/33', '::/129'), hostileString));
  const ipRule = fc.record({ cidr, action: mostly(fc.constantFrom('allow', 'deny')), priority: numberIn(-10_000, 10_000) }, { requiredKeys: ['cidr', 'action'] });

  return fc
    .record(
      {
        domain: or(validDomain, hostileString),
        upstream,
        certificateId: or(fc.constantFrom(null, '01920000-0000-7000-8000-0000000000cc'), hostileString),
        forceSsl: fc.boolean(),
        http2: fc.boolean(),
        websockets: fc.boolean(),
        clientMaxBodySizeMb: numberIn(0, 10_240),
        securityHeaders,
        rateLimits: or(fc.array(rateLimit, { maxLength: 5 }), fc.array(rateLimit, { minLength: 6, maxLength: 7 })),
        ipRules: or(fc.array(ipRule, { maxLength: 8 }), fc.array(ipRule, { minLength: 199, maxLength: 201 })),
      },
      { requiredKeys: ['domain', 'upstream'] },
    )
    .chain((body) => or(fc.constant<Record<string, unknown>>(body), fc.constant({ ...body, include: '/etc/passwd' })));
}

const restBody = fc.oneof({ weight: 2, arbitrary: restBodyArbitrary(1) }, { weight: 1, arbitrary: restBodyArbitrary(30) });

// ------------------------------------------------------------------ the control plane's side

let hostCounter = 0;
const nextId = () => `01920000-0000-7000-8000-${(++hostCounter).toString(16).padStart(12, '0')}`;

/** What the control plane sends for a stored proxy host whose certificate (if any) is valid. */
function specOf(input: ProxyHostInput, id: string): ProxyHostSpec {
  const ssl = input.certificateId !== null;
  return create(ProxyHostSpecSchema, {
    id,
    domain: input.domain,
    upstream:
      input.upstream.kind === 'address'
        ? { scheme: input.upstream.scheme, host: input.upstream.host, port: input.upstream.port }
        : { scheme: input.upstream.scheme, container: input.upstream.container, port: input.upstream.port },
    ssl,
    forceSsl: input.forceSsl,
    http2: input.http2,
    websockets: input.websockets,
    clientMaxBodySizeMb: input.clientMaxBodySizeMb,
    headers: {
      ...input.securityHeaders,
      xFrameOptions: input.securityHeaders.xFrameOptions ?? '',
      contentSecurityPolicy: input.securityHeaders.contentSecurityPolicy ?? '',
    },
    rateLimits: input.rateLimits.filter((limit) => limit.enabled).map(({ requests, per, burst }) => ({ requests, per, burst })),
    // Ascending priority, ties in the order given (Array.prototype.sort is stable).
    ipRules: [...input.ipRules].sort((a, b) => a.priority - b.priority).map((rule) => ({ cidr: rule.cidr, allow: rule.action === 'allow' })),
    ...(ssl ? { certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: FAKE_PRIVATE_KEY_PEM } } : {}),
  });
}

/** What the agent's resolver would produce: containers get a bridge IP; names stay names. */
function upstreamAddressOf(host: ValidatedProxyHost, id: number): string {
  const { upstream } = host;
  if (upstream.container !== undefined) return `172.17.${(id >> 8) & 0xff}.${id & 0xff}:${upstream.port}`;
  return upstream.ipv6 ? `[${upstream.host}]:${upstream.port}` : `${upstream.host}:${upstream.port}`;
}

// ------------------------------------------------------------------ what nginx must see

const d = (name: string, args: string[], block?: ParsedDirective[]): ParsedDirective => (block ? { name, args, block } : { name, args });

/** The directive tree the options of `host` call for, built independently of the renderer. */
function expectedDirectives(host: ValidatedProxyHost, upstreamAddress: string, layout: NginxLayout): ParsedDirective[] {
  const zone = (index: number) => `infrapilot_${host.id.replaceAll('-', '')}_${index + 1}`;
  const listen = (port: number, options: string[]) => layout.listenAddresses.map((address) => d('listen', [address === '*' ? `${port}` : `${address}:${port}`, ...options]));
  const logs = logPathsOf(layout, host);
  const header = [d('server_name', [host.domain]), d('access_log', [logs.access]), d('error_log', [logs.error])];
  const headers = (https: boolean) => {
    const h = host.headers;
    return [
      ...(https && h.hsts ? [['Strict-Transport-Security', `max-age=${h.hstsMaxAgeSeconds}${h.hstsIncludeSubdomains ? '; includeSubDomains' : ''}`]] : []),
      ...(h.xFrameOptions ? [['X-Frame-Options', h.xFrameOptions]] : []),
      ...(h.xContentTypeOptions ? [['X-Content-Type-Options', 'nosniff']] : []),
      ...(h.xXssProtection ? [['X-XSS-Protection', '1; mode=block']] : []),
      ...(h.contentSecurityPolicy !== null ? [['Content-Security-Policy', h.contentSecurityPolicy]] : []),
    ].map(([name, value]) => d('add_header', [name!, value!, 'always']));
  };
  const proxyLocation = (https: boolean) =>
    d('location', ['/'], [
      ...host.ipRules.map((rule) => d(rule.allow ? 'allow' : 'deny', [rule.cidr])),
      ...host.rateLimits.map((limit, index) => d('limit_req', [`zone=${zone(index)}`, ...(limit.burst > 0 ? [`burst=${limit.burst}`] : []), 'nodelay'])),
      ...(host.rateLimits.length > 0 ? [d('limit_req_status', ['429'])] : []),
      d('client_max_body_size', [host.clientMaxBodySizeMb === 0 ? '0' : `${host.clientMaxBodySizeMb}m`]),
      ...headers(https),
      d('proxy_pass', [`${host.upstream.scheme}://${upstreamAddress}`]),
      ...(host.upstream.scheme === 'https' ? [d('proxy_ssl_server_name', ['on'])] : []),
      d('proxy_http_version', ['1.1']),
      d('proxy_set_header', ['Host', '$host']),
      d('proxy_set_header', ['X-Real-IP', '$remote_addr']),
      d('proxy_set_header', ['X-Forwarded-For', '$proxy_add_x_forwarded_for']),
      d('proxy_set_header', ['X-Forwarded-Proto', '$scheme']),
      ...(host.websockets ? [d('proxy_set_header', ['Upgrade', '$http_upgrade']), d('proxy_set_header', ['Connection', '$infrapilot_upstream_connection'])] : []),
    ]);
  const acme = d('location', ['^~', '/.well-known/acme-challenge/'], [d('root', [layout.challengeDirectory]), d('default_type', ['text/plain']), d('try_files', ['$uri', '=404'])]);
  const httpsPort = layout.httpsPort === 443 ? '' : `:${layout.httpsPort}`;
  const http = d('server', [], [
    ...listen(layout.httpPort, []),
    ...header,
    acme,
    host.ssl && host.forceSsl ? d('location', ['/'], [d('return', ['301', `https://${host.domain}${httpsPort}$request_uri`])]) : proxyLocation(false),
  ]);
  const certificate = (extension: string) => `${layout.certificateDirectory}/${host.id}.${extension}`;
  const https = d('server', [], [
    ...listen(layout.httpsPort, host.http2 ? ['ssl', 'http2'] : ['ssl']),
    ...header,
    d('ssl_certificate', [certificate('crt')]),
    d('ssl_certificate_key', [certificate('key')]),
    d('ssl_protocols', ['TLSv1.2', 'TLSv1.3']),
    d('ssl_prefer_server_ciphers', ['off']),
    proxyLocation(true),
  ]);
  // The only block allowed outside a server, in exactly this form: `upgrade` or `close`, never what the client sent.
  const websocketMap = d('map', ['$http_upgrade', '$infrapilot_upstream_connection'], [d('default', ['upgrade']), d('', ['close'])]);
  return [
    ...(host.websockets ? [websocketMap] : []),
    ...host.rateLimits.map((limit, index) => d('limit_req_zone', ['$binary_remote_addr', `zone=${zone(index)}:10m`, `rate=${limit.requests}r/${limit.per === 'second' ? 's' : 'm'}`])),
    http,
    ...(host.ssl ? [https] : []),
  ];
}

// The only nginx variables a rendered file may use; a user's value must never add one.
const ALLOWED_VARIABLES = new Set(['binary_remote_addr', 'uri', 'request_uri', 'host', 'remote_addr', 'proxy_add_x_forwarded_for', 'scheme', 'http_upgrade', 'infrapilot_upstream_connection']);

function assertRenderedAsChosen(config: string, host: ValidatedProxyHost, upstreamAddress: string, layout: NginxLayout): void {
  const parsed = parseNginxConfig(config);
  expect(parsed.comments).toEqual([` Managed by InfraPilot: proxy host ${host.id} (${host.domain}).`, ' Edits here are reported as drift and replaced on the next save.']);
  expect(parsed.directives).toEqual(expectedDirectives(host, upstreamAddress, layout));
  for (const directive of allDirectives(parsed.directives)) {
    for (const arg of directive.args) {
      for (const match of arg.matchAll(/\$\{?([A-Za-z0-9_]*)/g)) expect([...ALLOWED_VARIABLES], `variable in ${directive.name} ${arg.slice(0, 80)}`).toContain(match[1]);
    }
    if (directive.name === 'add_header') expect(directive.args.join(' ')).not.toContain('$');
  }
  expect(config.endsWith('}\n')).toBe(true);
}

// ------------------------------------------------------------------ the test

interface Accepted {
  body: unknown;
  id: string;
  ssl: boolean;
  host: ValidatedProxyHost;
  upstreamAddress: string;
}

const describeBody = (body: unknown) => JSON.stringify(body, (_key, value: unknown) => (typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value));

describe('proxy host bodies with random and hostile values (fast-check, seed printed on failure)', () => {
  let sandbox: NginxSandbox;
  const accepted: Accepted[] = [];
  const counts = { refusedBySchema: 0, refusedByAgent: 0, accepted: 0 };

  beforeAll(async () => {
    sandbox = await createNginxSandbox();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('refuses a body (400) or renders exactly the chosen directives, every value one argument', () => {
    const layout = layoutOf(DEFAULT_POLICY);
    fc.assert(
      fc.property(restBody, (body) => {
        const input = ProxyHostInputSchema.safeParse(body);
        if (!input.success) {
          counts.refusedBySchema++;
          return;
        }
        const id = nextId();
        let host: ValidatedProxyHost;
        try {
          host = validateProxyHostSpec(specOf(input.data, id));
        } catch (error) {
          // The agent answers invalid_argument, which the API turns into 400 too. The only
          // value the API's schema lets through and the agent refuses is a CSP too long for
          // one nginx token once quoted; anything else would be the two grammars drifting apart.
          expect(error).toBeInstanceOf(CommandFailure);
          expect((error as CommandFailure).code).toBe('invalid_argument');
          expect((error as CommandFailure).message).toMatch(/^headers\.content_security_policy is too long for nginx/);
          counts.refusedByAgent++;
          return;
        }
        const upstreamAddress = upstreamAddressOf(host, hostCounter);
        assertRenderedAsChosen(renderNginxConfig({ host, upstreamAddress }, layout), host, upstreamAddress, layout);
        counts.accepted++;
        accepted.push({ body, id, ssl: host.ssl, host, upstreamAddress });
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: false },
    );
    // A generator that produced almost only refusals would test nothing about rendering.
    expect(counts.accepted, JSON.stringify(counts)).toBeGreaterThan(NUM_RUNS / 10);
    expect(counts.refusedBySchema, JSON.stringify(counts)).toBeGreaterThan(NUM_RUNS / 10);
  });

  // Checks the hosts the test above accepted (tests in a file run in order).
  it('renders files the real nginx -t accepts (batched; a failing batch is bisected to the body)', async () => {
    expect(accepted.length).toBeGreaterThan(0);
    // nginx resolves a host name in proxy_pass while it loads the config, so a random name
    // would fail for want of DNS, not for its syntax; such hosts point at localhost here.
    // (The name's grammar, letters digits "." "-", is what the tokenizer check above covers.)
    const files = accepted.map((item) => {
      const { upstream } = item.host;
      const address = upstream.host !== undefined && !upstream.ipv6 && !/^[0-9.]+$/.test(upstream.host) ? `localhost:${upstream.port}` : item.upstreamAddress;
      return { ...item, config: renderNginxConfig({ host: item.host, upstreamAddress: address }, sandbox.layout) };
    });

    const culprit = async (batch: typeof files): Promise<string | undefined> => {
      const outcome = await sandbox.check(batch);
      if (outcome.ok) return undefined;
      if (batch.length === 1) return `nginx -t refused body ${describeBody(batch[0]!.body)}\n${outcome.output}\n--- file ---\n${batch[0]!.config}`;
      const half = Math.ceil(batch.length / 2);
      return (
        (await culprit(batch.slice(0, half))) ??
        (await culprit(batch.slice(half))) ??
        `nginx -t refused ${batch.length} files together but each half alone passes:\n${outcome.output}\n${batch.map((item) => describeBody(item.body)).join('\n')}`
      );
    };

    for (let start = 0; start < files.length; start += BATCH_SIZE) {
      const problem = await culprit(files.slice(start, start + BATCH_SIZE));
      expect(problem, `FUZZ_SEED=${SEED}`).toBeUndefined();
    }
  });
});

describe('the test’s nginx parser reads config text as nginx does', () => {
  it('unquotes and unescapes arguments', () => {
    expect(parseNginxConfig(`add_header X "a \\"b\\" \\\\ \\x" always;\nreturn 200 'it\\'s';`).directives).toEqual([
      { name: 'add_header', args: ['X', 'a "b" \\ \\x', 'always'] },
      { name: 'return', args: ['200', "it's"] },
    ]);
  });

  it('keeps `}` and `#` inside a word, splits at `;` and `{`, and reads comments', () => {
    expect(parseNginxConfig('# top\nserver { a b}c#d; location / { e ${g}x; } }').directives).toEqual([
      { name: 'server', args: [], block: [{ name: 'a', args: ['b}c#d'] }, { name: 'location', args: ['/'], block: [{ name: 'e', args: ['${g}x'] }] }] },
    ]);
    expect(parseNginxConfig('# top\na; # after\n').comments).toEqual([' top', ' after']);
  });

  it('refuses what nginx refuses', () => {
    for (const text of ['a "b"c;', 'a "b;', '}', 'a {', 'a', '; a;', 'a }']) {
      expect(() => parseNginxConfig(text), text).toThrow(NginxParseError);
    }
  });
});

describe('edges the generators may miss', () => {
  let sandbox: NginxSandbox;
  beforeAll(async () => {
    sandbox = await createNginxSandbox({ listenAddresses: ['127.0.0.1'], httpPort: 8080, httpsPort: 8443 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('the longest CSP the agent accepts, full of quotes and backslashes, passes nginx -t', async () => {
    // 500 × `\"` doubles to 2000 characters when escaped: 2093 + 2000 + 2 quotes = 4095 bytes, nginx's largest token.
    const longest = `${'a'.repeat(2093)}${'\\"'.repeat(500)}`;
    const body = { domain: 'edge.test', upstream: { kind: 'address', host: '127.0.0.1', port: 1 }, certificateId: '01920000-0000-7000-8000-0000000000cc', securityHeaders: { contentSecurityPolicy: longest } };
    const id = nextId();
    const host = validateProxyHostSpec(specOf(ProxyHostInputSchema.parse(body), id));
    const config = renderNginxConfig({ host, upstreamAddress: '127.0.0.1:1' }, sandbox.layout);
    assertRenderedAsChosen(config, host, '127.0.0.1:1', sandbox.layout);
    expect(await sandbox.check([{ id, config, ssl: true }])).toEqual({ ok: true, output: '' });
  });

  it('five rate limits and two hundred IP rules pass nginx -t', async () => {
    const layout = layoutOf(parsePolicy({ proxy: { nginx: { listenAddresses: ['127.0.0.1'], httpPort: 8080, httpsPort: 8443 } } }, '/tmp/edge-policy.yaml'));
    const body = {
      domain: 'many.test',
      upstream: { kind: 'container', container: 'web', port: 80 },
      rateLimits: Array.from({ length: 5 }, (_, index) => ({ requests: index + 1, per: index % 2 ? 'minute' : 'second', burst: index })),
      ipRules: Array.from({ length: 200 }, (_, index) => ({ cidr: index % 2 ? `10.${index}.0.0/16` : `2001:db8:${index.toString(16)}::/48`, action: index % 3 ? 'allow' : 'deny', priority: 200 - index })),
    };
    const id = nextId();
    const host = validateProxyHostSpec(specOf(ProxyHostInputSchema.parse(body), id));
    // Ascending priority: the last rule given comes first.
    expect(host.ipRules[0]).toEqual({ cidr: '10.199.0.0/16', allow: true });
    const config = renderNginxConfig({ host, upstreamAddress: '172.17.0.2:80' }, sandbox.layout);
    assertRenderedAsChosen(renderNginxConfig({ host, upstreamAddress: '172.17.0.2:80' }, layout), host, '172.17.0.2:80', layout);
    expect(await sandbox.check([{ id, config, ssl: false }])).toEqual({ ok: true, output: '' });
  });
});
