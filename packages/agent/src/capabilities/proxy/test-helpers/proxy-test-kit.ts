// Tests only: what the proxy capability's tests share — specs as the control plane sends
// them, running the handlers as the dispatcher would, and reading the files nginx sees.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ProxyApplyMode,
  ProxyHostSpecSchema,
  type ProxyApplyResult,
  type ProxyChallengeResult,
  type ProxyHostSpec,
  type ProxyRemoveResult,
} from '@infrapilot/protocol/agent';
import { fakeContext, handlerFor, payload } from '../../../test-helpers/docker.js';
import type { AgentProxy } from '../index.js';

const run = promisify(execFile);

// The plain-object form of an init (not a ready message), so that it can be spread.
type SpecInit = Exclude<MessageInitShape<typeof ProxyHostSpecSchema>, ProxyHostSpec>;

/** A plain HTTP proxy host (new id) for `domain`, forwarding to `upstream`; no extra headers or limits. */
export function hostSpec(domain: string, upstream: { host?: string; container?: string; port: number }, overrides: SpecInit = {}): ProxyHostSpec {
  return create(ProxyHostSpecSchema, {
    id: randomUUID(),
    domain,
    upstream: { scheme: 'http', ...upstream },
    websockets: true,
    clientMaxBodySizeMb: 10,
    ...overrides,
  });
}

/** proxy.apply through the capability's handler, as the dispatcher runs it. */
export async function applyHost(proxy: AgentProxy, host: ProxyHostSpec, mode: ProxyApplyMode = ProxyApplyMode.APPLY): Promise<ProxyApplyResult> {
  const result = await handlerFor(proxy.capabilities, 'proxy.apply').handle(payload({ case: 'proxyApply', value: { host, mode } }), fakeContext().context);
  if (result.case !== 'proxyApply') throw new Error(`Expected a proxyApply answer, got ${result.case}`);
  return result.value;
}

/** proxy.remove through the handler. */
export async function removeHost(proxy: AgentProxy, proxyHostId: string): Promise<ProxyRemoveResult> {
  const result = await handlerFor(proxy.capabilities, 'proxy.remove').handle(payload({ case: 'proxyRemove', value: { proxyHostId } }), fakeContext().context);
  if (result.case !== 'proxyRemove') throw new Error(`Expected a proxyRemove answer, got ${result.case}`);
  return result.value;
}

/** proxy.challenge through the handler. */
export async function challenge(proxy: AgentProxy, token: string, keyAuthorization: string, remove = false): Promise<ProxyChallengeResult> {
  const result = await handlerFor(proxy.capabilities, 'proxy.challenge').handle(
    payload({ case: 'proxyChallenge', value: { token, keyAuthorization, remove } }),
    fakeContext().context,
  );
  if (result.case !== 'proxyChallenge') throw new Error(`Expected a proxyChallenge answer, got ${result.case}`);
  return result.value;
}

/** Every file under the given directories, by path, with its bytes: to prove nothing changed. */
export async function filesUnder(...directories: string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const directory of directories) {
    for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      files.set(path, (await readFile(path)).toString('base64'));
    }
  }
  return files;
}

/** A self-signed certificate and key for a name (openssl, EC P-256, one day). */
export async function selfSignedCertificate(name: string): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'infrapilot-cert-'));
  try {
    const key = join(directory, 'key.pem');
    const certificate = join(directory, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-days', '1',
      '-keyout', key, '-out', certificate,
    ]);
    return { certificatePem: await readFile(certificate, 'utf8'), privateKeyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * A busybox httpd container answering `hello-<name>` on port 8080, as argv for
 * startContainer (the image has no index page of its own).
 */
export function httpdCommand(marker: string): string[] {
  return ['sh', '-c', `mkdir -p /www && echo ${marker} > /www/index.html && exec httpd -f -p 8080 -h /www`];
}
