import { describe, expect, it } from 'vitest';
import { loggableUrl, serializeRequestForLog } from './request-log.js';

const AGENT = '0192f1a2-0000-7000-8000-000000000001';

describe('the request log', () => {
  // Regression: the exec socket's command (here with a password) was written to the request log with req.url.
  it('keeps the path but not the query of the exec socket and the log stream', () => {
    expect(loggableUrl(`/api/v1/agents/${AGENT}/containers/db/exec?command=mysql&command=-pSECRET&tty=true&org=default`)).toBe(`/api/v1/agents/${AGENT}/containers/db/exec`);
    expect(loggableUrl(`/api/v1/agents/${AGENT}/containers/web/logs/stream?tail=0&since=2025-01-01T00:00:00Z`)).toBe(`/api/v1/agents/${AGENT}/containers/web/logs/stream`);
  });

  it('also strips near misses of those routes: trailing slash, other case, percent-encoding', () => {
    for (const path of [
      `/api/v1/agents/${AGENT}/containers/db/exec/`,
      `/api/v1/agents/${AGENT}/containers/db/EXEC`,
      `/api/v1/agents/${AGENT}/containers/db/%65xec`,
      `/api/v1/agents/${AGENT}/containers/d%2Fb/exec`,
      `/api/v1/agents/${AGENT}/containers/db/logs%2Fstream`,
      `/api/v1/agents/${AGENT}/containers/db/exec;x`,
      `/api/v1/agents/${AGENT}/containers/%E0%A4%A/exec`,
    ]) {
      expect(loggableUrl(`${path}?command=secret`)).toBe(path);
    }
  });

  it('keeps the query of every other URL, which helps reading the log', () => {
    for (const url of [
      `/api/v1/containers?name=web&limit=2`,
      `/api/v1/agents/${AGENT}/containers/web/logs?tail=100&before=abc`,
      `/api/v1/agents/${AGENT}/containers/executor?x=1`,
      '/healthz',
      `/api/v1/agents/${AGENT}/containers/db/exec`,
    ]) {
      expect(loggableUrl(url)).toBe(url);
    }
  });

  it("serializes a request with Fastify's fields, the URL made loggable", () => {
    const logged = serializeRequestForLog({
      method: 'GET',
      url: `/api/v1/agents/${AGENT}/containers/db/exec?command=mysql&command=-pSECRET`,
      headers: { 'accept-version': '1' },
      host: '127.0.0.1:8080',
      ip: '127.0.0.1',
      socket: { remotePort: 50_000 },
    });
    expect(logged).toEqual({ method: 'GET', url: `/api/v1/agents/${AGENT}/containers/db/exec`, version: '1', host: '127.0.0.1:8080', remoteAddress: '127.0.0.1', remotePort: 50_000 });
    expect(JSON.stringify(logged)).not.toContain('SECRET');
  });
});
