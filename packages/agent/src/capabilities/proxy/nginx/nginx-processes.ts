// How the agent tells whether nginx runs and whether a reload took effect, from the pid
// file and /proc alone: `nginx -s reload` only signals the master and returns at once,
// so "reloaded" means "the master has started a new generation of workers".
import { readdir, readFile } from 'node:fs/promises';

/** The state letter and parent pid of a process from /proc/<pid>/stat, or undefined when it is gone. */
async function statOf(pid: number): Promise<{ state: string; parent: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain ") ".
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', parent: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a process exists and is not a zombie. A daemonised nginx is re-parented to
 * whatever reaps orphans; where that is slow (a container's PID 1), a dead master lingers
 * as a zombie that kill(pid, 0) still finds.
 */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = await statOf(pid);
  // Without /proc (another PID namespace) kill's answer is all there is.
  return stat === undefined || (stat.state !== 'Z' && stat.state !== 'X');
}

/** The pid the pid file names, or undefined when there is no file or no number in it. */
export async function pidFromFile(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** The live master's pid: the pid file names a process that is alive. */
export async function livePidFromFile(pidFile: string): Promise<number | undefined> {
  const pid = await pidFromFile(pidFile);
  return pid !== undefined && (await processAlive(pid)) ? pid : undefined;
}

/** The live children of a process (nginx's workers, cache manager...), by pid; empty when /proc says nothing. */
export async function childrenOf(parent: number): Promise<Set<number>> {
  const children = new Set<number>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return children;
  }
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const stat = await statOf(Number(entry));
        if (stat && stat.parent === parent && stat.state !== 'Z' && stat.state !== 'X') children.add(Number(entry));
      }),
  );
  return children;
}

/** A process's title as nginx sets it ("nginx: worker process is shutting down"), or undefined when it is gone. */
export async function processTitle(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}
