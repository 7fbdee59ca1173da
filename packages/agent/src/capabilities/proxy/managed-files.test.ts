import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreFiles, sha256Hex, snapshotFiles, writeFileAtomic } from './managed-files.js';

describe('managed files', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'infrapilot-managed-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes with the mode asked for, whatever the umask, and leaves no temporary file', async () => {
    const key = join(directory, 'host.key');
    await writeFileAtomic(key, 'secret', 0o600);
    await writeFileAtomic(join(directory, 'host.conf'), 'server {}\n', 0o644);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, 'host.conf'))).mode & 0o777).toBe(0o644);
    expect((await readdir(directory)).sort()).toEqual(['host.conf', 'host.key']);
  });

  it('puts back old contents and modes, and removes files that did not exist', async () => {
    const existing = join(directory, 'a.conf');
    const created = join(directory, 'b.conf');
    await writeFile(existing, 'old', { mode: 0o640 });
    const snapshot = await snapshotFiles([existing, created]);

    await writeFileAtomic(existing, 'new', 0o644);
    await writeFileAtomic(created, 'new', 0o644);
    await restoreFiles(snapshot);

    expect(await readFile(existing, 'utf8')).toBe('old');
    expect((await stat(existing)).mode & 0o777).toBe(0o640);
    expect(await readdir(directory)).toEqual(['a.conf']);
  });

  it('hashes as lowercase hex SHA-256 of the bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
