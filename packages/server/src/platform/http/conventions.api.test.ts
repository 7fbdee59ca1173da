import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

/** HTTP conventions (DESIGN.md §8) as a plain HTTP peer sees them. */
describe('HTTP conventions', () => {
  let server: TestServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    headers = { authorization: `Bearer ${server.admin.currentTokens!.accessToken}`, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const post = (path: string, body: string, extra: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await post('/api/v1/users', '{"email": ');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ code: 'invalid_json', requestId: expect.any(String) });
  });

  it('answers unknown and wrong fields with 400 validation_failed and their paths', async () => {
    const response = await post('/api/v1/users', JSON.stringify({ email: 'not-an-email', role: 'root', shell: '/bin/sh' }));
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('validation_failed');
    const paths = error.details.map((detail: { path: string }) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(['body.email', 'body.role', 'body.shell']));
  });

  it('answers a body over the limit with 413 and writes nothing', async () => {
    const huge = JSON.stringify({ email: 'big@example.com', role: 'viewer', name: 'x'.repeat(2 * 1024 * 1024) });
    const response = await post('/api/v1/users', huge);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
    const users = await server.admin.users.list({ limit: 200 });
    expect(users.items.some((user) => user.email === 'big@example.com')).toBe(false);
  });

  it('answers an unknown route with 404 route_not_found, and a missing token with 401', async () => {
    const missing = await fetch(`${server.baseUrl}/api/v1/nope`, { headers });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('route_not_found');
    const anonymous = await fetch(`${server.baseUrl}/api/v1/users`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('unauthenticated');
    const wrongScheme = await fetch(`${server.baseUrl}/api/v1/users`, { headers: { authorization: 'Basic YTpi' } });
    expect(wrongScheme.status).toBe(401);
  });

  it('serves /healthz, /readyz and Prometheus /metrics with per-route counts', async () => {
    expect(await (await fetch(`${server.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.baseUrl}/readyz`)).json()).toEqual({ status: 'ready' });
    await fetch(`${server.baseUrl}/api/v1/auth/me`, { headers });
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/infrapilot_http_requests_total\{method="GET",route="\/api\/v1\/auth\/me",status_code="200"\} \d+/);
    expect(metrics).toContain('infrapilot_http_request_duration_seconds_bucket');
  });

  it('publishes an OpenAPI document of every /api/v1 route, and its UI', async () => {
    const document = await (await fetch(`${server.baseUrl}/api/docs/json`)).json();
    expect(document.openapi).toMatch(/^3\./);
    for (const route of server.app.routes.filter((entry) => entry.url.startsWith('/api/v1/'))) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      expect(document.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
    }
    expect(document.paths['/api/v1/users'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('email');
    // The live WebSocket is documented too, with how to authenticate it.
    expect(document.paths['/ws'].get.description).toContain('bearer.');
    const ui = await fetch(`${server.baseUrl}/api/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('tags every reply with a request id', async () => {
    const response = await fetch(`${server.baseUrl}/healthz`);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
