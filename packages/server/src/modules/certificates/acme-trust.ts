import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { axios as acmeAxios } from 'acme-client';

// acme-client sends every request through one shared axios instance and offers no
// per-client agent (HttpClient.request passes only its own options). So one request
// interceptor, installed once on that instance, gives requests to a directory's origin
// an https.Agent that also trusts the CA configured for it; requests anywhere else (a
// public CA with no extra trust configured) keep axios's default agent.
const agentsByOrigin = new Map<string, Agent>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  acmeAxios.interceptors.request.use((config) => {
    if (config.url && !config.httpsAgent) {
      const agent = agentsByOrigin.get(originOf(config.url));
      if (agent) config.httpsAgent = agent;
    }
    return config;
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * Trusts `caPem` (besides Node's public roots) for HTTPS to the ACME directory's origin:
 * a private CA, or pebble in tests. Calling it again for the same origin replaces the CA.
 */
export function trustCaForDirectory(directoryUrl: string, caPem: string): void {
  install();
  const origin = originOf(directoryUrl);
  agentsByOrigin.get(origin)?.destroy();
  agentsByOrigin.set(origin, new Agent({ ca: [...rootCertificates, caPem], keepAlive: false }));
}
