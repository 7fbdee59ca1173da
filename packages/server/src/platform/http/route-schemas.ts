import { ErrorReplySchema } from '@infrapilot/protocol';
import type { z } from 'zod';

const ERROR_STATUSES = [400, 401, 403, 404, 409, 429] as const;

/** A route's replies: the success schemas given, plus the shared error body for every error status. */
export function replies<T extends Record<number, z.ZodType>>(success: T) {
  const errors = Object.fromEntries(ERROR_STATUSES.map((status) => [status, ErrorReplySchema])) as Record<(typeof ERROR_STATUSES)[number], typeof ErrorReplySchema>;
  return { ...errors, ...success };
}
