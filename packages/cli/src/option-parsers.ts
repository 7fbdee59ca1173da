import { ROLES } from '@infrapilot/protocol';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';

/** Parses a whole number in [min, max]; commander reports a bad one as a usage error. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return number;
  };
}

/** Checks an ISO-8601 timestamp early, with an example, instead of a 400 from the server. */
export function isoTimestamp(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(new Date(value).getTime())) {
    throw new InvalidArgumentError('expected an ISO-8601 time such as 2025-01-31T12:00:00Z');
  }
  return value;
}

/** `--role R`, required, one of the roles of the permission matrix. */
export function roleOption(description: string): Option {
  return new Option('--role <role>', description).choices(ROLES).makeOptionMandatory();
}

/** `<role>` as a positional argument. */
export function roleArgument(): Argument {
  return new Argument('<role>', 'the new role').choices(ROLES);
}

export interface PageOptions {
  limit?: number;
  cursor?: string;
}

/** `--limit` and `--cursor` on list commands, the API's paging (DESIGN.md §8). */
export function withPageOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'at most this many (1-200, server default 50)', integerIn(1, 200))
    .option('--cursor <cursor>', 'continue after the previous page');
}
