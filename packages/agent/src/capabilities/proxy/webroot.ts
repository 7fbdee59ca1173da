import { dirname } from 'node:path';
import { ensureDirectory, setDirectoryMode } from './managed-files.js';
import { challengeDirectoryOf, type NginxLayout } from './nginx/nginx-layout.js';

/**
 * Creates the directories nginx reads for the agent's files when they are missing.
 */
export async function prepareDirectories(layout: NginxLayout): Promise<void> {
  await ensureDirectory(layout.configDirectory);
  await ensureDirectory(layout.certificateDirectory);
  await ensureDirectory(layout.logDirectory);
  await prepareChallengeDirectory(layout);
}

/**
 * Creates the ACME answers' directory (<challengeDirectory>/.well-known/acme-challenge)
 * and makes each of its levels traversable (0755) even when they existed: nginx's workers
 * run as another user, and one closed directory would fail every HTTP-01 challenge.
 */
export async function prepareChallengeDirectory(layout: NginxLayout): Promise<void> {
  const answers = challengeDirectoryOf(layout);
  await ensureDirectory(answers);
  for (let directory = answers; ; directory = dirname(directory)) {
    await setDirectoryMode(directory);
    if (directory === layout.challengeDirectory || directory === dirname(directory)) break;
  }
}
