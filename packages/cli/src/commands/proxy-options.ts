import type { InfraPilotClient } from '@infrapilot/client';
import {
  ContainerRefSchema,
  HeaderValueSchema,
  type IpRule,
  parseCidr,
  parseDomain,
  parseUpstreamHost,
  PortNumberSchema,
  type ProxyHost,
  type ProxyHostInput,
  ProxyHostInputSchema,
  proxyHostInputOf,
  type ProxyUpstream,
  type RateLimit,
  RateLimitSchema,
  SecurityHeadersSchema,
} from '@infrapilot/protocol';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from '../errors.js';
import type { HostRef } from '../hosts.js';
import { integerIn } from '../option-parsers.js';

/**
 * What the options of `proxies add|edit|test` mean: parsers for each flag (checked with the
 * API's own grammar, so a typo is a usage error naming the flag before any request), and
 * the step from flags to the ProxyHostInput body the API takes.
 */

/** `--to` as typed: where to forward, with the scheme only when an `http://`/`https://` prefix said it. */
export type UpstreamTarget =
  | { kind: 'address'; host: string; port: number; scheme?: 'http' | 'https' }
  | { kind: 'container'; container: string; port: number };

/** One `--allow` or `--deny`, numbered in command-line order so the two lists can be merged. */
export interface IpRuleFlag {
  action: IpRule['action'];
  cidr: string;
  sequence: number;
}

/** The options of `proxies add|edit|test` as commander hands them over; undefined = not given. */
export interface ProxyFlags {
  to?: UpstreamTarget;
  httpsUpstream?: boolean;
  forceSsl?: boolean;
  http2?: boolean;
  websockets?: boolean;
  maxBodyMb?: number;
  hsts?: boolean;
  hstsMaxAge?: number;
  hstsSubdomains?: boolean;
  frameOptions?: 'DENY' | 'SAMEORIGIN' | 'none';
  nosniff?: boolean;
  xssProtection?: boolean;
  /** false: --no-csp. */
  csp?: string | false;
  /** false: --no-rate-limit. */
  rateLimit?: RateLimit[] | false;
  allow?: IpRuleFlag[];
  deny?: IpRuleFlag[];
  /** false: --no-ip-rules (a lone negation, so commander's default is true). */
  ipRules?: boolean;
}

/** Which command the flags are for: `add` hides the flags that only turn a default back on. */
export type ProxyFlagsMode = 'add' | 'edit' | 'test';

const TO_FORMS = 'IP:PORT, HOST:PORT, [IPv6]:PORT or container:NAME:PORT';

function port(text: string): number {
  const parsed = /^\d{1,5}$/.test(text) ? PortNumberSchema.safeParse(Number(text)) : undefined;
  if (!parsed?.success) throw new InvalidArgumentError(`the port "${text}" must be a number from 1 to 65535 (expected ${TO_FORMS})`);
  return parsed.data;
}

/**
 * Parses `--to`: `10.0.0.5:8080`, `backend.lan:8080`, `[2001:db8::1]:8080` (optionally
 * after `http://` or `https://`, as `proxies ls` prints it) or `container:web:8080`.
 */
export function parseUpstreamTarget(value: string): UpstreamTarget {
  const text = value.trim();
  if (text.startsWith('container:')) {
    const reference = text.slice('container:'.length);
    const colon = reference.lastIndexOf(':');
    if (colon <= 0) throw new InvalidArgumentError(`a container upstream is container:NAME:PORT, e.g. container:web:8080`);
    const container = ContainerRefSchema.safeParse(reference.slice(0, colon));
    if (!container.success) throw new InvalidArgumentError(container.error.issues[0]?.message ?? 'invalid container name');
    return { kind: 'container', container: container.data, port: port(reference.slice(colon + 1)) };
  }
  const prefixed = /^(https?):\/\/(.*)$/i.exec(text);
  const scheme = prefixed ? (prefixed[1]!.toLowerCase() as 'http' | 'https') : undefined;
  const address = prefixed ? prefixed[2]! : text;
  let hostText: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(address);
  if (bracketed) {
    [, hostText, portText] = bracketed as unknown as [string, string, string];
    if (!hostText.includes(':')) throw new InvalidArgumentError(`only an IPv6 address goes in brackets (expected ${TO_FORMS})`);
  } else {
    const colons = address.split(':').length - 1;
    if (colons === 0) throw new InvalidArgumentError(`"${address}" needs a port (expected ${TO_FORMS})`);
    if (colons > 1) throw new InvalidArgumentError(`write an IPv6 address in brackets, e.g. [2001:db8::1]:8080 (expected ${TO_FORMS})`);
    [hostText, portText] = address.split(':') as [string, string];
  }
  const host = parseUpstreamHost(hostText);
  if ('problem' in host) throw new InvalidArgumentError(`the host "${hostText.slice(0, 80)}" ${host.problem} (expected ${TO_FORMS})`);
  return { kind: 'address', host: host.host, port: port(portText), ...(scheme ? { scheme } : {}) };
}

