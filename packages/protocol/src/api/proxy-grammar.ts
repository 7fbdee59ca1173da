// The strict grammar of everything a user types that ends up in an nginx config file:
// domains, upstream hosts, CIDRs and header values. Both the control plane (before it
// stores or sends anything) and the agent (before it writes a file) parse with these,
// so a value that passes here is safe to put in a config without further escaping,
// except header values, which the renderer quotes with quoteNginxString().
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** An ASCII hostname as DNS allows it (RFC 1123 labels), without a trailing dot. */
const ASCII_HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
// What a person may type before IDNA conversion: letters and digits of any script, marks
// (accents), hyphens and dots. Everything else (space, `;`, `{`, `/`, `:`, `%`, `\`, `$`,
// quotes, control characters) is refused here, before any conversion could hide it.
const DOMAIN_INPUT = /^[\p{L}\p{M}\p{N}.-]+$/u;

/**
 * A domain name (RFC 1123 labels): lower-cased, an IDN converted to punycode
 * (`bücher.example` → `xn--bcher-kva.example`), at most 253 characters and 63 per label,
 * and not an IP address. Returns the ASCII form, or a message saying what is wrong.
 */
export function parseDomain(input: string): { domain: string } | { problem: string } {
  if (input.length === 0) return { problem: 'must not be empty' };
  if (input.length > 253) return { problem: 'must be at most 253 characters' };
  if (!DOMAIN_INPUT.test(input)) {
    return { problem: 'may contain only letters, digits, "-" and "." (no spaces, ports, paths or wildcards)' };
  }
  if (input.startsWith('.') || input.endsWith('.') || input.includes('..')) {
    return { problem: 'must not start or end with "." or contain an empty label' };
  }
  let ascii: string;
  try {
    // WHATWG URL applies UTS #46 (IDNA) in Node and in browsers alike.
    ascii = new URL(`http://${input.toLowerCase()}/`).hostname;
  } catch {
    return { problem: 'is not a valid internationalised domain name' };
  }
  if (!ASCII_HOSTNAME.test(ascii)) {
    return { problem: 'must be labels of 1 to 63 letters, digits or "-" (not starting or ending with "-"), 253 characters in all' };
  }
  // URL turns "0x7f.1" or "127.1" into 127.0.0.1; a name whose last label is numeric is an address.
  if (/^[0-9]+$/.test(ascii.split('.').at(-1)!) || ipaddr.isValid(ascii)) {
    return { problem: 'must be a domain name, not an IP address' };
  }
  return { domain: ascii };
}

/** A domain, validated and converted to its ASCII (punycode) form. */
export const DomainSchema = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseDomain(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `Domain "${value.slice(0, 80)}" ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed.domain;
  })
  .describe('A domain name, e.g. app.example.com; an IDN is stored in punycode');

/**
 * Where nginx forwards to: an IPv4 address in dotted-quad form, an IPv6 address (written
 * without brackets) or an ASCII hostname. Returns the normalised form.
 */
export function parseUpstreamHost(input: string): { host: string; ipv6: boolean } | { problem: string } {
  if (input.length === 0) return { problem: 'must not be empty' };
  if (input.length > 253) return { problem: 'must be at most 253 characters' };
  if (ipaddr.IPv4.isValidFourPartDecimal(input)) return { host: ipaddr.IPv4.parse(input).toString(), ipv6: false };
  if (input.includes(':')) {
    if (!/^[0-9a-fA-F:.]+$/.test(input) || !ipaddr.IPv6.isValid(input)) return { problem: 'is not a valid IPv6 address (write it without brackets or a zone)' };
    return { host: ipaddr.IPv6.parse(input).toString(), ipv6: true };
  }
  const lower = input.toLowerCase();
  if (!ASCII_HOSTNAME.test(lower)) {
    return { problem: 'must be an IPv4 or IPv6 address or a hostname of letters, digits, "-" and "."' };
  }
  if (/^[0-9]+$/.test(lower.split('.').at(-1)!)) return { problem: 'looks like an IP address but is not a dotted quad (e.g. 10.0.0.5)' };
  return { host: lower, ipv6: false };
}

export const UpstreamHostSchema = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseUpstreamHost(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `Upstream host "${value.slice(0, 80)}" ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed.host;
  })
  .describe('An IPv4 or IPv6 address, or a hostname the proxy host can resolve');

/**
 * An IP address or CIDR block for allow/deny rules, or `all`. IPv4 must be a dotted quad;
 * the block is normalised to its network address (`10.1.2.3/8` → `10.0.0.0/8`), a single
 * address keeps no prefix, IPv6 is written in its compact form.
 */
export function parseCidr(input: string): { cidr: string } | { problem: string } {
  if (input === 'all') return { cidr: 'all' };
  if (input.length > 64 || !/^[0-9a-fA-F:./]+$/.test(input)) {
    return { problem: 'must be an IP address or a CIDR block such as 192.168.1.0/24 or 2001:db8::/32, or "all"' };
  }
  const [address, prefixText, ...rest] = input.split('/');
  if (rest.length > 0 || address === undefined) return { problem: 'has more than one "/"' };
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(address);
  if (!v4 && !(address.includes(':') && ipaddr.IPv6.isValid(address))) {
    return { problem: 'is not an IPv4 address in dotted-quad form or an IPv6 address' };
  }
  const max = v4 ? 32 : 128;
  if (prefixText === undefined) return { cidr: ipaddr.parse(address).toString() };
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) return { problem: `has a prefix length outside 0–${max}` };
  const prefix = Number(prefixText);
  const network = v4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`).toString();
  return { cidr: `${network}/${prefix}` };
}

export const CidrSchema = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseCidr(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 80)}" ${parsed.problem}` });
      return z.NEVER;
    }
    return parsed.cidr;
  })
  .describe('An IPv4/IPv6 address or CIDR block, or "all"');

/**
 * A header value the user writes (Content-Security-Policy): printable ASCII only, so no
 * newline or other control character can end the directive; no `$`, which nginx would
 * expand as a variable (and could leak another header's value). Quotes and backslashes
 * are allowed: quoteNginxString() escapes them.
 */
export const HeaderValueSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .regex(/^[\x20-\x7e]*$/, 'may contain only printable ASCII characters (no newlines, tabs or other control characters)')
  .refine((value) => !value.includes('$'), 'must not contain "$" (nginx would read it as a variable)')
  .refine((value) => value.trim() === value, 'must not start or end with a space')
  // nginx reads at most 4095 bytes as one token; quotes and escapes count.
  .refine((value) => quoteNginxString(value).length <= 4095, 'is too long for nginx once quoted and escaped (at most 4095 characters, counting quotes and backslash escapes)');

/** Quotes a value validated by HeaderValueSchema as an nginx string: `"` and `\` are escaped. */
export function quoteNginxString(value: string): string {
  return `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
}

/** A TCP port. */
export const PortNumberSchema = z.number().int().min(1, 'Ports start at 1').max(65535, 'Ports end at 65535');
