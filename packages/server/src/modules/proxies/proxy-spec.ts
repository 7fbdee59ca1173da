import { create } from '@bufbuild/protobuf';
import type { ProxyHostInput } from '@infrapilot/protocol';
import {
  ProxyCertificateSchema,
  ProxyHostSpecSchema,
  ProxyIpRuleSchema,
  ProxyRateLimitSchema,
  ProxySecurityHeadersSchema,
  ProxyUpstreamSchema as ProxyUpstreamMessageSchema,
  type ProxyHostSpec,
} from '@infrapilot/protocol/agent';
import { rulesInApplyOrder } from './proxies.mapping.js';

/** A certificate and its key, in PEM, for the agent to deploy next to the host's file. */
export interface CertificateMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * What the agent renders a proxy host from: the validated input, with the certificate
 * when HTTPS is to be served. Disabled rate limits are left out (the file has no zone
 * for them); IP rules go in the order nginx applies them.
 */
export function specOf(proxyHostId: string, input: ProxyHostInput, certificate: CertificateMaterial | undefined): ProxyHostSpec {
  const { upstream, securityHeaders: headers } = input;
  return create(ProxyHostSpecSchema, {
    id: proxyHostId,
    domain: input.domain,
    upstream: create(ProxyUpstreamMessageSchema, {
      scheme: upstream.scheme,
      host: upstream.kind === 'address' ? upstream.host : '',
      container: upstream.kind === 'container' ? upstream.container : '',
      port: upstream.port,
    }),
    ssl: certificate !== undefined,
    forceSsl: input.forceSsl,
    http2: input.http2,
    websockets: input.websockets,
    clientMaxBodySizeMb: input.clientMaxBodySizeMb,
    headers: create(ProxySecurityHeadersSchema, {
      hsts: headers.hsts,
      hstsMaxAgeSeconds: headers.hstsMaxAgeSeconds,
      hstsIncludeSubdomains: headers.hstsIncludeSubdomains,
      xFrameOptions: headers.xFrameOptions ?? '',
      xContentTypeOptions: headers.xContentTypeOptions,
      xXssProtection: headers.xXssProtection,
      contentSecurityPolicy: headers.contentSecurityPolicy ?? '',
    }),
    rateLimits: input.rateLimits
      .filter((limit) => limit.enabled)
      .map((limit) => create(ProxyRateLimitSchema, { requests: limit.requests, per: limit.per, burst: limit.burst })),
    ipRules: rulesInApplyOrder(input.ipRules).map((rule) => create(ProxyIpRuleSchema, { cidr: rule.cidr, allow: rule.action === 'allow' })),
    ...(certificate ? { certificate: create(ProxyCertificateSchema, certificate) } : {}),
  });
}
