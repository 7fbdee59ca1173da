import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const INDEX_HTML = '<!doctype html><title>InfraPilot test build</title><div id="root"></div><script type="module" src="/assets/app.js"></script>';
const APP_JS = 'console.log("the test build of the web app");';

/** Asserts a reply is the JSON 404 of a route that does not exist, not the web app's page. */
async function expectRouteNotFound(response: Response): Promise<void> {
  expect(response.status).toBe(404);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
}

describeOnBothDialects('web app serving', (dialect) => {
  let server: TestServer;
  let webRoot: string;

  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'infrapilot-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), INDEX_HTML);
    writeFileSync(join(webRoot, 'assets', 'app.js'), APP_JS);
    server = await startTestServer(dialect, undefined, { webRoot });
  });
  afterAll(async () => {
    await server?.destroy();
    rmSync(webRoot, { recursive: true, force: true });
  });

  const get = (path: string, init: RequestInit = {}) => fetch(`${server.baseUrl}${path}`, init);

  it('answers / and any page path (history fallback) with index.html, a strict CSP and no-cache', async () => {
    for (const path of ['/', '/hosts/123', '/api-keys']) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toBe(INDEX_HTML);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
  });

  it('serves hashed assets with a long, immutable cache', async () => {
    const response = await get('/assets/app.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(await response.text()).toBe(APP_JS);
    expect(response.headers.get('cache-control')).toMatch(/immutable/);
    expect(response.headers.get('cache-control')).toMatch(/max-age=31536000/);
  });

  it('answers a missing asset with a 404, not the page (a stale tab must not get HTML as its script)', async () => {
    await expectRouteNotFound(await get('/assets/index-OLDHASH.js'));
  });

  it("keeps answering unknown routes under the server's own paths with the JSON 404, never the page", async () => {
    await expectRouteNotFound(await get('/api/v1/nope'));
    await expectRouteNotFound(await get('/downloads/nope'));
    await expectRouteNotFound(await get('/api/v1/agents/extra/segments/here'));
    await expectRouteNotFound(await get('/api'));
  });

  it('answers anything but GET to a page path with the JSON 404', async () => {
    await expectRouteNotFound(await get('/hosts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    await expectRouteNotFound(await get('/hosts/123', { method: 'DELETE' }));
  });

  it('still answers the health check itself', async () => {
    const response = await get('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describeOnBothDialects('web app not built', (dialect) => {
  let server: TestServer;
  let webRoot: string;

  beforeAll(async () => {
    // A build directory without index.html, as before the first `npm run build`.
    webRoot = mkdtempSync(join(tmpdir(), 'infrapilot-web-'));
    mkdirSync(join(webRoot, 'assets'));
    server = await startTestServer(dialect, undefined, { webRoot });
  });
  afterAll(async () => {
    await server?.destroy();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('answers pages with 503 and a page saying to run npm run build', async () => {
    for (const path of ['/', '/hosts/123']) {
      const response = await fetch(`${server.baseUrl}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('npm run build');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('keeps the API working and its 404 in JSON', async () => {
    await expectRouteNotFound(await fetch(`${server.baseUrl}/api/v1/nope`));
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });
});
