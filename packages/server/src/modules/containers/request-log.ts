// The exec socket carries its command in the query string (a browser cannot send a body
// with a WebSocket upgrade), and a command may hold a secret: `mysql -pSECRET`. The
// request log must not keep it. Its path is worth keeping; so is every other route's query.

/**
 * The paths of the two container sockets (exec, followed logs), under any prefix and
 * generously: whatever follows `/exec` or `/logs/stream` (a trailing slash, `;`, another
 * segment), in any case, as written or percent-decoded — a near miss of the route may
 * still carry a command someone typed.
 */
const CONTAINER_SOCKET_PATH = /\/containers\/.*\/(?:exec|logs\/stream)\b/i;

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // Not valid percent-encoding: the router would not match it either; judge the raw text.
    return path;
  }
}

/** A request URL fit for the log: the path, without the query string when the path is a container socket's. */
export function loggableUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const path = url.slice(0, query);
  return CONTAINER_SOCKET_PATH.test(path) || CONTAINER_SOCKET_PATH.test(decoded(path)) ? path : url;
}

/** What Fastify's request serializer reads from a request. */
export interface LoggedRequest {
  method: string;
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number | undefined } | null;
}

/**
 * pino's `req` serializer for the HTTP server: Fastify's own fields (method, url, version,
 * host, remoteAddress, remotePort), with the URL passed through loggableUrl.
 */
export function serializeRequestForLog(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: loggableUrl(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  };
}
