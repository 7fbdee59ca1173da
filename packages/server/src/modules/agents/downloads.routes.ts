import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../errors.js';
import { loadInstallScriptTemplate, renderInstallScript } from './install-script.js';

export interface DownloadsOptions {
  /** The single-file agent (packages/agent/dist/agent.bundle.js); undefined when none was configured. */
  agentBundlePath: string | undefined;
  publicUrl: string;
  /** A function: with a gRPC port of 0 the URL is known only once the gateway listens. */
  agentServerUrl: () => string;
}

interface BundleFacts {
  path: string;
  size: number;
  sha256: string;
}

/**
 * The agent bundle's size and sha256, hashed again only when the file changed (a
 * rebuild while the server runs), not on every download.
 */
function bundleFacts(path: string | undefined) {
  let cached: (BundleFacts & { mtimeMs: number }) | undefined;
  return async (): Promise<BundleFacts | undefined> => {
    if (path === undefined) return undefined;
    const stats = await stat(path).catch(() => undefined);
    if (!stats?.isFile()) return undefined;
    if (cached?.mtimeMs !== stats.mtimeMs || cached.size !== stats.size) {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      cached = { path, size: stats.size, sha256: hash.digest('hex'), mtimeMs: stats.mtimeMs };
    }
    return cached;
  };
}

/**
 * /install.sh and /downloads/agent.js, public and outside /api/v1: a host being
 * installed has no credentials yet. Nothing secret is served — the enrollment token
 * travels only in the command line the admin copies.
 */
export const downloadsRoutes: FastifyPluginAsyncZod<DownloadsOptions> = async (app, options) => {
  const tags = ['agents'];
  const currentBundle = bundleFacts(options.agentBundlePath);
  const template = await loadInstallScriptTemplate();
  if (template === undefined) app.log.warn('deploy/install.sh not found: /install.sh will answer 404');
  const missingBundleMessage =
    options.agentBundlePath === undefined
      ? 'This control plane serves no agent bundle: build it with `npm run build` (or point INFRAPILOT_AGENT_BUNDLE at one)'
      : 'The agent bundle has not been built: run `npm run build` on the control plane';

  app.get('/install.sh', {
    config: { access: 'public' },
    schema: {
      tags,
      security: [],
      summary: 'The one-line installer: `curl -fsSL <url>/install.sh | sh -s -- --token ... --ca-hash ...`',
    },
    handler: async (_request, response) => {
      if (template === undefined) throw new NotFoundError('Installer', 'This installation has no deploy/install.sh to serve');
      const bundle = await currentBundle();
      const script = renderInstallScript(template, {
        publicUrl: options.publicUrl,
        agentServerUrl: options.agentServerUrl(),
        agentSha256: bundle?.sha256,
      });
      // The script names the bundle's checksum, which changes with every build.
      return response.type('text/x-shellscript; charset=utf-8').header('Cache-Control', 'no-cache').send(script);
    },
  });

  app.get('/downloads/agent.js', {
    config: { access: 'public' },
    schema: {
      tags,
      security: [],
      summary: 'The single-file agent (Node.js >= 22); X-Checksum-Sha256 carries its sha256',
    },
    handler: async (request, response) => {
      const bundle = await currentBundle();
      if (!bundle) {
        request.log.warn({ agentBundlePath: options.agentBundlePath }, 'agent bundle missing');
        throw new NotFoundError('Agent bundle', missingBundleMessage);
      }
      const etag = `"sha256-${bundle.sha256}"`;
      response.header('ETag', etag).header('X-Checksum-Sha256', bundle.sha256).header('Cache-Control', 'no-cache');
      if (request.headers['if-none-match'] === etag) return response.status(304).send();
      return response
        .type('application/javascript; charset=utf-8')
        .header('Content-Length', bundle.size)
        .send(createReadStream(bundle.path));
    },
  });
};
