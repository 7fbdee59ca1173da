import { ApiError } from '@infrapilot/client';
import type { Agent, Certificate, Container, ProxyHost, ProxyHostInput, ProxyHostInputBody, Role } from '@infrapilot/protocol';
import { vi } from 'vitest';
import { testId } from '../../../testing/api-records';
import type { ProxyApi } from '../proxy-api';

// Test-only: records shaped as the API returns them, and an in-memory stand-in for the proxy API.

export const WEB_HOST = { agentId: testId(11), agentName: 'web-1' };
export const DB_HOST = { agentId: testId(12), agentName: 'db-1' };
/** The pages count days left from the real clock; fixtures expire relative to it. */
export const NOW = Date.now();
const DAY = 86_400_000;

export function inDays(days: number): string {
  return new Date(NOW + days * DAY + 60_000).toISOString();
}

export function makeAgent(overrides: Partial<Agent> & Pick<Agent, 'id' | 'name'>): Agent {
  return {
    hostname: overrides.name,
    status: 'active',
    connected: true,
    version: '0.1.0',
    protocolVersion: 1,
    os: null,
    capabilities: ['docker', 'proxy'],
    lastSeenAt: '2026-01-01T12:00:00.000Z',
    createdAt: '2026-01-01T10:00:00.000Z',
    certificateExpiresAt: null,
    certificateFingerprint: null,
    live: null,
    ...overrides,
  };
}

export const AGENTS = [makeAgent({ id: WEB_HOST.agentId, name: WEB_HOST.agentName }), makeAgent({ id: DB_HOST.agentId, name: DB_HOST.agentName })];

let proxyNumber = 0;

export function makeProxyHost(overrides: Partial<ProxyHost> & Pick<ProxyHost, 'domain'>): ProxyHost {
  proxyNumber += 1;
  return {
    id: testId(2000 + proxyNumber),
    ...WEB_HOST,
    upstream: { kind: 'address', scheme: 'http', host: '127.0.0.1', port: 8080 },
    certificateId: null,
    forceSsl: true,
    http2: true,
    websockets: true,
    clientMaxBodySizeMb: 100,
    securityHeaders: {
      hsts: true,
      hstsMaxAgeSeconds: 31_536_000,
      hstsIncludeSubdomains: false,
      xFrameOptions: 'SAMEORIGIN',
      xContentTypeOptions: true,
      xXssProtection: true,
      contentSecurityPolicy: null,
    },
    rateLimits: [],
    ipRules: [],
    sslEnabled: false,
    sslExpiresAt: null,
    certificate: null,
    status: 'active',
    lastError: null,
    drift: null,
    configHash: 'ab'.repeat(32),
    configPath: `/etc/nginx/conf.d/infrapilot-${testId(2000 + proxyNumber)}.conf`,
    upstreamAddress: '127.0.0.1:8080',
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt: '2026-01-01T11:00:00.000Z',
    ...overrides,
  };
}

let certificateNumber = 0;

export function makeCertificate(overrides: Partial<Certificate> & Pick<Certificate, 'name'>): Certificate {
  certificateNumber += 1;
  return {
    id: testId(3000 + certificateNumber),
    domains: [overrides.name],
    source: 'acme',
    status: 'valid',
    issuer: 'Pebble Intermediate CA',
    serialNumber: '01',
    notBefore: '2025-12-01T00:00:00.000Z',
    expiresAt: inDays(60),
    daysLeft: 60,
    autoRenew: true,
    acmeDirectoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
    agentId: WEB_HOST.agentId,
    lastError: null,
    proxyHosts: [],
    createdAt: '2025-12-01T00:00:00.000Z',
    updatedAt: '2025-12-01T00:00:00.000Z',
    ...overrides,
  };
}

export function makeContainer(overrides: Partial<Container> & Pick<Container, 'name'>): Container {
  return {
    id: testId(4000),
    ...WEB_HOST,
    containerId: `${overrides.name}${'0'.repeat(10)}`,
    image: 'busybox',
    state: 'running',
    statusText: 'Up 5 minutes',
    health: null,
    stack: null,
    stackService: null,
    cpuPercent: null,
    memoryBytes: null,
    memoryLimitBytes: null,
    restartCount: 0,
    exitCode: null,
    ports: [],
    createdAt: null,
    startedAt: null,
    lastSyncedAt: '2026-01-01T12:00:00.000Z',
    ...overrides,
  };
}

/** What a created or updated proxy host looks like: the input, with the record's other fields. */
function fromInput(input: ProxyHostInputBody, base: ProxyHost): ProxyHost {
  const body = input as ProxyHostInput;
  return { ...base, ...body, securityHeaders: body.securityHeaders, rateLimits: body.rateLimits, ipRules: body.ipRules };
}

