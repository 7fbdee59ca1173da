import { type ExecHandlers, type ExecSession, type InfraPilotClient, type LogStreamHandlers, followContainerLogs, openExecSession } from '@infrapilot/client';
import { createContext, useContext } from 'react';
import { api } from '../../app/api';

/**
 * What the Docker pages ask of the server: the REST groups and the two container
 * sockets. The pages read it from context, so component tests hand them a stand-in
 * (a fake server in memory) instead of a network.
 */
export interface DockerApi {
  containers: Pick<InfraPilotClient['containers'], 'list' | 'get' | 'start' | 'stop' | 'restart' | 'remove' | 'logs' | 'stats'>;
  stacks: Pick<InfraPilotClient['stacks'], 'list' | 'start' | 'stop' | 'restart'>;
  docker: Pick<InfraPilotClient['docker'], 'images' | 'volumes' | 'networks'>;
  /** Follows a container's log (the client's followContainerLogs). */
  followLogs(agentId: string, container: string, query: { tail?: number; since?: string }, handlers: LogStreamHandlers): { close(): void };
  /** Opens an exec session (the client's openExecSession). */
  openExec(
    agentId: string,
    container: string,
    options: { command: string[]; tty?: boolean; columns?: number; rows?: number },
    handlers: ExecHandlers,
  ): ExecSession;
}

/** The real thing: the app's one client. */
export const clientDockerApi: DockerApi = {
  containers: api.containers,
  stacks: api.stacks,
  docker: api.docker,
  followLogs: (agentId, container, query, handlers) => followContainerLogs(api, agentId, container, query, handlers),
  openExec: (agentId, container, options, handlers) => openExecSession(api, agentId, container, options, handlers),
};

export const DockerApiContext = createContext<DockerApi>(clientDockerApi);

export function useDockerApi(): DockerApi {
  return useContext(DockerApiContext);
}
