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

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/**
 * A point in time given as `docker logs --since` takes it: a duration back from now
 * ("10m", "1h30m", "2d", "45s") or an ISO-8601 time. Returns ISO-8601 in UTC, which is
 * what the API accepts; a time without a zone is read as local time, as Docker does.
 */
export function parseSince(value: string, now: Date = new Date()): string {
  const text = value.trim();
  const duration = /^(?:\d+[smhdw])+$/.test(text) ? durationSeconds(text) : undefined;
  if (duration !== undefined) return new Date(now.getTime() - duration * 1000).toISOString();
  if (/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i.test(text)) {
    // A bare date is UTC to Date but local for every other zone-less form; make it local too.
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text.replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new InvalidArgumentError('expected a duration such as 10m, 1h30m or 2d, or an ISO-8601 time such as 2025-01-31T12:00:00Z');
}

function durationSeconds(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) total += Number(amount) * UNIT_SECONDS[unit!]!;
  return total;
}

/** `parseSince` as a commander option parser, reading the clock when the option is parsed. */
export function sinceOption(value: string): string {
  return parseSince(value);
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
