import { create } from '@bufbuild/protobuf';
import { ProxyRemoveResultSchema, type ProxyRemoveResult } from '@infrapilot/protocol/agent';
import { CommandFailure } from '../registry.js';
import { removeFile, restoreFiles, snapshotFiles } from './managed-files.js';
import { certificatePathsOf, configPathOf } from './nginx/nginx-layout.js';
import { activateOrRestore } from './activation.js';
import { throwIfCancelled, withRestoreOnFailure } from './proxy-apply.js';
import type { ProxyContext } from './proxy-context.js';

const PROXY_HOST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * proxy.remove: deletes the host's config, certificate and key, and reloads a running
 * nginx so the site goes away. If nginx refuses what is left (another file is broken),
 * the files come back and the answer is proxy_config_invalid: nothing changes half-way.
 * A stopped nginx is not started just to forget a host.
 */
export async function removeProxyHost(context: ProxyContext, proxyHostId: string, signal: AbortSignal): Promise<ProxyRemoveResult> {
  if (!PROXY_HOST_ID.test(proxyHostId)) {
    throw new CommandFailure('invalid_argument', `proxy_host_id: "${proxyHostId.slice(0, 40)}" is not a lowercase UUID`);
  }
  await context.driver.requireAvailable();
  return context.queue.run(async () => {
    throwIfCancelled(signal);
    const { certificate, privateKey } = certificatePathsOf(context.layout, proxyHostId);
    const previous = await snapshotFiles([configPathOf(context.layout, proxyHostId), certificate, privateKey]);
    if (previous.every((file) => file.content === undefined)) return create(ProxyRemoveResultSchema, { removed: false });
    await withRestoreOnFailure(previous, async () => {
      for (const file of previous) await removeFile(file.path);
    });
    if (await context.driver.running()) {
      const test = await context.driver.test();
      if (!test.ok) {
        await restoreFiles(previous);
        throw new CommandFailure('proxy_config_invalid', test.output || `${context.driver.program} -t failed without saying why`);
      }
      await activateOrRestore(context, previous, `the removal of proxy host ${proxyHostId}`);
    }
    context.logger.info(`Proxy host ${proxyHostId} removed`);
    return create(ProxyRemoveResultSchema, { removed: true });
  });
}
