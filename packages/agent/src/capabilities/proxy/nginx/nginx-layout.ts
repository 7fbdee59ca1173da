// Where the nginx driver keeps its files and which ports it listens on, taken from the
// host owner's policy. Every path the agent writes, and every path that appears in a
// rendered config, comes from the helpers here so the renderer and the driver agree.
import { posix } from 'node:path';
import type { AgentPolicy } from '../../../policy.js';
import { CommandFailure } from '../../registry.js';

/** The directories and ports of the host's nginx, as the policy sets them. */
export interface NginxLayout {
  configDirectory: string;
  certificateDirectory: string;
  challengeDirectory: string;
  logDirectory: string;
  /** `*`, an IPv4 address or an IPv6 address in brackets. */
  listenAddresses: string[];
  httpPort: number;
  httpsPort: number;
}

/** The name of a file the agent manages in the config directory; group 1 is the proxy host id. */
export const MANAGED_FILE_PATTERN = /^infrapilot-([0-9a-f-]{36})\.conf$/;

// The paths end up unquoted in nginx directives (root, access_log, ssl_certificate). A
// space, `;`, `{`, `#`, a quote or `$` (a variable in root and access_log) would change
// the config, so a directory outside this set is a policy mistake, reported at start.
const NGINX_SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;
// Linux refuses a file name longer than this (NAME_MAX).
const MAX_FILE_NAME_BYTES = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// An ACME token is base64url (RFC 8555 §8.3); anything else must never become a path.
const ACME_TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

/**
 * The nginx layout of a policy. Throws when a directory holds a character that would
 * need quoting in an nginx config, or when the HTTP and HTTPS ports are the same (nginx
 * would then serve TLS on both server blocks).
 */
export function layoutOf(policy: AgentPolicy): NginxLayout {
  const nginx = policy.proxy.nginx;
  const directories = {
    configDirectory: nginx.configDirectory,
    certificateDirectory: nginx.certificateDirectory,
    challengeDirectory: nginx.challengeDirectory,
    logDirectory: nginx.logDirectory,
  };
  for (const [key, value] of Object.entries(directories)) {
    if (!NGINX_SAFE_PATH.test(value)) {
      throw new Error(`proxy.nginx.${key} "${value}" may contain only letters, digits and . _ @ + / - (it is written unquoted into nginx configs)`);
    }
  }
  if (nginx.httpPort === nginx.httpsPort) {
    throw new Error(`proxy.nginx.httpPort and proxy.nginx.httpsPort must differ (both are ${nginx.httpPort})`);
  }
  return { ...directories, listenAddresses: [...nginx.listenAddresses], httpPort: nginx.httpPort, httpsPort: nginx.httpsPort };
}

function requireId(id: string): string {
  // A bug upstream must not turn into a file outside the managed directory.
  if (!UUID.test(id)) throw new CommandFailure('invalid_argument', `The proxy host id "${id.slice(0, 40)}" is not a lowercase UUID`);
  return id;
}

/** The managed config file of a proxy host. */
export function configPathOf(layout: NginxLayout, id: string): string {
  return posix.join(layout.configDirectory, `infrapilot-${requireId(id)}.conf`);
}

/** Where a proxy host's certificate (with its chain) and private key are deployed. */
export function certificatePathsOf(layout: NginxLayout, id: string): { certificate: string; privateKey: string } {
  requireId(id);
  return {
    certificate: posix.join(layout.certificateDirectory, `${id}.crt`),
    privateKey: posix.join(layout.certificateDirectory, `${id}.key`),
  };
}

/** The directory nginx serves /.well-known/acme-challenge/ from (below the webroot). */
export function challengeDirectoryOf(layout: NginxLayout): string {
  return posix.join(layout.challengeDirectory, '.well-known', 'acme-challenge');
}

/** The file that answers one ACME HTTP-01 challenge. */
export function challengePathOf(layout: NginxLayout, token: string): string {
  if (!ACME_TOKEN.test(token)) throw new CommandFailure('invalid_argument', 'The ACME token must be base64url (letters, digits, "-" and "_"), at most 512 characters');
  return posix.join(challengeDirectoryOf(layout), token);
}

/**
 * A proxy host's access and error logs: `infrapilot-<domain>.access.log` and
 * `.error.log`. A domain may be 253 characters, which with the prefix and suffix is
 * over what Linux allows in a file name, so such a host logs under its id instead.
 */
export function logPathsOf(layout: NginxLayout, host: { id: string; domain: string }): { access: string; error: string } {
  const byDomain = `infrapilot-${host.domain}`;
  const stem = Buffer.byteLength(`${byDomain}.access.log`) <= MAX_FILE_NAME_BYTES ? byDomain : `infrapilot-${requireId(host.id)}`;
  return {
    access: posix.join(layout.logDirectory, `${stem}.access.log`),
    error: posix.join(layout.logDirectory, `${stem}.error.log`),
  };
}
