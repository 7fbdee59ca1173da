// The control plane validates every request against the same grammars; the agent checks
// again because it is the last line before Docker, and a control plane is not trusted to
// be bug-free (or uncompromised).
import { ContainerAction } from '@infrapilot/protocol/agent';
import type { DockerActionName } from '../../policy.js';
import { CommandFailure, type CommandPayload } from '../registry.js';

const CONTAINER_REF = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const STACK_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// Docker's since/until: unix seconds, optionally with up to nine decimals.
const DOCKER_TIME = /^\d{1,12}(\.\d{1,9})?$/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const USER = /^[A-Za-z0-9_.-]{1,64}(:[A-Za-z0-9_.-]{1,64})?$/;
const MAX_ARGUMENTS = 64;
const MAX_ARGUMENT_LENGTH = 4096;

function invalid(message: string): CommandFailure {
  return new CommandFailure('invalid_argument', message);
}

/** A container id, id prefix or name, as Docker's own name grammar allows. */
export function containerRef(value: string): string {
  if (!CONTAINER_REF.test(value)) throw invalid(`"${value.slice(0, 140)}" is not a container id or name (letters, digits, "_", "." or "-", up to 128 characters)`);
  return value;
}

/** A compose project name. */
export function stackName(value: string): string {
  if (!STACK_NAME.test(value)) throw invalid(`"${value.slice(0, 80)}" is not a compose project name (lowercase letters, digits, "_" or "-")`);
  return value;
}

/** Docker's time bound, or undefined when empty. */
export function dockerTime(value: string, name: string): string | undefined {
  if (value === '') return undefined;
  if (!DOCKER_TIME.test(value)) throw invalid(`${name} must be unix seconds with up to nine decimals, got "${value.slice(0, 40)}"`);
  return value;
}

function noNul(value: string, what: string): string {
  if (value.includes('\0')) throw invalid(`${what} must not contain a NUL byte`);
  if (value.length > MAX_ARGUMENT_LENGTH) throw invalid(`${what} is longer than ${MAX_ARGUMENT_LENGTH} characters`);
  return value;
}

/** A command as argv: at least the program, no NUL bytes. */
export function argv(values: readonly string[]): string[] {
  if (values.length === 0) throw invalid('Name a program to run (argv is empty)');
  if (values.length > MAX_ARGUMENTS) throw invalid(`At most ${MAX_ARGUMENTS} arguments`);
  if (values[0] === '') throw invalid('The program name is empty');
  return values.map((value, index) => noNul(value, `argv[${index}]`));
}

/** NAME=value assignments. */
export function environment(values: readonly string[]): string[] {
  if (values.length > MAX_ARGUMENTS) throw invalid(`At most ${MAX_ARGUMENTS} environment variables`);
  return values.map((value, index) => {
    noNul(value, `env[${index}]`);
    if (!ENV_ASSIGNMENT.test(value)) throw invalid(`env[${index}] must be NAME=value`);
    return value;
  });
}

/** user or user:group, or undefined when empty. */
export function execUser(value: string): string | undefined {
  if (value === '') return undefined;
  if (!USER.test(value)) throw invalid(`"${value.slice(0, 140)}" is not a user or user:group`);
  return value;
}

/** An absolute path, or undefined when empty. */
export function workingDir(value: string): string | undefined {
  if (value === '') return undefined;
  noNul(value, 'The working directory');
  if (!value.startsWith('/')) throw invalid(`The working directory must be an absolute path, got "${value.slice(0, 140)}"`);
  return value;
}

const ACTION_NAMES: Partial<Record<ContainerAction, DockerActionName>> = {
  [ContainerAction.START]: 'start',
  [ContainerAction.STOP]: 'stop',
  [ContainerAction.RESTART]: 'restart',
  [ContainerAction.REMOVE]: 'remove',
};

/** The policy's name of a wire action; UNSPECIFIED and unknown numbers are refused. */
export function actionName(action: ContainerAction): DockerActionName {
  const name = ACTION_NAMES[action];
  if (!name) throw invalid(`Unknown container action ${action}`);
  return name;
}

/** The command a handler was given, narrowed to its arm (the registry routes by arm, so a mismatch is a bug). */
export function commandOf<Arm extends CommandPayload['case']>(payload: CommandPayload, arm: Arm): CommandOf<Arm> {
  if (payload.case !== arm) throw invalid(`Expected a ${arm} command, got ${payload.case}`);
  return payload.value as unknown as CommandOf<Arm>;
}

type CommandOf<Arm extends CommandPayload['case']> = Extract<CommandPayload, { case: Arm }>['value'];
