import { CommanderError } from 'commander';

/**
 * Ends the command with this exit status and prints nothing more: the status of a
 * command run in a container (`containers exec`), or a failure already reported line by
 * line. runCli returns a CommanderError's exitCode without printing it, the same way it
 * treats commander's own exits.
 */
export class ExitStatus extends CommanderError {
  constructor(readonly status: number) {
    super(status, 'infrapilot.exitStatus', `exit status ${status}`);
  }
}