/**
 * The proxy API as an in-memory server: creating, updating and deleting change what it
 * holds and answer as the real one does. Every method is a spy, so a test can also make
 * one refuse (mockRejectedValueOnce) or check that nothing was sent.
 */
export function fakeProxyApi({
  hosts = [] as ProxyHost[],
  certificates = [] as Certificate[],
  containers = [] as Container[],
}: { hosts?: ProxyHost[]; certificates?: Certificate[]; containers?: Container[] } = {}) {
  let held = [...hosts];
  let heldCertificates = [...certificates];
  const find = (agentId: string, id: string) => {
    const found = held.find((host) => host.agentId === agentId && host.id === id);
    if (!found) throw new ApiError(404, 'not_found', 'Proxy host not found');
    return found;
  };
  const api = {
    proxies: {
      list: vi.fn(async () => ({ items: held, nextCursor: null })),
      get: vi.fn(async (agentId: string, id: string) => find(agentId, id)),
      create: vi.fn(async (agentId: string, body: ProxyHostInputBody) => {
        const agent = AGENTS.find((candidate) => candidate.id === agentId)!;
        const created = fromInput(body, makeProxyHost({ domain: String(body.domain), agentId, agentName: agent.name }));
        held = [...held, created];
        return created;
      }),
      update: vi.fn(async (agentId: string, id: string, body: ProxyHostInputBody) => {
        const updated = fromInput(body, { ...find(agentId, id), status: 'active', drift: null });
        held = held.map((host) => (host.id === id ? updated : host));
        return updated;
      }),
      remove: vi.fn(async (agentId: string, id: string) => {
        find(agentId, id);
        held = held.filter((host) => host.id !== id);
        return { ok: true as const };
      }),
      requestSsl: vi.fn(async (agentId: string, id: string, _request: { source: string }) => {
        const certificate = makeCertificate({ name: find(agentId, id).domain, status: 'pending', expiresAt: null, daysLeft: null });
        const updated = { ...find(agentId, id), certificateId: certificate.id, certificate };
        held = held.map((host) => (host.id === id ? updated : host));
        return updated;
      }),
      config: vi.fn(async (agentId: string, id: string) => {
        const host = find(agentId, id);
        return {
          config: `# Managed by InfraPilot\nserver {\n    listen 80;\n    server_name ${host.domain};\n}\n`,
          configHash: host.configHash ?? 'cd'.repeat(32),
          path: host.configPath ?? '/etc/nginx/conf.d/x.conf',
          storedHash: host.configHash,
          liveHash: host.drift ? 'ef'.repeat(32) : host.configHash,
          drift: host.drift !== null,
        };
      }),
      test: vi.fn(async () => ({ ok: true, output: 'nginx: configuration file /etc/nginx/nginx.conf test is successful', config: 'server { }' })),
      server: vi.fn(async (agentId: string) => ({
        agentId,
        agentName: AGENTS.find((agent) => agent.id === agentId)?.name ?? 'host',
        available: true,
        problem: null,
        server: 'nginx',
        version: '1.22.1',
        running: true,
        configDirectory: '/etc/nginx/conf.d',
        httpPort: 80,
        httpsPort: 443,
        reportedAt: '2026-01-01T12:00:00.000Z',
      })),
    },
    certificates: {
      list: vi.fn(async () => ({ items: heldCertificates, nextCursor: null })),
      upload: vi.fn(async (body: { name?: string; certificatePem: string }) => {
        const created = makeCertificate({ name: body.name ?? 'uploaded.example.com', source: 'uploaded' });
        heldCertificates = [...heldCertificates, created];
        return created;
      }),
      createSelfSigned: vi.fn(async (body: { name?: string; domains: string[]; days?: number }) => {
        const created = makeCertificate({ name: body.name ?? body.domains[0]!, domains: body.domains, source: 'self_signed' });
        heldCertificates = [...heldCertificates, created];
        return created;
      }),
      remove: vi.fn(async (id: string) => {
        heldCertificates = heldCertificates.filter((certificate) => certificate.id !== id);
        return { ok: true as const };
      }),
      renew: vi.fn(async (id: string) => heldCertificates.find((certificate) => certificate.id === id)!),
      acmeSettings: vi.fn(async () => ({ directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', preset: 'letsencrypt' as const, renewBeforeDays: 30 })),
    },
    agents: {
      list: vi.fn(async () => ({ items: AGENTS, nextCursor: null })),
    },
    containers: {
      listOnHost: vi.fn(async (agentId: string) => ({ items: containers.filter((container) => container.agentId === agentId), nextCursor: null })),
    },
  } satisfies ProxyApi;
  return { api, held: () => held, heldCertificates: () => heldCertificates };
}

/** The role the pages' permission checks answer for; set per test. */
export const proxyTestSession = { role: 'operator' as Role };
