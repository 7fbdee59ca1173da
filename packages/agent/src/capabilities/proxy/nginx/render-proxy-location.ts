// The location that forwards a proxy host's requests to its upstream, with the host's
// access rules, limits and headers. The same location serves HTTP (when HTTP is not
// redirected) and HTTPS; only HSTS differs.
import type { ValidatedProxyHost } from '../proxy-host-spec.js';
import { renderIpRules, renderRateLimits } from './render-access-rules.js';
import { block, directive, type ConfigLine } from './nginx-directives.js';
import { renderSecurityHeaders } from './render-security-headers.js';

/**
 * The variable the websocket map sets: the Connection header sent upstream. Every host's
 * file defines it with the same map, so no file depends on another: nginx accepts a map
 * variable defined more than once (the last definition wins, and they are all alike).
 * One name for all hosts, not one per host: nginx keeps variable names in a hash whose
 * buckets (variables_hash_bucket_size, 64 bytes by default) do not hold a name carrying a
 * host id, and many distinct names make it warn on every nginx -t.
 */
export const WEBSOCKET_CONNECTION_VARIABLE = 'infrapilot_upstream_connection';

/**
 * `map $http_upgrade $infrapilot_upstream_connection { default upgrade; '' close; }`: the
 * Connection header sent upstream is `upgrade` when the client asked for an upgrade, else
 * `close`. Belongs to the http context, outside any server; empty without websockets.
 * Its content must stay the same in every file (see WEBSOCKET_CONNECTION_VARIABLE).
 */
export function renderWebsocketMap(host: ValidatedProxyHost): ConfigLine[] {
  if (!host.websockets) return [];
  return block(`map $http_upgrade $${WEBSOCKET_CONNECTION_VARIABLE}`, [directive('default', 'upgrade'), directive("''", 'close')]);
}

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
    // The map at the top of the file (renderWebsocketMap) turns the client's Upgrade into
    // `upgrade` and its absence into `close`: nothing else the client put in Connection goes upstream.
    ...(host.websockets
      ? [directive('proxy_set_header', 'Upgrade', '$http_upgrade'), directive('proxy_set_header', 'Connection', `$${WEBSOCKET_CONNECTION_VARIABLE}`)]
      : []),
  ];
  return block('location /', limits, renderSecurityHeaders(host.headers, overHttps), forwarding);
}
