// Tests only: proxy host specs as the control plane sends them, with readable defaults.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ProxyHostSpecSchema, type ProxyHostSpec } from '@infrapilot/protocol/agent';

/** PEM-shaped text: enough for validation, which never parses the key material. */
export const FAKE_CERTIFICATE_PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
export const FAKE_PRIVATE_KEY_PEM = '-----BEGIN PRIVATE KEY-----\nMIGHfake\n-----END PRIVATE KEY-----\n';

type SpecInit = MessageInitShape<typeof ProxyHostSpecSchema>;

const DEFAULTS: SpecInit = {
  id: '01920000-0000-7000-8000-000000000001',
  domain: 'app.example.com',
  upstream: { scheme: 'http', host: '10.0.0.5', port: 8080 },
  ssl: false,
  forceSsl: true,
  http2: true,
  websockets: true,
  clientMaxBodySizeMb: 100,
  headers: { hsts: true, hstsMaxAgeSeconds: 31_536_000, xFrameOptions: 'SAMEORIGIN', xContentTypeOptions: true, xXssProtection: true },
};

// Each field named in `overrides` replaces the spec's own (an explicit undefined clears it).
function withOverrides(spec: ProxyHostSpec, overrides: SpecInit): ProxyHostSpec {
  const changed = create(ProxyHostSpecSchema, overrides);
  for (const key of Object.keys(overrides)) (spec as unknown as Record<string, unknown>)[key] = changed[key as keyof ProxyHostSpec];
  return spec;
}

/** A plain HTTP host forwarding app.example.com to 10.0.0.5:8080 with the API's default headers, changed by `overrides`. */
export function proxyHostSpec(overrides: SpecInit = {}): ProxyHostSpec {
  return withOverrides(create(ProxyHostSpecSchema, DEFAULTS), overrides);
}

/** The same with ssl on and a (fake) certificate attached. */
export function sslProxyHostSpec(overrides: SpecInit = {}): ProxyHostSpec {
  const ssl = proxyHostSpec({ ssl: true, certificate: { certificatePem: FAKE_CERTIFICATE_PEM, privateKeyPem: FAKE_PRIVATE_KEY_PEM } });
  return withOverrides(ssl, overrides);
}
