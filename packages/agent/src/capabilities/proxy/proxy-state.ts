import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ProxyManagedFileSchema, ProxyStateSchema, type ProxyManagedFile, type ProxyState } from '@infrapilot/protocol/agent';
import { readIfPresent, sha256Hex } from './managed-files.js';
import type { NginxDriver } from './nginx/nginx-driver.js';
import { MANAGED_FILE_PATTERN, type NginxLayout } from './nginx/nginx-layout.js';


/**
 * The proxy's state for a heartbeat: whether nginx is installed and runs, and every
 * managed file in the config directory with the SHA-256 of what is there now. The
 * control plane compares each hash with the one the last apply answered: a difference is
 * a file changed by hand (drift), a missing entry a file deleted by hand.
 */
export async function readProxyState(layout: NginxLayout, driver: NginxDriver): Promise<ProxyState> {
  const availability = await driver.availability();
  return create(ProxyStateSchema, {
    available: availability.available,
    problem: availability.problem ?? '',
    server: 'nginx',
    version: availability.version,
    running: availability.available && (await driver.running()),
    configDirectory: layout.configDirectory,
    files: await managedFiles(layout.configDirectory),
    httpPort: layout.httpPort,
    httpsPort: layout.httpsPort,
  });
}

async function managedFiles(directory: string): Promise<ProxyManagedFile[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = await Promise.all(
    names.sort().map(async (name) => {
      const match = MANAGED_FILE_PATTERN.exec(name);
      if (!match) return undefined;
      const path = join(directory, name);
      const content = await readIfPresent(path);
      // Gone between readdir and read: it is simply not there any more.
      if (content === undefined) return undefined;
      return create(ProxyManagedFileSchema, { proxyHostId: match[1]!, path, sha256: sha256Hex(content) });
    }),
  );
  return files.filter((file) => file !== undefined);
}
