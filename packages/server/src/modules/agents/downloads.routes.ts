import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Placeholder until the installer lands: /install.sh and /downloads/agent.js. */
export const downloadsRoutes: FastifyPluginAsyncZod<{ agentBundlePath: string | undefined; publicUrl: string; agentServerUrl: () => string }> = async () => {};
