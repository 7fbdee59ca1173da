import type Dockerode from 'dockerode';
import type { DockerEngine } from './docker-engine.js';

/**
 * What other capabilities may ask of the local Docker Engine about one container: the
 * proxy capability resolves a container upstream through it at every apply.
 */
export interface ContainerResolver {
  /**
   * Docker's inspect of a container by name or id. Throws CommandFailure: not_found
   * ('No container "x" on this host'), docker_unavailable, or another Docker failure.
   */
  inspect(ref: string, signal?: AbortSignal): Promise<Dockerode.ContainerInspectInfo>;
}

/** A ContainerResolver on the agent's DockerEngine (deadline and error codes included). */
export function containerResolverOf(engine: DockerEngine): ContainerResolver {
  return {
    inspect: (ref, signal) =>
      engine.call((callSignal) => engine.client.getContainer(ref).inspect({ abortSignal: callSignal }), { ...(signal ? { signal } : {}), container: ref }),
  };
}
