import { ApiError } from '@infrapilot/client';
import type { Container } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { formErrorMessage } from '../../lib/error-text';
import { containerKeys, dropContainer, upsertContainer } from './containers-queries';
import { type DockerApi, useDockerApi } from './docker-api';

export type ContainerAction = 'start' | 'stop' | 'restart' | 'remove';

/** What an action needs to know of a container, whether it comes from the list or from its page. */
export type ContainerTarget = Pick<Container, 'agentId' | 'agentName' | 'containerId' | 'name' | 'state'>;

export interface ActionOutcome {
  target: ContainerTarget;
  /** Why it failed, in the server's words; absent when it went through. */
  failure?: string;
}

export const ACTION_WORDS: Record<ContainerAction, { verb: string; done: string; busy: string }> = {
  start: { verb: 'Start', done: 'Started', busy: 'Starting…' },
  stop: { verb: 'Stop', done: 'Stopped', busy: 'Stopping…' },
  restart: { verb: 'Restart', done: 'Restarted', busy: 'Restarting…' },
  remove: { verb: 'Remove', done: 'Removed', busy: 'Removing…' },
};

/** Several containers are acted on at once, but not so many that one host's agent gets a burst. */
const AT_ONCE = 4;

/**
 * Runs one action on some containers and puts each answer in the cache at once (the list
 * and an open page show the new state before any live event arrives). Never throws: each
 * container's outcome says whether it went through.
 */
export function useContainerActions(): (action: ContainerAction, targets: readonly ContainerTarget[], options?: { force?: boolean }) => Promise<ActionOutcome[]> {
  const dockerApi = useDockerApi();
  const queryClient = useQueryClient();
  return async (action, targets, options = {}) => {
    const outcomes: ActionOutcome[] = [];
    const queue = [...targets];
    const worker = async () => {
      for (let target = queue.shift(); target; target = queue.shift()) {
        try {
          const updated = await callAction(dockerApi, action, target, options.force ?? false);
          if (updated) upsertContainer(queryClient, updated);
          else dropContainer(queryClient, target.agentId, target.containerId, new Date().toISOString());
          outcomes.push({ target });
        } catch (error) {
          outcomes.push({ target, failure: actionErrorText(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, targets.length) }, worker));
    void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
    // Back in the order they were listed, so a summary reads like the list it came from.
    return targets.map((target) => outcomes.find((outcome) => outcome.target === target)!);
  };
}

async function callAction(dockerApi: DockerApi, action: ContainerAction, target: ContainerTarget, force: boolean): Promise<Container | null> {
  const { containers } = dockerApi;
  switch (action) {
    case 'start':
      return containers.start(target.agentId, target.containerId);
    case 'stop':
      return containers.stop(target.agentId, target.containerId);
    case 'restart':
      return containers.restart(target.agentId, target.containerId);
    case 'remove':
      try {
        await containers.remove(target.agentId, target.containerId, { force });
      } catch (error) {
        // Already gone (removed elsewhere meanwhile): what was asked for is true.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      return null;
  }
}

/**
 * The server writes its refusals for people ("Docker is not available on web-1: ...",
 * "This host's policy does not allow remove"), a 503 included: those words are shown.
 */
export function actionErrorText(error: unknown): string {
  if (error instanceof ApiError && error.status >= 400 && error.status !== 401 && error.status !== 404) return error.message;
  return formErrorMessage(error);
}

/** Some containers of a bulk action failed: the message names each with the server's reason. */
export class BulkActionError extends Error {
  constructor(readonly failed: ActionOutcome[]) {
    super(failed.map((outcome) => `${outcome.target.name} on ${outcome.target.agentName}: ${outcome.failure}`).join('\n'));
    this.name = 'BulkActionError';
  }
}
