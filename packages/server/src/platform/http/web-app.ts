import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PageFallback } from './error-handler.js';

/**
 * Paths the server answers itself, and the build's assets: a miss there is a 404, never
 * the web app's page (a stale tab asking for an old bundle must not get HTML as script).
 */
const SERVER_PATHS = /^\/(api|ws|mcp|healthz|readyz|metrics|downloads|install\.sh|assets)(\/|$|\?)/;

/**
 * What a page of ours may load: only itself. Radix positions popovers with inline
 * style attributes and the QR code is a data: URL, hence those two allowances.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** What every HTML page of ours is sent with. */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

function setPageHeaders(response: FastifyReply): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) response.header(name, value);
}

function wantsPage(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !SERVER_PATHS.test(request.url);
}

/**
 * Serves the web app's build at / with history fallback: any GET outside the server's
 * own paths that matches no file answers index.html, so /hosts/123 survives a reload.
 * Returns the fallback the not-found handler calls.
 */
export async function registerWebApp(app: FastifyInstance, webRoot: string | undefined): Promise<PageFallback> {
  const built = webRoot !== undefined && existsSync(join(webRoot, 'index.html'));
  if (built) {
    const assetsDir = `${join(webRoot, 'assets')}${sep}`;
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // Hashed file names under /assets never change; index.html must always be revalidated.
      setHeaders: (response, path) => {
        response.header('Cache-Control', path.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache');
        response.header('X-Content-Type-Options', 'nosniff');
        if (path.endsWith('.html')) setPageHeaders(response);
      },
    });
  }

  return (request, response) => {
    if (!wantsPage(request)) return false;
    if (!built) {
      setPageHeaders(response);
      response
        .status(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>InfraPilot</title><p>The web app is not built. Run <code>npm run build</code>, then reload. The API is at <a href="/api/docs">/api/docs</a>.</p>');
      return true;
    }
    // Through @fastify/static, so setHeaders above gives it the page headers and no-cache.
    void response.sendFile('index.html');
    return true;
  };
}
