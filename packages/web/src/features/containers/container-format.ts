import type { ContainerState, PortBinding } from '@infrapilot/protocol';
import type { BadgeTone } from '../../components/ui/badge';

/** Running is green, stopped or dead red, in between amber, not started yet neutral. */
export const TONE_OF_STATE: Record<ContainerState, BadgeTone> = {
  running: 'success',
  exited: 'danger',
  dead: 'danger',
  restarting: 'warning',
  paused: 'warning',
  created: 'neutral',
  removing: 'neutral',
};

export const CONTAINER_STATES: readonly ContainerState[] = ['running', 'restarting', 'paused', 'created', 'exited', 'dead', 'removing'];

export function toneOfHealth(health: string): BadgeTone {
  if (health === 'healthy') return 'success';
  if (health === 'unhealthy') return 'danger';
  if (health === 'starting') return 'warning';
  return 'neutral';
}

/** Whether Start makes sense (a running container needs Stop or Restart instead). */
export function canStart(state: ContainerState): boolean {
  return state === 'created' || state === 'exited' || state === 'dead';
}

/** Whether Stop and Restart make sense. */
export function isUp(state: ContainerState): boolean {
  return state === 'running' || state === 'restarting' || state === 'paused';
}

/**
 * "8080→80/tcp" for a published port ("127.0.0.1:8080→80/tcp" when bound to one
 * address), "80/tcp" for an exposed one. Docker lists a port published on all addresses
 * twice (0.0.0.0 and ::); it is shown once.
 */
export function formatPorts(ports: readonly PortBinding[]): string[] {
  const shown = new Set<string>();
  for (const port of ports) {
    const anyAddress = port.ip === '' || port.ip === '0.0.0.0' || port.ip === '::';
    shown.add(
      port.publicPort === null ? `${port.privatePort}/${port.protocol}` : `${anyAddress ? '' : `${port.ip}:`}${port.publicPort}→${port.privatePort}/${port.protocol}`,
    );
  }
  return [...shown];
}

/** An argv as one would type it: arguments with spaces or quotes are quoted. */
export function commandLine(argv: readonly string[]): string {
  return argv.map((argument) => (/^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** The page of a container: by name, which is what people read and what survives a restart. */
export function containerPath(container: { agentId: string; name: string }, tab?: string): string {
  const path = `/hosts/${encodeURIComponent(container.agentId)}/containers/${encodeURIComponent(container.name)}`;
  return tab ? `${path}?tab=${tab}` : path;
}
