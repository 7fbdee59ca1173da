import { create } from '@bufbuild/protobuf';
import { ProxyApplyMode, ProxyApplyResultSchema, type ProxyApplyResult, type ProxyHostSpec } from '@infrapilot/protocol/agent';
import { CommandFailure } from '../registry.js';
import { activateOrRestore, asCommandFailure } from './activation.js';
import { FILE_MODES, removeFile, restoreFiles, sha256Hex, snapshotFiles, writeFileAtomic, type FileSnapshot } from './managed-files.js';
import { certificatePathsOf, configPathOf } from './nginx/nginx-layout.js';
import { renderNginxConfig } from './nginx/render-nginx-config.js';
import { serverNameConflictMessage, serverNameConflictOf } from './nginx/server-name-conflict.js';
import type { ProxyContext } from './proxy-context.js';
import { validateProxyHostSpec, type ValidatedProxyHost } from './proxy-host-spec.js';
import { resolveUpstream } from './upstream-resolver.js';
import { prepareDirectories } from './webroot.js';

/**
 * proxy.apply. RENDER answers with the file and touches nothing. TEST writes the host's
 * files, runs `nginx -t` over the whole configuration and puts the previous files back
 * whatever the outcome. APPLY does the same but keeps the files and makes them live
 * (reload, or start when nginx is not running); when nginx refuses them the previous files
 * come back, so one bad host never takes the others down. A refused test answers
 * proxy_config_invalid with nginx's own words; so does a test that passes with nginx
 * warning that another server block already answers for the host's domain.
 */
export async function applyProxyHost(context: ProxyContext, spec: ProxyHostSpec | undefined, mode: ProxyApplyMode, signal: AbortSignal): Promise<ProxyApplyResult> {
  if (!spec) throw new CommandFailure('invalid_argument', 'host: the proxy host spec is missing');
  if (mode !== ProxyApplyMode.APPLY && mode !== ProxyApplyMode.TEST && mode !== ProxyApplyMode.RENDER) {
    throw new CommandFailure('invalid_argument', `mode: expected APPLY, TEST or RENDER, got ${mode}`);
  }
  const host = validateProxyHostSpec(spec);
  await context.driver.requireAvailable();
  return context.queue.run(async () => {
    throwIfCancelled(signal);
    const upstreamAddress = await resolveUpstream(host.upstream, context.containers, signal);
    const config = renderNginxConfig({ host, upstreamAddress }, context.layout);
    const paths = pathsOf(context, host);
    const result = create(ProxyApplyResultSchema, {
      config,
      configHash: sha256Hex(config),
      path: paths.config,
      upstreamAddress,
      certificatePath: host.ssl ? paths.certificate : '',
      privateKeyPath: host.ssl ? paths.privateKey : '',
    });
    if (mode === ProxyApplyMode.RENDER) return result;
    throwIfCancelled(signal);

    // From here on the steps are not cancelled half-way: a cancelled nginx -t between
    // "written" and "restored" would leave files nobody tested.
    await prepareDirectories(context.layout);
    const previous = await snapshotFiles([paths.config, paths.certificate, paths.privateKey]);
    await withRestoreOnFailure(previous, () => writeHostFiles(host, config, paths));
    const test = await context.driver.test();
    if (!test.ok) {
      await restoreFiles(previous);
      throw new CommandFailure('proxy_config_invalid', test.output || `${context.driver.program} -t failed without saying why`);
    }
    const conflict = serverNameConflictOf(test.output, host.domain);
    if (conflict !== undefined) {
      await restoreFiles(previous);
      throw new CommandFailure('proxy_config_invalid', serverNameConflictMessage(conflict, host.domain));
    }
    result.testOutput = test.output;
    if (mode === ProxyApplyMode.TEST) {
      await restoreFiles(previous);
      return result;
    }
    await activateOrRestore(context, previous, `proxy host ${host.domain} (${host.id})`);
    context.logger.info(`Proxy host ${host.domain} (${host.id}) applied: ${paths.config} → ${upstreamAddress}`);
    return result;
  });
}

interface HostPaths {
  config: string;
  certificate: string;
  privateKey: string;
}

function pathsOf(context: ProxyContext, host: ValidatedProxyHost): HostPaths {
  const { certificate, privateKey } = certificatePathsOf(context.layout, host.id);
  return { config: configPathOf(context.layout, host.id), certificate, privateKey };
}

// The certificate first: a config naming a certificate that is not there yet fails its test.
async function writeHostFiles(host: ValidatedProxyHost, config: string, paths: HostPaths): Promise<void> {
  if (host.ssl && host.certificate) {
    await writeFileAtomic(paths.certificate, host.certificate.certificatePem, FILE_MODES.public);
    await writeFileAtomic(paths.privateKey, host.certificate.privateKeyPem, FILE_MODES.private);
  } else {
    // A host that stopped serving HTTPS keeps no key lying around.
    await removeFile(paths.certificate);
    await removeFile(paths.privateKey);
  }
  await writeFileAtomic(paths.config, config, FILE_MODES.public);
}

/** Runs a step; if it throws, the snapshot is put back before the error goes on. */
export async function withRestoreOnFailure<T>(previous: readonly FileSnapshot[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await restoreFiles(previous);
    throw asCommandFailure(error);
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CommandFailure('cancelled', 'Cancelled');
}
