// A real nginx for tests: Debian's binary with its own nginx.conf, directories and pid
// file under a temp prefix, listening on free loopback ports, so that test files can run
// side by side and never touch the system's nginx or port 80. Used by the agent's proxy
// tests and, through `@infrapilot/agent/test-helpers/nginx`, by the server's API tests.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { livePidFromFile, processAlive } from '../capabilities/proxy/nginx/nginx-processes.js';
import type { AgentPolicy } from '../policy.js';

const run = promisify(execFile);

/** Debian's nginx (scripts/setup-system.sh installs it). */
export const NGINX_BINARY = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

/** What the default server answers for a Host no proxy host serves. */
export const NO_PROXY_HOST_BODY = 'infrapilot-test-nginx: no proxy host for this name';

export interface TestNginxRequest {
  /** The Host header, and the SNI name of an HTTPS request. */
  host: string;
  path?: string;
  https?: boolean;
  /** A PEM root to trust; without it an HTTPS request accepts any certificate. */
  ca?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Send from this loopback address, e.g. 127.0.0.2 (to test IP rules). */
  localAddress?: string;
  body?: string;
}

export interface TestNginxResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** HTTPS only: the certificate nginx presented. */
  peerCertificate?: PeerCertificate;
}

export interface TestNginx {
  httpPort: number;
  httpsPort: number;
  /** The temp directory holding everything of this instance. */
  prefix: string;
  /** Its nginx.conf (which includes `<prefix>/conf.d/*.conf`). */
  configFile: string;
  /**
   * The `proxy` section of an agent policy pointing at this instance: its own directories,
   * `-c`/`-p` argv for test, reload and start, its pid file, listening on 127.0.0.1.
   */
  proxyPolicy: AgentPolicy['proxy'];
  /** Whether its pid file names a live nginx. */
  running(): Promise<boolean>;
  /** An HTTP or HTTPS request to this nginx on 127.0.0.1 with the given Host (and SNI). */
  request(options: TestNginxRequest): Promise<TestNginxResponse>;
  /** Stops nginx (whoever started it) and removes the prefix. */
  stop(): Promise<void>;
}

/** Free TCP ports on 127.0.0.1, all different (each held open until all are found). */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function nginxConf(prefix: string, httpPort: number): string {
  const temp = (name: string) => join(prefix, 'temp', name);
  return `# A test nginx (packages/agent/src/test-helpers/nginx.ts).
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} info;
worker_processes 1;

events {
  worker_connections 256;
}

http {
  access_log ${join(prefix, 'logs', 'access.log')};
  default_type application/octet-stream;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  server_names_hash_bucket_size 128;

  # What a Host no proxy host serves gets, so that "removed" reads as an answer, not a refused connection.
  server {
    listen 127.0.0.1:${httpPort} default_server;
    server_name _;
    location / {
      default_type text/plain;
      return 404 "${NO_PROXY_HOST_BODY}\\n";
    }
  }

  include ${join(prefix, 'conf.d')}/*.conf;
}
`;
}

/**
 * Starts (or, with `start: false`, only prepares, for the agent to start) a test nginx.
 * Needs root, like the agent: nginx's master reads keys and binds as root, its workers
 * run as nobody, so every directory they read is made world-traversable.
 */
export async function startTestNginx(options: { start?: boolean } = {}): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'infrapilot-nginx-'));
  try {
    await chmod(prefix, 0o755);
    const directories = {
      configDirectory: join(prefix, 'conf.d'),
      certificateDirectory: join(prefix, 'certs'),
      challengeDirectory: join(prefix, 'acme'),
      logDirectory: join(prefix, 'logs'),
    };
    for (const directory of [...Object.values(directories), join(prefix, 'temp')]) {
      await mkdir(directory, { recursive: true });
      await chmod(directory, 0o755);
    }
    const [httpPort, httpsPort] = (await freeLoopbackPorts(2)) as [number, number];
    const configFile = join(prefix, 'nginx.conf');
    await writeFile(configFile, nginxConf(prefix, httpPort), { mode: 0o644 });
    const pidFile = join(prefix, 'nginx.pid');
    const instance = ['-c', configFile, '-p', `${prefix}/`];
    const proxyPolicy: AgentPolicy['proxy'] = {
      server: 'nginx',
      nginx: {
        ...directories,
        listenAddresses: ['127.0.0.1'],
        httpPort,
        httpsPort,
        test: [NGINX_BINARY, '-t', ...instance],
        reload: [NGINX_BINARY, '-s', 'reload', ...instance],
        start: [NGINX_BINARY, ...instance],
        pidFile,
      },
    };
    if (options.start ?? true) {
      await nginx([...instance]);
      await until(async () => (await livePidFromFile(pidFile)) !== undefined, `nginx (${configFile}) did not write a live pid to ${pidFile}`);
    }
    return {
      httpPort,
      httpsPort,
      prefix,
      configFile,
      proxyPolicy,
      running: async () => (await livePidFromFile(pidFile)) !== undefined,
      request: (request) => requestTo(request.https ? httpsPort : httpPort, request),
      stop: () => stopNginx(pidFile, prefix),
    };
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
}

async function nginx(args: string[]): Promise<void> {
  try {
    await run(NGINX_BINARY, args, { timeout: 30_000 });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${NGINX_BINARY} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

async function until(probe: () => Promise<boolean>, message: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopNginx(pidFile: string, prefix: string): Promise<void> {
  try {
    const pid = await livePidFromFile(pidFile);
    if (pid !== undefined) {
      // SIGTERM: a fast shutdown; the master ends its workers before it exits.
      process.kill(pid, 'SIGTERM');
      try {
        await until(async () => !(await processAlive(pid)), `nginx ${pid} did not stop`, 10_000);
      } catch {
        process.kill(pid, 'SIGKILL');
      }
    }
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function requestTo(port: number, options: TestNginxRequest): Promise<TestNginxResponse> {
  return new Promise((resolve, reject) => {
    const common = {
      host: '127.0.0.1',
      port,
      path: options.path ?? '/',
      method: options.method ?? 'GET',
      headers: { ...options.headers, host: options.host, connection: 'close' },
      // A fresh connection per request: no pooled socket carries an old config or SNI.
      agent: false as const,
      timeout: 15_000,
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    };
    const onResponse = (response: IncomingMessage) => {
      const peerCertificate = options.https ? (response.socket as TLSSocket).getPeerCertificate() : undefined;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: flatten(response.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          ...(peerCertificate ? { peerCertificate } : {}),
        }),
      );
    };
    const request = options.https
      ? httpsRequest({ ...common, servername: options.host, ...(options.ca ? { ca: options.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }) }, onResponse)
      : httpRequest(common, onResponse);
    request.on('timeout', () => request.destroy(new Error(`No answer from nginx on 127.0.0.1:${port} within 15 s`)));
    request.on('error', reject);
    request.end(options.body);
  });
}
