import type { ProxyHost } from '@infrapilot/protocol';

/** A proxy host as the API returns it: app.example.com on web-1 to http://10.0.0.5:8080, default settings, HTTP only, never applied. */
export function sampleProxyHost(overrides: Partial<ProxyHost> = {}): ProxyHost {
  return {
    id: '0190a8b0-0000-7000-8000-0000000000aa',
    agentId: '0190a8b0-0000-7000-8000-000000000001',
    agentName: 'web-1',
    domain: 'app.example.com',
    upstream: { kind: 'address', scheme: 'http', host: '10.0.0.5', port: 8080 },
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
    configHash: null,
    configPath: null,
    upstreamAddress: null,
    createdAt: '2025-03-01T11:00:00.000Z',
    updatedAt: '2025-03-01T11:00:00.000Z',
    ...overrides,
  };
}
