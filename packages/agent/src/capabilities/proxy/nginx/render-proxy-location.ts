// The location that forwards a proxy host's requests to its upstream, with the host's
// access rules, limits and headers. The same location serves HTTP (when HTTP is not
// redirected) and HTTPS; only HSTS differs.
import type { ValidatedProxyHost } from '../proxy-host-spec.js';
import { renderIpRules, renderRateLimits } from './render-access-rules.js';
import { block, directive, type ConfigLine } from './nginx-directives.js';
import { renderSecurityHeaders } from './render-security-headers.js';

/** `location / { ... }` forwarding to `upstreamAddress` (already resolved: "10.0.0.5:8080", "[::1]:80", "web.lan:80"). */
export function renderProxyLocation(host: ValidatedProxyHost, upstreamAddress: string, overHttps: boolean): ConfigLine[] {
  const limits = [
    ...renderIpRules(host),
    ...renderRateLimits(host),
    directive('client_max_body_size', host.clientMaxBodySizeMb === 0 ? '0' : `${host.clientMaxBodySizeMb}m`),
  ];
  const forwarding = [
    directive('proxy_pass', `${host.upstream.scheme}://${upstreamAddress}`),
    // Send the upstream's name in TLS SNI; without it a name-based HTTPS upstream answers with its default site.
    ...(host.upstream.scheme === 'https' ? [directive('proxy_ssl_server_name', 'on')] : []),
    directive('proxy_http_version', '1.1'),
    directive('proxy_set_header', 'Host', '$host'),
    directive('proxy_set_header', 'X-Real-IP', '$remote_addr'),
    directive('proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'),
    directive('proxy_set_header', 'X-Forwarded-Proto', '$scheme'),
    // Passing the client's own Connection header (instead of a shared `map`) keeps each
    // host's file self-contained: `upgrade` goes through for websockets, anything else as sent.
    ...(host.websockets ? [directive('proxy_set_header', 'Upgrade', '$http_upgrade'), directive('proxy_set_header', 'Connection', '$http_connection')] : []),
  ];
  return block('location /', limits, renderSecurityHeaders(host.headers, overHttps), forwarding);
}
