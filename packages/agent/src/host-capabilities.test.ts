import { ProxyApplyMode } from '@infrapilot/protocol/agent';
import { afterEach, describe, expect, it } from 'vitest';
import { applyHost, hostSpec } from './capabilities/proxy/test-helpers/proxy-test-kit.js';
import { createHostCapabilities, type HostCapabilities } from './host-capabilities.js';
import { silentLogger } from './logger.js';
import { parsePolicy } from './policy.js';
import { failureOf } from './test-helpers/docker.js';

describe('createHostCapabilities', () => {
  let host: HostCapabilities | undefined;

  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it('serves docker, exec and proxy, with Docker and proxy state on heartbeats', () => {
    host = createHostCapabilities({ policy: parsePolicy({}, '/tmp/agent.yaml'), logger: silentLogger });
    expect(host.runtimeOptions.capabilities?.map((capability) => capability.name)).toEqual(['docker', 'exec', 'proxy']);
    expect(host.runtimeOptions.docker).toBe(host.docker.state);
    expect(host.runtimeOptions.proxy).toBe(host.proxy.state);
  });

  it('sends no proxy state where the policy turns the proxy capability off', () => {
    host = createHostCapabilities({ policy: parsePolicy({ capabilities: { proxy: false } }, '/tmp/agent.yaml'), logger: silentLogger });
    expect(host.runtimeOptions.proxy).toBeUndefined();
    expect(host.runtimeOptions.docker).toBeDefined();
  });

  it('does not let the proxy look into containers where the policy turns docker off', async () => {
    host = createHostCapabilities({ policy: parsePolicy({ capabilities: { docker: false } }, '/tmp/agent.yaml'), policyPath: '/tmp/agent.yaml', logger: silentLogger });
    expect(host.runtimeOptions.docker).toBeUndefined();
    // RENDER writes nothing, so this runs against the default (Debian) layout safely.
    const refusal = await failureOf(applyHost(host.proxy, hostSpec('app.test', { container: 'web', port: 80 }), ProxyApplyMode.RENDER));
    expect(refusal.code).toBe('docker_unavailable');
    expect(refusal.message).toMatch(/docker capability is off/);
  });
});
