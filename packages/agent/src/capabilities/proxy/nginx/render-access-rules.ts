// Who may reach a proxy host and how often: allow/deny rules and request rate limits.
// Each host declares its own limit_req_zone lines in its own file, with names built from
// its id, so two hosts never share a zone and removing a host's file removes its zones.
import type { ValidatedProxyHost } from '../proxy-host-spec.js';
import { directive, type ConfigLine } from './nginx-directives.js';

// Room for about 160,000 client addresses per limit (nginx keeps ~64 bytes per address).
const ZONE_SIZE = '10m';

/** The name of a host's n-th rate limit zone (counted from 1). */
export function rateLimitZoneName(hostId: string, index: number): string {
  return `infrapilot_${hostId.replaceAll('-', '')}_${index + 1}`;
}

/** The limit_req_zone lines of a host; they belong to the http context, outside any server. */
export function renderRateLimitZones(host: ValidatedProxyHost): ConfigLine[] {
  return host.rateLimits.map((limit, index) =>
    directive('limit_req_zone', '$binary_remote_addr', `zone=${rateLimitZoneName(host.id, index)}:${ZONE_SIZE}`, `rate=${limit.requests}r/${limit.per === 'second' ? 's' : 'm'}`),
  );
}

/** allow/deny in the order given: nginx applies the first rule that matches. */
export function renderIpRules(host: ValidatedProxyHost): ConfigLine[] {
  return host.ipRules.map((rule) => directive(rule.allow ? 'allow' : 'deny', rule.cidr));
}

/** limit_req for every zone of the host, answering 429 (nginx's default is 503) over the limit. */
export function renderRateLimits(host: ValidatedProxyHost): ConfigLine[] {
  if (host.rateLimits.length === 0) return [];
  const lines = host.rateLimits.map((limit, index) =>
    // nginx refuses burst=0; leaving burst out means no burst.
    limit.burst > 0
      ? directive('limit_req', `zone=${rateLimitZoneName(host.id, index)}`, `burst=${limit.burst}`, 'nodelay')
      : directive('limit_req', `zone=${rateLimitZoneName(host.id, index)}`, 'nodelay'),
  );
  return [...lines, directive('limit_req_status', 429)];
}
