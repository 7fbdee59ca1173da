import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { axios as acmeAxios } from 'acme-client';

/** How long one request to the CA may go without an answer, unless an order says otherwise. */
export const ACME_REQUEST_TIMEOUT_MS = 30_000;

// acme-client sends every request through one shared axios instance and offers no
// per-client options (HttpClient.request passes only its own). So one request
// interceptor, installed once on that instance, gives every request a timeout (a CA that
// accepts the connection and never answers would otherwise hold an order, and the
// shutdown waiting for it, for ever) and gives requests to a directory's origin an
// https.Agent that also trusts the CA configured for it; requests anywhere else (a public
// CA with no extra trust configured) keep axios's default agent. An order's own timeout
// reaches the interceptor through the async context of its requests.
//
// acme-client's own error interceptor reads the response of an error it does not retry
// (a timeout) or no longer retries (a refused connection, five times), and, there being
// none, throws "Cannot read properties of undefined". A second interceptor, put before
// it, turns those errors into ones that say what happened and carry no request config,
// which it hands on untouched.
const agentsByOrigin = new Map<string, Agent>();
const orderOptions = new AsyncLocalStorage<{ requestTimeoutMs: number }>();
let installed = false;

/** Installs the interceptor on acme-client's axios instance; calling it again does nothing. */
export function installAcmeHttpDefaults(): void {
  if (installed) return;
  installed = true;
  acmeAxios.interceptors.request.use((config) => {
    // Not `timeout ||=`: axios's default is 0, "no timeout".
    if (!config.timeout) config.timeout = orderOptions.getStore()?.requestTimeoutMs ?? ACME_REQUEST_TIMEOUT_MS;
    if (config.url && !config.httpsAgent) {
      const agent = agentsByOrigin.get(originOf(config.url));
      if (agent) config.httpsAgent = agent;
    }
    return config;
  });
  acmeAxios.interceptors.response.handlers?.unshift({ fulfilled: (response) => response, rejected: explainUnanswered, synchronous: false, runWhen: null });
}

function explainUnanswered(error: unknown): Promise<never> {
  // An AxiosError, as far as it is read here.
  const failed = error as { code?: string; message?: string; response?: unknown; config?: { retryAttempt?: number; method?: string; url?: string; timeout?: number } };
  if (!failed.config || failed.response) return Promise.reject(error);
  const retries = (acmeAxios.defaults as { acmeSettings?: { retryMaxAttempts?: number } }).acmeSettings?.retryMaxAttempts ?? 5;
  const request = `${(failed.config.method ?? 'get').toUpperCase()} ${failed.config.url ?? ''}`;
  // axios's code for its own timeout, which acme-client does not retry.
  if (failed.code === 'ECONNABORTED' && failed.config.timeout) {
    return Promise.reject(new Error(`The ACME server did not answer ${request} within ${(failed.config.timeout ?? 0) / 1000} s`, { cause: error }));
  }
  if ((failed.config.retryAttempt ?? 0) >= retries) {
    return Promise.reject(new Error(`${request} failed: ${failed.message ?? String(error)}`, { cause: error }));
  }
  return Promise.reject(error);
}

/** Runs `work` (an order) with its requests timing out after `requestTimeoutMs`. */
export function withAcmeRequestTimeout<T>(requestTimeoutMs: number, work: () => Promise<T>): Promise<T> {
  installAcmeHttpDefaults();
  return orderOptions.run({ requestTimeoutMs }, work);
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
  installAcmeHttpDefaults();
  const origin = originOf(directoryUrl);
  agentsByOrigin.get(origin)?.destroy();
  agentsByOrigin.set(origin, new Agent({ ca: [...rootCertificates, caPem], keepAlive: false }));
}
