import { create } from '@bufbuild/protobuf';
import { ContainerActionResultSchema, StackActionResultSchema, type ContainerState } from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import { DEFAULT_POLICY_PATH, dockerActionAllowed, type AgentPolicy, type DockerActionName } from '../../policy.js';
import { CommandFailure, type CommandHandler } from '../registry.js';
import { COMPOSE_PROJECT_LABEL, readContainer, toContainerState } from './container-state.js';
import { actionName, commandOf, containerRef, stackName } from './docker-input.js';
import { DEFAULT_CALL_TIMEOUT_MS, isNotModified, type DockerEngine } from './docker-engine.js';
import type { DockerMonitor } from './docker-monitor.js';

export interface ActionDependencies {
  engine: DockerEngine;
  monitor: DockerMonitor;
  policy: AgentPolicy;
  /** Named in refusals, so the host owner knows which file to change. */
  policyPath?: string;
}

// Docker's own grace period before SIGKILL when none is given.
const DOCKER_DEFAULT_STOP_SECONDS = 10;

function ensureAllowed(dependencies: ActionDependencies, action: DockerActionName): void {
  if (dockerActionAllowed(dependencies.policy, action)) return;
  throw new CommandFailure(
    'forbidden_by_policy',
    `The policy file (${dependencies.policyPath ?? DEFAULT_POLICY_PATH}) does not allow "${action}" (docker.actions)`,
  );
}

/** Takes one action on one container; "already started/stopped" (HTTP 304) counts as done. */
async function perform(
  engine: DockerEngine,
  container: Dockerode.Container,
  action: DockerActionName,
  options: { timeoutSeconds: number; force?: boolean; removeVolumes?: boolean; signal: AbortSignal; ref: string },
): Promise<void> {
  const grace = options.timeoutSeconds > 0 ? { t: options.timeoutSeconds } : {};
  // A stop may take its whole grace period before Docker answers.
  const timeoutMs = DEFAULT_CALL_TIMEOUT_MS + (options.timeoutSeconds || DOCKER_DEFAULT_STOP_SECONDS) * 1000;
  await engine.call(
    async (signal) => {
      try {
        switch (action) {
          case 'start':
            await container.start({ abortSignal: signal });
            return;
          case 'stop':
            await container.stop({ ...grace, abortSignal: signal });
            return;
          case 'restart':
            await container.restart({ ...grace, abortSignal: signal });
            return;
          case 'remove':
            await container.remove({ force: options.force === true, v: options.removeVolumes === true, abortSignal: signal });
            return;
        }
      } catch (error) {
        if (isNotModified(error)) return;
        throw error;
      }
    },
    { signal: options.signal, container: options.ref, timeoutMs },
  );
}

async function freshState(dependencies: ActionDependencies, ref: string, signal: AbortSignal): Promise<ContainerState | undefined> {
  const reading = await readContainer(dependencies.engine, ref, { signal });
  return reading && toContainerState(reading.entry, reading.details, dependencies.monitor.usageOf(reading.entry.Id));
}

/** container.action: start, stop, restart or remove one container, within the policy. */
export function containerActionHandler(dependencies: ActionDependencies): CommandHandler {
  return {
    command: 'container.action',
    handle: async (payload, context) => {
      const command = commandOf(payload, 'containerAction');
      const ref = containerRef(command.container);
      const action = actionName(command.action);
      ensureAllowed(dependencies, action);
      const { engine } = dependencies;
      await perform(engine, engine.client.getContainer(ref), action, {
        timeoutSeconds: command.timeoutSeconds,
        force: command.force,
        removeVolumes: command.removeVolumes,
        signal: context.signal,
        ref,
      });
      const state = action === 'remove' ? undefined : await freshState(dependencies, ref, context.signal);
      return { case: 'containerAction', value: create(ContainerActionResultSchema, state ? { state } : {}) };
    },
  };
}

/** stack.action: start, stop or restart every container of a compose project at once. */
export function stackActionHandler(dependencies: ActionDependencies): CommandHandler {
  return {
    command: 'stack.action',
    handle: async (payload, context) => {
      const command = commandOf(payload, 'stackAction');
      const project = stackName(command.project);
      const action = actionName(command.action);
      if (action === 'remove') throw new CommandFailure('invalid_argument', 'A stack can be started, stopped or restarted; remove its containers one by one');
      ensureAllowed(dependencies, action);
      const { engine } = dependencies;
      const entries = await engine.call(
        (signal) => engine.client.listContainers({ all: true, filters: { label: [`${COMPOSE_PROJECT_LABEL}=${project}`] }, abortSignal: signal }),
        { signal: context.signal },
      );
      if (entries.length === 0) throw new CommandFailure('not_found', `No stack "${project}" on this host (no container has the label ${COMPOSE_PROJECT_LABEL}=${project})`);
      const outcomes = await Promise.allSettled(
        entries.map((entry) =>
          perform(engine, engine.client.getContainer(entry.Id), action, { timeoutSeconds: command.timeoutSeconds, signal: context.signal, ref: entry.Id }),
        ),
      );
      const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
      if (failed >= 0) {
        const reason = (outcomes[failed] as PromiseRejectedResult).reason as unknown;
        const name = (entries[failed]!.Names?.[0] ?? entries[failed]!.Id).replace(/^\//, '');
        if (reason instanceof CommandFailure) throw new CommandFailure(reason.code, `${name}: ${reason.message}`);
        throw reason;
      }
      const states = await Promise.all(entries.map((entry) => freshState(dependencies, entry.Id, context.signal)));
      const containers = states.filter((state): state is ContainerState => state !== undefined).sort((a, b) => a.name.localeCompare(b.name));
      return { case: 'stackAction', value: create(StackActionResultSchema, { containers }) };
    },
  };
}
