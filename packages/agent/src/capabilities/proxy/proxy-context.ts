import type { AgentLogger } from '../../logger.js';
import type { ContainerResolver } from '../docker/container-resolver.js';
import type { NginxDriver } from './nginx/nginx-driver.js';
import type { NginxLayout } from './nginx/nginx-layout.js';
import type { SerialQueue } from './serial-queue.js';

/** What every proxy command works with on this host. */
export interface ProxyContext {
  layout: NginxLayout;
  driver: NginxDriver;
  /** Looks up container upstreams; absent when the agent does not use Docker. */
  containers?: ContainerResolver;
  /** Serialises every command that touches nginx's files on this host. */
  queue: SerialQueue;
  logger: AgentLogger;
}
