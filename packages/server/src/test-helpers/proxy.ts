// Tests of the proxies API against real components: a real agent with the docker, exec
// and proxy capabilities, driving a test nginx (packages/agent/src/test-helpers/nginx.ts)
// on free loopback ports, and busybox httpd containers as upstreams.
import { createDocker, createProxy, silentLogger, type AgentDocker, type AgentPolicy, type AgentProxy, type AgentRuntimeOptions } from '@infrapilot/agent';
import type { TestNginx } from '@infrapilot/agent/test-helpers/nginx';
import type { InfraPilotClient } from '@infrapilot/client';
import { docker, testPolicy, type TestContainers } from './docker.js';
import { eventually, runTestAgent, startTestAgent, type TestAgent } from './test-agent.js';

export { startTestNginx, NO_PROXY_HOST_BODY, type TestNginx } from '@infrapilot/agent/test-helpers/nginx';

export type ProxyTestAgent = TestAgent & { docker: AgentDocker; proxy: AgentProxy; policy: AgentPolicy };

/**
 * A real agent (real enrollment, real mTLS) with docker, exec and proxy, whose policy's
 * `proxy` section is the test nginx's (or `proxyPolicy`, e.g. one naming a missing
 * nginx binary to play a host without nginx).
 */
export async function startProxyAgent(
  client: InfraPilotClient,
  name: string,
  options: { nginx?: TestNginx; proxyPolicy?: AgentPolicy['proxy']; policy?: AgentPolicy },
): Promise<ProxyTestAgent> {
  const policy = structuredClone(options.policy ?? testPolicy({ exec: true }));
  const proxyPolicy = options.proxyPolicy ?? options.nginx?.proxyPolicy;
  if (!proxyPolicy) throw new Error('startProxyAgent needs a test nginx or a proxy policy');
  policy.proxy = structuredClone(proxyPolicy);
  return runProxyAgent(policy, (agentOptions) => startTestAgent(client, name, agentOptions));
}

/**
 * The same agent (its enrolled state dir) run again after stop(): a host coming back.
 * `policy` replaces its policy (e.g. one that switches the proxy capability off).
 */
export function restartProxyAgent(agent: ProxyTestAgent, options: { policy?: AgentPolicy } = {}): Promise<ProxyTestAgent> {
  return runProxyAgent(structuredClone(options.policy ?? agent.policy), async (agentOptions) => runTestAgent(agent.agentId, agent.stateDir, agentOptions));
}

/** Builds the docker and proxy capabilities for the policy and runs an agent with them; stop() and destroy() close them too. */
async function runProxyAgent(policy: AgentPolicy, run: (options: Partial<AgentRuntimeOptions>) => Promise<TestAgent>): Promise<ProxyTestAgent> {
  const dockerCapability = createDocker({ policy, logger: silentLogger });
  // Small deadlines: a test that breaks nginx should fail in seconds, not minutes.
  const proxy = createProxy({ policy, logger: silentLogger, containers: dockerCapability.containers, programTimeoutMs: 20_000, settleTimeoutMs: 10_000 });
  const closeCapabilities = async () => {
    await proxy.close();
    await dockerCapability.close();
  };
  try {
    const agent = await run({
      capabilities: [...dockerCapability.capabilities, ...proxy.capabilities],
      docker: dockerCapability.state,
      proxy: proxy.state,
      policy,
    });
    return {
      ...agent,
      docker: dockerCapability,
      proxy,
      policy,
      async stop() {
        await agent.stop();
        await closeCapabilities();
      },
      async destroy() {
        await agent.destroy();
        await closeCapabilities();
      },
    };
  } catch (error) {
    await closeCapabilities();
    throw error;
  }
}

/** Waits until the agent is connected and has reported its proxy (so 503s come from its report). */
export async function proxyReported(client: InfraPilotClient, agentId: string): Promise<void> {
  await eventually(async () => (await client.agents.get(agentId)).connected, 'the proxy agent connects');
  await eventually(() => client.proxies.server(agentId).catch(() => undefined), 'the agent reports its reverse proxy', 15_000);
}

/** A container's IP on its first network (the default bridge, or the one it was run on); undefined while it has none. */
export async function containerIp(name: string): Promise<string | undefined> {
  const addresses = await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', name]);
  return addresses.split(' ').find((address) => address.length > 0);
}

/** A busybox httpd container answering every path under / with `marker`, on its own IP, port 8080. */
export interface UpstreamContainer {
  name: string;
  id: string;
  ip: string;
  port: number;
}

export const UPSTREAM_PORT = 8080;

/**
 * Runs a busybox httpd container whose index.html is `marker` (passed in the environment,
 * never through a shell string), and waits until it answers on its bridge IP.
 */
export async function startUpstreamContainer(containers: TestContainers, marker: string, flags: string[] = []): Promise<UpstreamContainer> {
  const { name, id } = await containers.run(
    'upstream',
    ['sh', '-c', `mkdir -p /www && printf '%s' "$MARKER" > /www/index.html && exec busybox httpd -f -p ${UPSTREAM_PORT} -h /www`],
    ['-e', `MARKER=${marker}`, ...flags],
  );
  const ip = await eventually(() => containerIp(name), `${name} gets an IP`);
  await eventually(
    async () => {
      const response = await fetch(`http://${ip}:${UPSTREAM_PORT}/`, { signal: AbortSignal.timeout(2_000) });
      return (await response.text()) === marker;
    },
    `${name} serves its marker on ${ip}:${UPSTREAM_PORT}`,
    20_000,
  );
  return { name, id, ip, port: UPSTREAM_PORT };
}
