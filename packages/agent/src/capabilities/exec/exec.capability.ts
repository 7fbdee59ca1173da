import type { DockerEngine } from '../docker/docker-engine.js';
import type { Capability } from '../registry.js';
import { containerExecHandler, type ExecStreamOptions } from './container-exec.js';

/**
 * A shell or a command in a container. Its own capability because the host owner decides
 * it separately (policy capabilities.exec, off unless the policy file turns it on).
 */
export function execCapability(engine: DockerEngine, options: ExecStreamOptions = {}): Capability {
  return { name: 'exec', handlers: [containerExecHandler(engine, options)] };
}
