import { ContainerRefSchema, StackNameSchema } from '@infrapilot/protocol';
import { InvalidArgumentError } from 'commander';
import type { z } from 'zod';

/**
 * Parsers of the names Docker commands take, checked with the API's own grammar so a
 * typo is a usage error here rather than a 400 from the server.
 */

function checked(schema: z.ZodType<string>, value: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid value');
  return parsed.data;
}

/** CONTAINER: a name, an id or an id prefix. */
export function containerReference(value: string): string {
  return checked(ContainerRefSchema, value);
}

/** CONTAINER...: several, each checked. */
export function containerReferences(value: string, previous: string[] = []): string[] {
  return [...previous, containerReference(value)];
}

/** STACK: a compose project name. */
export function stackName(value: string): string {
  return checked(StackNameSchema, value);
}

/** A repeatable option (-e A=1 -e B=2). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