/**
 * Parses `--rate-limit`: `N/s` or `N/m` requests per client IP, with `:BURST` requests
 * queued over the rate before 429s start (the API's default burst when left out).
 */
export function parseRateLimit(value: string): RateLimit {
  const match = /^(\d{1,6})\/(s|m)(?::(\d{1,6}))?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected N/s or N/m requests per client IP, optionally :BURST, e.g. 10/s or 600/m:50');
  const parsed = RateLimitSchema.safeParse({
    requests: Number(match[1]),
    per: match[2] === 's' ? 'second' : 'minute',
    ...(match[3] === undefined ? {} : { burst: Number(match[3]) }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidArgumentError(`${issue?.path.join('.') ?? 'value'} ${issue?.message ?? 'is invalid'}`.replace(/^requests /, 'the rate ').replace(/^burst /, 'the burst '));
  }
  return parsed.data;
}

/** Parses `--csp`: a header value nginx can take as a quoted string. */
export function parseHeaderValue(value: string): string {
  const parsed = HeaderValueSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`the value ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}

/** Parses `--frame-options` in any case; `none` sends no X-Frame-Options. */
export function parseFrameOptions(value: string): 'DENY' | 'SAMEORIGIN' | 'none' {
  const upper = value.trim().toUpperCase();
  if (upper === 'DENY' || upper === 'SAMEORIGIN') return upper;
  if (upper === 'NONE') return 'none';
  throw new InvalidArgumentError('expected DENY, SAMEORIGIN or none');
}

/** Parses DOMAIN (Unicode or punycode) to the ASCII form the API stores. */
export function parseDomainArgument(value: string): string {
  const parsed = parseDomain(value);
  if ('problem' in parsed) throw new InvalidArgumentError(`the domain "${value.slice(0, 80)}" ${parsed.problem}`);
  return parsed.domain;
}

/**
 * A parser for `--allow`/`--deny` that numbers each rule in the order the two flags appear,
 * so `--allow 10.0.0.0/8 --deny all` keeps allow before deny. `counter` is shared by both.
 */
function ipRuleParser(action: IpRule['action'], counter: { next: number }): (value: string, previous?: IpRuleFlag[]) => IpRuleFlag[] {
  return (value, previous = []) => {
    const parsed = parseCidr(value.trim());
    if ('problem' in parsed) throw new InvalidArgumentError(`"${value.slice(0, 80)}" ${parsed.problem}`);
    return [...previous, { action, cidr: parsed.cidr, sequence: counter.next++ }];
  };
}

function collectRateLimit(value: string, previous?: RateLimit[] | false): RateLimit[] {
  return [...(Array.isArray(previous) ? previous : []), parseRateLimit(value)];
}

/**
 * Adds the proxy host options to `command`. Every on/off setting has both forms
 * (`--http2`/`--no-http2`) so `edit` can turn either way; `add` hides the form that only
 * repeats a default. The positive form is declared first so that neither has a default:
 * undefined means "not given", which `edit` relies on.
 */
export function addProxyFlags(command: Command, mode: ProxyFlagsMode): Command {
  const editing = mode !== 'add';
  const counter = { next: 0 };
  const pair = (name: string, on: string, off: string, onByDefault: boolean) => {
    command.addOption(new Option(`--${name}`, on).hideHelp(!editing && onByDefault));
    command.addOption(new Option(`--no-${name}`, off).hideHelp(!editing && !onByDefault));
  };
  const to = new Option('--to <upstream>', `where to forward: ${TO_FORMS}; http:// or https:// may precede an address`).argParser(parseUpstreamTarget);
  command.addOption(mode === 'add' ? to.makeOptionMandatory() : to);
  pair('https-upstream', 'talk HTTPS to the upstream', 'talk plain HTTP to the upstream (default)', false);
  pair('force-ssl', 'redirect HTTP to HTTPS (301) while a certificate is attached (default)', 'serve HTTP as well, without redirecting', true);
  pair('http2', 'serve HTTP/2 over HTTPS (default)', 'HTTP/1.1 only', true);
  pair('websockets', 'pass websocket upgrades through (default)', 'do not pass Upgrade/Connection headers', true);
  command.addOption(new Option('--max-body-mb <n>', 'largest request body in MiB, 0 for no limit (0-10240; default 100)').argParser(integerIn(0, 10_240)));
  pair('hsts', 'send Strict-Transport-Security over HTTPS (default)', 'send no Strict-Transport-Security', true);
  command.addOption(new Option('--hsts-max-age <seconds>', 'HSTS max-age (0-63072000; default 31536000, a year)').argParser(integerIn(0, 63_072_000)));
  pair('hsts-subdomains', 'HSTS includeSubDomains', 'HSTS without includeSubDomains (default)', false);
  command.addOption(new Option('--frame-options <value>', 'X-Frame-Options: DENY, SAMEORIGIN (default) or none').argParser(parseFrameOptions));
  pair('nosniff', 'send X-Content-Type-Options: nosniff (default)', 'do not send X-Content-Type-Options', true);
  pair('xss-protection', 'send X-XSS-Protection: 1; mode=block (default)', 'do not send X-XSS-Protection', true);
  command.addOption(new Option('--csp <policy>', 'Content-Security-Policy value, e.g. "default-src \'self\'"').argParser(parseHeaderValue));
  command.addOption(new Option('--no-csp', 'send no Content-Security-Policy').hideHelp(!editing));
  command.addOption(
    new Option('--rate-limit <rate>', `requests per client IP: N/s or N/m, optionally :BURST (repeatable, at most 5)${editing ? '; replaces the current limits' : ''}`).argParser(collectRateLimit),
  );
  command.addOption(new Option('--no-rate-limit', 'remove every rate limit').hideHelp(!editing));
  const order = editing ? '; --allow/--deny replace the current rules' : '';
  command.addOption(new Option('--allow <cidr>', `allow an address or CIDR block, or "all" (repeatable; rules apply in command-line order${order})`).argParser(ipRuleParser('allow', counter)));
  command.addOption(new Option('--deny <cidr>', 'deny an address or CIDR block, or "all" (repeatable)').argParser(ipRuleParser('deny', counter)));
  command.addOption(new Option('--no-ip-rules', 'remove every allow/deny rule').hideHelp(!editing));
  return command;
}

/** The names of the options given on the command line (not defaults), to tell an empty edit from a real one. */
export function givenOptions(command: Command): string[] {
  // A pair (--http2/--no-http2) shares one attribute; name it once.
  const names = new Set(command.options.map((option) => option.attributeName()));
  return [...names].filter((name) => command.getOptionValueSource(name) === 'cli');
}

/** The settings of a new proxy host: the API's defaults for DOMAIN forwarding to `--to`. */
export function newProxyHostInput(domain: string, to: UpstreamTarget | undefined): ProxyHostInput {
  if (!to) throw new CliError(`--to is required: where ${domain} forwards to (${TO_FORMS})`);
  return checkProxyHostInput({ domain, upstream: upstreamOf(to, 'http') });
}

/** A proxy host's saved settings as the body that would save them again (for PUT); the protocol's proxyHostInputOf. */
export const inputOf = proxyHostInputOf;

/** What `proxies edit` changes beyond the settings themselves, for notes on stderr. */
export interface AppliedFlags {
  input: ProxyHostInput;
  /** Rules or limits the flags replaced (0 when there were none). */
  replacedIpRules: number;
  replacedRateLimits: number;
}

/**
 * Applies the flags given to `base` and returns the whole body, checked with the API's
 * schema. `certificateId` is the certificate `--cert`/`--no-ssl` resolved to (undefined:
 * unchanged), since naming a certificate needs the API.
 */
export function applyProxyFlags(base: ProxyHostInput, flags: ProxyFlags, certificateId?: string | null): AppliedFlags {
  const scheme = upstreamScheme(base.upstream.scheme, flags);
  const headers = { ...SecurityHeadersSchema.parse(base.securityHeaders) };
  if (flags.hsts !== undefined) headers.hsts = flags.hsts;
  if (flags.hstsMaxAge !== undefined) headers.hstsMaxAgeSeconds = flags.hstsMaxAge;
  if (flags.hstsSubdomains !== undefined) headers.hstsIncludeSubdomains = flags.hstsSubdomains;
  if (flags.frameOptions !== undefined) headers.xFrameOptions = flags.frameOptions === 'none' ? null : flags.frameOptions;
  if (flags.nosniff !== undefined) headers.xContentTypeOptions = flags.nosniff;
  if (flags.xssProtection !== undefined) headers.xXssProtection = flags.xssProtection;
  if (flags.csp !== undefined) headers.contentSecurityPolicy = flags.csp === false ? null : flags.csp;

  const rules = [...(flags.allow ?? []), ...(flags.deny ?? [])].sort((a, b) => a.sequence - b.sequence);
  if (flags.ipRules === false && rules.length > 0) throw new CliError('--no-ip-rules cannot be combined with --allow or --deny');
  const replaceRules = rules.length > 0 || flags.ipRules === false;
  // Priority is the position on the command line: the API applies ascending priority first.
  const ipRules = replaceRules ? rules.map((rule, index) => ({ cidr: rule.cidr, action: rule.action, priority: index + 1 })) : base.ipRules;
  const rateLimits = flags.rateLimit === undefined ? base.rateLimits : flags.rateLimit === false ? [] : flags.rateLimit;

  const input = checkProxyHostInput({
    domain: base.domain,
    upstream: flags.to ? upstreamOf(flags.to, scheme) : { ...base.upstream, scheme },
    certificateId: certificateId === undefined ? base.certificateId : certificateId,
    forceSsl: flags.forceSsl ?? base.forceSsl,
    http2: flags.http2 ?? base.http2,
    websockets: flags.websockets ?? base.websockets,
    clientMaxBodySizeMb: flags.maxBodyMb ?? base.clientMaxBodySizeMb,
    securityHeaders: headers,
    rateLimits,
    ipRules,
  });
  return {
    input,
    replacedIpRules: replaceRules ? base.ipRules.length : 0,
    replacedRateLimits: flags.rateLimit === undefined ? 0 : base.rateLimits.length,
  };
}

/** The scheme the flags ask for, refusing `https://` with --no-https-upstream and the like. */
function upstreamScheme(current: 'http' | 'https', flags: ProxyFlags): 'http' | 'https' {
  const fromFlag = flags.httpsUpstream === undefined ? undefined : flags.httpsUpstream ? 'https' : 'http';
  const fromPrefix = flags.to?.kind === 'address' ? flags.to.scheme : undefined;
  if (fromFlag && fromPrefix && fromFlag !== fromPrefix) {
    throw new CliError(`--to says ${fromPrefix}:// but ${flags.httpsUpstream ? '--https-upstream' : '--no-https-upstream'} says ${fromFlag}; give one`);
  }
  return fromPrefix ?? fromFlag ?? current;
}

function upstreamOf(to: UpstreamTarget, scheme: 'http' | 'https'): ProxyUpstream {
  if (to.kind === 'container') return { kind: 'container', scheme, container: to.container, port: to.port };
  return { kind: 'address', scheme: to.scheme ?? scheme, host: to.host, port: to.port };
}

/** The body as the API will read it, or a CLI error listing what it would refuse. */
function checkProxyHostInput(body: unknown): ProxyHostInput {
  const parsed = ProxyHostInputSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  throw new CliError(`invalid proxy host: ${problems.join('; ')}`);
}

/** Every proxy host of one host (or of the org), following the pages. */
export async function listProxyHosts(client: InfraPilotClient, agentId?: string): Promise<ProxyHost[]> {
  const hosts: ProxyHost[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.proxies.list({ limit: 200, ...(agentId ? { agentId } : {}), ...(cursor ? { cursor } : {}) });
    hosts.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return hosts;
}

/**
 * Finds the proxy host `reference` names among `proxyHosts` of `host`: its id, else its
 * domain compared in ASCII form, so `bücher.example` finds `xn--bcher-kva.example`.
 */
export function findProxyHost(proxyHosts: ProxyHost[], reference: string, host: HostRef): ProxyHost {
  const byId = proxyHosts.find((proxyHost) => proxyHost.id === reference);
  if (byId) return byId;
  const parsed = parseDomain(reference.trim());
  const byDomain = 'domain' in parsed ? proxyHosts.find((proxyHost) => proxyHost.domain === parsed.domain) : undefined;
  if (byDomain) return byDomain;
  if (proxyHosts.length === 0) throw new CliError(`no proxy host "${reference}" on ${host.name}: it has none yet; add one with \`infrapilot proxies add ${host.name} DOMAIN --to ...\``);
  const domains = proxyHosts.map((proxyHost) => proxyHost.domain);
  throw new CliError(`no proxy host "${reference}" on ${host.name}; its proxy hosts: ${domains.length > 10 ? `${domains.slice(0, 10).join(', ')}, …` : domains.join(', ')}`);
}

/** Resolves DOMAIN|ID on `host` to the proxy host it names. */
export async function resolveProxyHost(client: InfraPilotClient, host: HostRef, reference: string): Promise<ProxyHost> {
  return findProxyHost(await listProxyHosts(client, host.id), reference, host);
}
