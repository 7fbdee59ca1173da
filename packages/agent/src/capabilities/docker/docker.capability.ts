import type { AgentPolicy } from '../../policy.js';
import type { Capability } from '../registry.js';
import { containerActionHandler, stackActionHandler } from './container-actions.js';
import { containerLogsHandler, type LogStreamOptions } from './container-logs.js';
import { containerInspectHandler, containerListHandler, containerStatsHandler } from './container-queries.js';
import type { DockerEngine } from './docker-engine.js';
import type { DockerMonitor } from './docker-monitor.js';
import { dockerResourcesHandler } from './docker-resources.js';

export interface DockerCapabilityOptions {
  engine: DockerEngine;
  monitor: DockerMonitor;
  policy: AgentPolicy;
  policyPath?: string;
  logs?: LogStreamOptions;
}

/** Containers, stacks, logs and the image/volume/network lists of the local Docker Engine. */
export function dockerCapability(options: DockerCapabilityOptions): Capability {
  const { engine, monitor } = options;
  return {
    name: 'docker',
    handlers: [
      containerListHandler(monitor),
      containerInspectHandler(engine),
      containerActionHandler(options),
      containerLogsHandler(engine, options.logs),
      containerStatsHandler(engine),
      stackActionHandler(options),
      dockerResourcesHandler(engine),
    ],
  };
}
