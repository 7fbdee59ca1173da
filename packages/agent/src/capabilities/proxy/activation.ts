// Making the files just written live, and what is left when nginx does not take them.
import { CommandFailure } from '../registry.js';
import { restoreFiles, type FileSnapshot } from './managed-files.js';
import type { ProxyContext } from './proxy-context.js';

/** An error as the command's answer: a CommandFailure as it is, anything else as `failed`. */
export function asCommandFailure(error: unknown): CommandFailure {
  if (error instanceof CommandFailure) return error;
  return new CommandFailure('failed', error instanceof Error ? error.message : String(error));
}

/**
 * Reloads (or starts) nginx with the files on disk. When that fails, the snapshot is put
 * back and, while nginx runs, tested and reloaded once more: a failed activation may still
 * have been taken (new workers that appear after the deadline, a reload program that
 * signals nginx and then reports an error), and nginx must not keep serving files that
 * are no longer on disk. That second reload is best effort and only logged; the answer is
 * the activation's failure either way. `what` names the change in the log.
 */
export async function activateOrRestore(context: ProxyContext, previous: readonly FileSnapshot[], what: string): Promise<void> {
  let failure: CommandFailure;
  try {
    await context.driver.activate();
    return;
  } catch (error) {
    failure = asCommandFailure(error);
  }
  await restoreFiles(previous);
  context.logger.warn(`nginx did not take ${what}: ${failure.message}. The previous files were put back.`);
  await reloadRestoredFiles(context);
  throw failure;
}

async function reloadRestoredFiles(context: ProxyContext): Promise<void> {
  try {
    if (!(await context.driver.running())) return;
    const test = await context.driver.test();
    if (!test.ok) {
      context.logger.warn(`nginx -t refuses the restored files, so nginx was not reloaded with them: ${test.output}`);
      return;
    }
    if (await context.driver.reloadIfRunning()) context.logger.info('nginx reloaded the restored files');
  } catch (error) {
    context.logger.warn(`nginx could not be reloaded with the restored files: ${asCommandFailure(error).message}`);
  }
}
