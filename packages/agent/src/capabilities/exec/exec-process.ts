// Docker has no call to stop an exec, and when its client goes away it leaves the process
// running: a shell whose browser tab closed would live on inside the container (moby
// #9098). Closing the connection is not enough either, even with a terminal. So the agent
// signals the process itself, by the pid Docker reports, but only after checking that,
// from where the agent stands, that pid is a process of that container.
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';

/** How long a process has to go after SIGHUP before it gets SIGKILL. */
const HANGUP_GRACE_MS = 2_000;

/** The pid is a process of the container when its cgroup path names the container's id. */
async function belongsToContainer(pid: number, containerId: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) return false;
  try {
    return (await readFile(`/proc/${pid}/cgroup`, 'utf8')).includes(containerId);
  } catch {
    // Another PID namespace (the agent itself in a container), or gone already.
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends an abandoned exec's process: SIGHUP (what a closed terminal sends), then SIGKILL
 * if it is still there after a grace period. Returns whether it signalled anything.
 */
export async function hangUpExec(exec: Dockerode.Exec): Promise<boolean> {
  const info = await exec.inspect({ abortSignal: AbortSignal.timeout(5_000) });
  if (!info.Running || !info.Pid) return false;
  if (!(await belongsToContainer(info.Pid, info.ContainerID))) return false;
  if (!signal(info.Pid, 'SIGHUP')) return false;
  const pid = info.Pid;
  const containerId = info.ContainerID;
  const timer = setTimeout(() => {
    void belongsToContainer(pid, containerId).then((still) => still && signal(pid, 'SIGKILL'));
  }, HANGUP_GRACE_MS);
  // Must not keep an agent that is shutting down alive.
  timer.unref();
  return true;
}
