// Tests only: a throwaway nginx prefix in a temp dir where rendered proxy host files are
// checked by the real `nginx -t`. nginx -t parses every file, opens the log files, loads
// the certificates and builds the shared zones, but binds no port, so any port will do.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certificatePathsOf, configPathOf, type NginxLayout } from '../nginx-layout.js';

const run = promisify(execFile);
export const NGINX_BINARY = '/usr/sbin/nginx';

/** A rendered host file to check; ssl hosts get the sandbox's self-signed certificate and key. */
export interface SandboxHost {
  id: string;
  config: string;
  ssl: boolean;
}

export interface NginxTestOutcome {
  ok: boolean;
  /** What nginx -t printed. */
  output: string;
}

export interface NginxSandbox {
  /** The layout to render with: every directory is inside the sandbox. */
  layout: NginxLayout;
  dir: string;
  /** Replaces the managed files with `hosts` and runs nginx -t over them. */
  check(hosts: readonly SandboxHost[]): Promise<NginxTestOutcome>;
  close(): Promise<void>;
}

function mainConfig(dir: string, layout: NginxLayout): string {
  return [
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log;`,
    'events {}',
    'http {',
    `    access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${dir}/temp/${kind};`),
    // Domains may be 253 characters; nginx's default bucket (64 bytes) holds names of up to
    // 46, and a host with a long name then fails on every nginx whose nginx.conf keeps it.
    // That is a setting of the host's nginx.conf, not of the rendered file under test.
    '    server_names_hash_bucket_size 512;',
    `    include ${layout.configDirectory}/*.conf;`,
    '}',
    '',
  ].join('\n');
}

/** Creates a sandbox; listen addresses and ports default to Debian's (`*`, `[::]`, 80, 443). */
export async function createNginxSandbox(options: Partial<Pick<NginxLayout, 'listenAddresses' | 'httpPort' | 'httpsPort'>> = {}): Promise<NginxSandbox> {
  const dir = await mkdtemp(join(os.tmpdir(), 'infrapilot-nginx-t-'));
  const layout: NginxLayout = {
    configDirectory: join(dir, 'conf.d'),
    certificateDirectory: join(dir, 'certs'),
    challengeDirectory: join(dir, 'acme'),
    logDirectory: join(dir, 'logs'),
    listenAddresses: options.listenAddresses ?? ['*', '[::]'],
    httpPort: options.httpPort ?? 80,
    httpsPort: options.httpsPort ?? 443,
  };
  for (const directory of [layout.configDirectory, layout.certificateDirectory, layout.challengeDirectory, layout.logDirectory, join(dir, 'temp')]) {
    await mkdir(directory, { recursive: true });
  }
  const certificate = join(dir, 'test.crt');
  const privateKey = join(dir, 'test.key');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', privateKey, '-out', certificate]);
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, mainConfig(dir, layout));

  return {
    layout,
    dir,
    async check(hosts) {
      for (const directory of [layout.configDirectory, layout.certificateDirectory]) {
        for (const name of await readdir(directory)) await rm(join(directory, name));
      }
      for (const host of hosts) {
        await writeFile(configPathOf(layout, host.id), host.config);
        if (host.ssl) {
          const paths = certificatePathsOf(layout, host.id);
          await copyFile(certificate, paths.certificate);
          await copyFile(privateKey, paths.privateKey);
        }
      }
      try {
        const { stderr } = await run(NGINX_BINARY, ['-t', '-q', '-c', confPath, '-p', `${dir}/`], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
        return { ok: true, output: stderr };
      } catch (error) {
        const failed = error as { stderr?: string; message: string };
        return { ok: false, output: failed.stderr || failed.message };
      }
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
