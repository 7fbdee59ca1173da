// Renders one proxy host into the file the agent writes as <configDirectory>/infrapilot-<id>.conf.
// The file is included in nginx's http context and holds everything of the host (its
// websocket map, its rate limit zones and its server blocks) and nothing shared, so a host
// is added or removed by writing or deleting one file. Same input, byte-identical output: the file's SHA-256 is
// how hand edits are detected.
import type { ValidatedProxyHost } from '../proxy-host-spec.js';
import { certificatePathsOf, logPathsOf, type NginxLayout } from './nginx-layout.js';
import { block, directive, joinSections, type ConfigLine } from './nginx-directives.js';
import { renderRateLimitZones } from './render-access-rules.js';
import { renderProxyLocation, renderWebsocketMap } from './render-proxy-location.js';

export interface RenderInput {
  host: ValidatedProxyHost;
  /** Where the upstream resolved to, with its port: "10.0.0.5:8080", "[::1]:8080", "web.lan:80". */
  upstreamAddress: string;
}

// What the agent's resolver produces: an IPv4 address or hostname, or an IPv6 address in
// brackets, then a port. Checked because it goes into proxy_pass as it is.
const UPSTREAM_ADDRESS = /^(?:[a-z0-9.-]{1,253}|\[[0-9a-fA-F:.]{2,45}\]):[0-9]{1,5}$/;
const HTTPS_DEFAULT_PORT = 443;

function listenLines(layout: NginxLayout, port: number, options: string[]): ConfigLine[] {
  return layout.listenAddresses.map((address) => directive('listen', address === '*' ? `${port}` : `${address}:${port}`, ...options));
}

function logLines(host: ValidatedProxyHost, layout: NginxLayout): ConfigLine[] {
  const paths = logPathsOf(layout, host);
  return [directive('access_log', paths.access), directive('error_log', paths.error)];
}

// Served before any redirect or access rule, so an ACME CA can always validate the domain.
function acmeChallengeLocation(layout: NginxLayout): ConfigLine[] {
  // `root` is the webroot: nginx appends the request URI, which already starts with /.well-known/acme-challenge/.
  return block(
    'location ^~ /.well-known/acme-challenge/',
    [directive('root', layout.challengeDirectory), directive('default_type', '"text/plain"'), directive('try_files', '$uri', '=404')],
  );
}

function httpsRedirectLocation(host: ValidatedProxyHost, layout: NginxLayout): ConfigLine[] {
  const port = layout.httpsPort === HTTPS_DEFAULT_PORT ? '' : `:${layout.httpsPort}`;
  // The domain itself rather than $host: when this server is the port's default server it
  // also answers other Host headers, and must not redirect those to a name of the client's choosing.
  return block('location /', [directive('return', 301, `https://${host.domain}${port}$request_uri`)]);
}

function httpServer(input: RenderInput, layout: NginxLayout): ConfigLine[] {
  const { host } = input;
  const redirect = host.ssl && host.forceSsl;
  return block(
    'server',
    [...listenLines(layout, layout.httpPort, []), directive('server_name', host.domain)],
    logLines(host, layout),
    acmeChallengeLocation(layout),
    redirect ? httpsRedirectLocation(host, layout) : renderProxyLocation(host, input.upstreamAddress, false),
  );
}

function httpsServer(input: RenderInput, layout: NginxLayout): ConfigLine[] {
  const { host } = input;
  const certificate = certificatePathsOf(layout, host.id);
  // nginx 1.22 switches HTTP/2 on per listening socket, on the listen line.
  const options = host.http2 ? ['ssl', 'http2'] : ['ssl'];
  return block(
    'server',
    [...listenLines(layout, layout.httpsPort, options), directive('server_name', host.domain)],
    logLines(host, layout),
    [
      directive('ssl_certificate', certificate.certificate),
      directive('ssl_certificate_key', certificate.privateKey),
      directive('ssl_protocols', 'TLSv1.2', 'TLSv1.3'),
      // With only modern suites on offer the client's preference is as good and often faster (Mozilla "intermediate").
      directive('ssl_prefer_server_ciphers', 'off'),
    ],
    renderProxyLocation(host, input.upstreamAddress, true),
  );
}

/** The managed nginx file of one proxy host, header comment included, ending with a newline. */
export function renderNginxConfig(input: RenderInput, layout: NginxLayout): string {
  if (!UPSTREAM_ADDRESS.test(input.upstreamAddress)) {
    throw new Error(`The resolved upstream address "${input.upstreamAddress.slice(0, 80)}" is not host:port or [ipv6]:port`);
  }
  const { host } = input;
  const lines = joinSections([
    [
      `# Managed by InfraPilot: proxy host ${host.id} (${host.domain}).`,
      '# Edits here are reported as drift and replaced on the next save.',
    ],
    renderWebsocketMap(host),
    renderRateLimitZones(host),
    httpServer(input, layout),
    host.ssl ? httpsServer(input, layout) : [],
  ]);
  return `${lines.join('\n')}\n`;
}
