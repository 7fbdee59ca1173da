// The files the agent writes for nginx. A reader (nginx reloading, a heartbeat hashing)
// must never see half a file, so every write goes to a temporary file in the same
// directory, is flushed to disk and renamed over the old one. The temporary name ends in
// ".tmp", so even a reload that happens in between does not include it (conf.d/*.conf).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** File modes the agent writes with. */
export const FILE_MODES = {
  /** Configs, certificates and ACME answers: nginx's workers (another user) may read them. */
  public: 0o644,
  /** Private keys: only the owner (root, nginx's master) reads them. */
  private: 0o600,
  directory: 0o755,
} as const;

/** A file's content (or absence) at one moment, to put back if what follows fails. */
export interface FileSnapshot {
  path: string;
  /** undefined: there was no file. */
  content: Buffer | undefined;
  mode: number;
}

/** Lowercase hex SHA-256 of a file's bytes (or of a string, as UTF-8): config_hash. */
export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The content of a file, or undefined when there is none. */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Records what is at each path now (content and mode, or that nothing is there). */
export async function snapshotFiles(paths: readonly string[]): Promise<FileSnapshot[]> {
  return Promise.all(
    paths.map(async (path) => {
      const content = await readIfPresent(path);
      const mode = content === undefined ? FILE_MODES.public : (await stat(path)).mode & 0o7777;
      return { path, content, mode };
    }),
  );
}

/** Puts every path back as it was in the snapshot: its old content, or no file. */
export async function restoreFiles(snapshots: readonly FileSnapshot[]): Promise<void> {
  const problems: string[] = [];
  // One failed path must not stop the others from being put back.
  for (const snapshot of snapshots) {
    try {
      if (snapshot.content === undefined) await removeFile(snapshot.path);
      else await writeFileAtomic(snapshot.path, snapshot.content, snapshot.mode);
    } catch (error) {
      problems.push(`${snapshot.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) throw new Error(`Could not restore the previous files: ${problems.join('; ')}`);
}

/** Creates a directory (and its parents) when missing; leaves an existing one as it is. */
export async function ensureDirectory(path: string, mode: number = FILE_MODES.directory): Promise<void> {
  await mkdir(path, { recursive: true, mode });
}

/**
 * Writes a file so that readers see the old content or the new, never a mix: a temporary
 * file next to it, fsync, chmod (the umask does not decide), rename, fsync of the directory.
 */
export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

/** Removes a file; false when there was none. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await rm(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await syncDirectory(dirname(path));
  return true;
}

/** Sets a directory's mode (a webroot nginx's workers must traverse). */
export async function setDirectoryMode(path: string, mode: number = FILE_MODES.directory): Promise<void> {
  await chmod(path, mode);
}

// The rename is durable only once the directory entry is on disk too.
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself has happened.
  } finally {
    await handle.close();
  }
}
